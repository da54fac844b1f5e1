"""PowerDNS Authoritative (Debian's pdns-server with its sqlite3 backend) on loopback: one
zone, its HTTP API on with an API key, as a user's DNS host reached through lexicon's
powerdns provider; Pebble resolves through it."""

from __future__ import annotations

import secrets
import sqlite3
import tempfile
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import httpx

from tests.support import find_binary
from tests.support.dns import free_udp_tcp_port
from tests.support.net import free_port
from tests.support.procs import ServiceProcess

SCHEMAS = (Path("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"),
           Path("/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql"))
ZONE = "pdns-users.test"


class PowerDns(ServiceProcess):
    """`pdns_server` serving ZONE (every name answers 127.0.0.1) from a fresh sqlite3 file."""

    host = "127.0.0.1"

    def __init__(self, pdns: str | None = None) -> None:
        self.binary = pdns or find_binary("pdns_server")
        if self.binary is None:
            raise FileNotFoundError("pdns_server (Debian package pdns-server) is not installed")
        self._own_dir = True
        self.workdir = Path(tempfile.mkdtemp(prefix="casp-pdns-"))
        self.log_path = self.workdir / "pdns.log"
        self.port = free_udp_tcp_port()
        self.api_port = free_port()
        self.api_key = secrets.token_hex(16)
        self.zone = ZONE

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    def _database(self) -> Path:
        path = self.workdir / "pdns.sqlite3"
        with sqlite3.connect(path) as db:
            db.executescript(next(p for p in SCHEMAS if p.exists()).read_text())
            db.execute("INSERT INTO domains (name, type) VALUES (?, 'NATIVE')", (self.zone,))
            rows = [(self.zone, "SOA", f"ns1.{self.zone} hostmaster.{self.zone} 1 3600 600 "
                     "86400 1"), (self.zone, "NS", f"ns1.{self.zone}"),
                    (self.zone, "A", "127.0.0.1"), (f"*.{self.zone}", "A", "127.0.0.1")]
            db.executemany("INSERT INTO records (domain_id, name, type, content, ttl, prio, "
                           "disabled, auth) VALUES (1, ?, ?, ?, 60, 0, 0, 1)", rows)
        return path

    def start(self, timeout: float = 15.0) -> PowerDns:
        database = self._database()
        conf = self.workdir / "pdns.conf"
        conf.write_text("\n".join([
            "launch=gsqlite3", f"gsqlite3-database={database}", f"local-address={self.host}",
            f"local-port={self.port}", "api=yes", f"api-key={self.api_key}", "webserver=yes",
            f"webserver-address={self.host}", f"webserver-port={self.api_port}",
            "webserver-allow-from=127.0.0.0/8", "daemon=no", "guardian=no",
            f"socket-dir={self.workdir}", "disable-syslog=yes", "loglevel=4",
            # Answers change within a test: nothing cached.
            "cache-ttl=0", "negquery-cache-ttl=0", "query-cache-ttl=0",
            "zone-cache-refresh-interval=0", ""]))
        self._launch([str(self.binary), f"--config-dir={self.workdir}"])
        self._await_ready(self._ready, timeout, "pdns_server", "answer DNS and its API")
        return self

    def _ready(self) -> bool:
        query = dns.message.make_query(self.zone, dns.rdatatype.SOA)
        try:
            reply = dns.query.udp(query, self.host, port=self.port, timeout=0.3)
            httpx.get(f"{self.api_url}/api/v1/servers/localhost",
                      headers={"X-API-Key": self.api_key}, timeout=1).raise_for_status()
        except (OSError, dns.exception.Timeout, httpx.HTTPError):
            return False
        return reply.rcode() == dns.rcode.NOERROR

    def __enter__(self) -> PowerDns:
        return self.start()

    def txt(self, name: str) -> list[str]:
        """The TXT values at `name`, straight from the server (over TCP)."""
        reply = dns.query.tcp(dns.message.make_query(name, "TXT"), self.host, port=self.port,
                              timeout=5)
        return [b"".join(r.strings).decode() for rrset in reply.answer
                if rrset.rdtype == dns.rdatatype.TXT for r in rrset]
