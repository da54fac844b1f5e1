"""An authoritative BIND server on loopback: Pebble's resolver and casp's RFC 2136 target;
and a DNS server that never answers."""

from __future__ import annotations

import base64
import os
import secrets
import socket
import tempfile
import threading
from pathlib import Path
from types import TracebackType

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.update

from tests.support import find_binary
from tests.support.net import free_port
from tests.support.procs import ServiceProcess

USERS_ZONE = "example.test."
DELEGATION_ZONE = "acme-delegation.test."


def free_udp_tcp_port(attempts: int = 50) -> int:
    """A loopback port free for both TCP and UDP, since named listens on both."""
    for _ in range(attempts):
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no port free for both TCP and UDP on 127.0.0.1")


def _zone_text(origin: str, extra: str = "") -> str:
    # A short SOA minimum keeps negative answers from lingering in any client cache.
    return (
        "$TTL 60\n"
        f"$ORIGIN {origin}\n"
        f"@ IN SOA ns1.{origin} hostmaster.{origin} 1 3600 600 86400 1\n"
        f"@ IN NS ns1.{origin}\n"
        "ns1 IN A 127.0.0.1\n"
        f"{extra}"
    )


class BindServer(ServiceProcess):
    """`named -g` serving a users zone and a delegation zone, both updatable with one TSIG key.

    Recursion is on for loopback only so BIND follows `_acme-challenge` CNAMEs into the
    delegation zone; a local root zone makes every other name NXDOMAIN, nothing leaves the box.
    The users zone answers every name (wildcard) with 127.0.0.1 and has no AAAA, so Pebble's
    http-01 lands on loopback over IPv4. Note an RFC 4592 subtlety: adding a record under a
    name (e.g. `_acme-challenge.b.example.test`) makes `b.example.test` an empty non-terminal
    that the wildcard no longer covers; add an explicit A for it if http-01 needs it.
    """

    host = "127.0.0.1"
    tsig_algorithm = "hmac-sha256"

    def __init__(self, workdir: Path | None = None, port: int | None = None,
                 named: str | None = None,
                 zones: tuple[str, ...] = (USERS_ZONE, DELEGATION_ZONE)) -> None:
        self.named = named or find_binary("named")
        if self.named is None:
            raise FileNotFoundError("named (Debian package bind9) is not installed")
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="casp-bind-"))
        self.port = port or free_udp_tcp_port()
        self.zones = tuple(z if z.endswith(".") else z + "." for z in zones)
        self.users_zone = USERS_ZONE
        self.delegation_zone = DELEGATION_ZONE
        self.tsig_key_name = "casp-test-key."
        self.tsig_secret = base64.b64encode(secrets.token_bytes(32)).decode()
        self.log_path = self.workdir / "named.log"

    @property
    def address(self) -> str:
        """host:port, the form `pebble -dnsserver` takes."""
        return f"{self.host}:{self.port}"

    @property
    def tsig_key(self) -> dns.tsig.Key:
        return dns.tsig.Key(self.tsig_key_name, self.tsig_secret, self.tsig_algorithm)

    def _write_config(self) -> Path:
        d = self.workdir
        d.mkdir(parents=True, exist_ok=True)
        key = self.tsig_key_name
        (d / "root.zone").write_text(
            "$TTL 60\n@ IN SOA ns1.root.test. hostmaster.root.test. 1 3600 600 86400 1\n"
            "@ IN NS ns1.root.test.\nns1.root.test. IN A 127.0.0.1\n")
        zone_blocks = []
        for zone in self.zones:
            extra = "@ IN A 127.0.0.1\n* IN A 127.0.0.1\n" if zone == USERS_ZONE else ""
            (d / f"{zone}zone").write_text(_zone_text(zone, extra))
            zone_blocks.append(
                f'zone "{zone}" {{ type primary; file "{d / (zone + "zone")}";\n'
                f'  allow-update {{ key "{key}"; }}; }};\n')
        conf = (
            "options {\n"
            f'  directory "{d}";\n'
            "  pid-file none;\n"
            f'  session-keyfile "{d / "session.key"}";\n'
            f'  managed-keys-directory "{d}";\n'
            f"  listen-on port {self.port} {{ 127.0.0.1; }};\n"
            "  listen-on-v6 { none; };\n"
            # BIND only chases a CNAME into another zone it serves when recursion is on, and
            # Pebble's Go resolver never follows a bare CNAME itself. The local root zone
            # below answers everything else, so recursion never leaves this server.
            "  recursion yes;\n"
            "  allow-recursion { 127.0.0.1; };\n"
            "  allow-transfer { none; };\n"
            "  notify no;\n"
            "  dnssec-validation no;\n"
            "  max-cache-size 8m;\n"
            "};\n"
            # No rndc channel: parallel runs would fight over port 953.
            "controls { };\n"
            f'key "{key}" {{ algorithm {self.tsig_algorithm}; secret "{self.tsig_secret}"; }};\n'
            + "".join(zone_blocks)
            + f'zone "." {{ type primary; file "{d / "root.zone"}"; }};\n'
        )
        path = d / "named.conf"
        path.write_text(conf)
        # named may drop privileges (packaged builds run as root here); journals need a
        # writable directory either way.
        os.chmod(d, 0o777)  # noqa: S103 - private temp dir for a test daemon
        return path

    def start(self, timeout: float = 10.0) -> BindServer:
        conf = self._write_config()
        self._launch([str(self.named), "-g", "-4", "-n", "2", "-c", str(conf)])
        self._await_ready(self._answers_soa, timeout, "named", "answer an SOA query")
        return self

    def _answers_soa(self) -> bool:
        query = dns.message.make_query(self.zones[0], dns.rdatatype.SOA)
        try:
            reply = dns.query.udp(query, self.host, port=self.port, timeout=0.3)
        except (OSError, dns.exception.Timeout):
            return False
        return reply.rcode() == dns.rcode.NOERROR and bool(reply.answer)

    def __enter__(self) -> BindServer:
        return self.start()

    # -- records --------------------------------------------------------------------------

    def zone_of(self, name: str) -> str:
        """The served zone holding `name` (longest suffix match)."""
        qname = dns.name.from_text(name)
        matches = [z for z in self.zones if qname.is_subdomain(dns.name.from_text(z))]
        if not matches:
            raise ValueError(f"{name} is in none of the served zones {self.zones}")
        return max(matches, key=len)

    def _send_update(self, update: dns.update.UpdateMessage) -> None:
        reply = dns.query.tcp(update, self.host, port=self.port, timeout=5)
        if reply.rcode() != dns.rcode.NOERROR:
            raise RuntimeError(f"dynamic update refused: {dns.rcode.to_text(reply.rcode())}")

    def _update(self, name: str) -> tuple[dns.update.UpdateMessage, dns.name.Name]:
        zone = self.zone_of(name)
        update = dns.update.UpdateMessage(zone, keyring=self.tsig_key,
                                          keyalgorithm=self.tsig_algorithm)
        return update, dns.name.from_text(name)

    def add_record(self, name: str, rtype: str, value: str, ttl: int = 60) -> None:
        """Add one record by a TSIG-signed RFC 2136 update, as casp's DNS provider will."""
        update, owner = self._update(name)
        if rtype.upper() == "TXT" and not value.startswith('"'):
            value = f'"{value}"'
        update.add(owner, ttl, rtype, value)
        self._send_update(update)

    def delete_record(self, name: str, rtype: str) -> None:
        """Delete the whole RRset of that type at `name` (TSIG-signed RFC 2136 update)."""
        update, owner = self._update(name)
        update.delete(owner, rtype)
        self._send_update(update)

    def query_message(self, name: str, rtype: str) -> dns.message.Message:
        """The raw reply of this server (over TCP, so answers are never truncated)."""
        query = dns.message.make_query(name, rtype)
        return dns.query.tcp(query, self.host, port=self.port, timeout=5)

    def query(self, name: str, rtype: str) -> list[str]:
        """Values of type `rtype` in the answer, following in-server CNAMEs; TXT unquoted."""
        wanted = dns.rdatatype.from_text(rtype)
        values: list[str] = []
        for rrset in self.query_message(name, rtype).answer:
            if rrset.rdtype != wanted:
                continue
            for rdata in rrset:
                if wanted == dns.rdatatype.TXT:
                    values.append(b"".join(rdata.strings).decode())
                else:
                    values.append(rdata.to_text())
        return values


class SilentDns:
    """A UDP DNS server on loopback that reads every query and never answers (`with` it)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)  # to notice the end
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.queries = 0
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                self.sock.recv(4096)
            except TimeoutError:
                continue
            self.queries += 1

    def __enter__(self) -> SilentDns:
        self._reader.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._reader.join(timeout=2)
        self.sock.close()
