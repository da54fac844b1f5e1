"""DNS for dns-01: TXT records written by RFC 2136 updates signed with TSIG (delegation), and
look-ups through the configured resolver (propagation checks, CNAME and CAA checks)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import dns.asyncquery
import dns.asyncresolver
import dns.exception
import dns.name
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.tsig
import dns.update

from app.acme.errors import Transient
from app.config import Settings

log = logging.getLogger(__name__)


class DnsError(Transient):
    """A DNS update or look-up failed; the message says which and why."""

    def problem(self) -> dict[str, Any]:
        return {"type": "casp:dns", "detail": str(self)}


def host_port(value: str, default_port: int = 53) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or "]" in port or (host.count(":") > 1 and not host.startswith("[")):
        return value.strip("[]"), default_port
    return host.strip("[]"), int(port)


def parse_tsig(value: str) -> dns.tsig.Key:
    """nsupdate's -y format: [hmac-algorithm:]keyname:base64secret."""
    parts = value.split(":")
    if len(parts) == 2:
        parts = ["hmac-sha256", *parts]
    if len(parts) != 3 or not all(parts):
        raise ValueError("CASP_DNS_TSIG_KEY must be [algorithm:]name:secret")
    algorithm, name, secret = parts
    return dns.tsig.Key(name, secret, algorithm)


@dataclass(frozen=True)
class DnsUpdater:
    """Adds and removes single TXT values in the delegation zone."""

    server: str
    zone: str
    key: dns.tsig.Key

    async def _send(self, update: dns.update.UpdateMessage) -> None:
        host, port = host_port(self.server)
        try:
            response = await dns.asyncquery.tcp(update, host, port=port, timeout=10)
        except (OSError, dns.exception.DNSException) as exc:
            raise DnsError(f"DNS update to {self.server} failed: {exc}") from exc
        if response.rcode() != dns.rcode.NOERROR:
            raise DnsError(f"DNS update to {self.server} refused: "
                           f"{dns.rcode.to_text(response.rcode())}")

    def _update(self) -> dns.update.UpdateMessage:
        return dns.update.UpdateMessage(self.zone, keyring=self.key, keyname=self.key.name,
                                        keyalgorithm=self.key.algorithm)

    async def add_txt(self, name: str, value: str, ttl: int = 60) -> None:
        update = self._update()
        update.add(dns.name.from_text(name), ttl, "TXT", _quoted(value))
        await self._send(update)

    async def check_zone(self) -> None:
        """An update whose only prerequisite is that the zone's apex exists, changing
        nothing: the server checks the signature and that it serves the zone."""
        update = self._update()
        update.present(dns.name.from_text(self.zone))
        await self._send(update)

    async def delete_txt(self, name: str, value: str) -> None:
        update = self._update()
        update.delete(dns.name.from_text(name), "TXT", _quoted(value))
        await self._send(update)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Lookup:
    """Queries through one resolver (CASP_DNS_RESOLVER) or the system's, each given up after
    `timeout` s (CASP_DNS_TIMEOUT_SECONDS): a DNS that never answers costs a job that long."""

    def __init__(self, resolver: str | None, timeout: float = 3.0):
        self.resolver = dns.asyncresolver.Resolver(configure=resolver is None)
        if resolver:
            host, port = host_port(resolver)
            self.resolver.nameservers = [host]
            self.resolver.port = port
        self.resolver.lifetime = timeout
        self.resolver.timeout = timeout / 2  # a lost datagram is asked again once
        self.resolver.cache = None  # propagation checks must see fresh answers

    @classmethod
    def of(cls, settings: Settings) -> Lookup:
        return cls(settings.dns_resolver, settings.dns_timeout_seconds)

    async def _answer(self, name: str, rtype: str) -> dns.resolver.Answer | None:
        try:
            return await self.resolver.resolve(name, rtype, raise_on_no_answer=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoNameservers):
            return None
        except dns.exception.DNSException as exc:
            # Users see the message: it names no server (casp's resolver may be private).
            log.warning("DNS look-up of %s %s failed: %s", name, rtype, exc)
            why = "timed out" if isinstance(exc, dns.exception.Timeout) else "failed"
            raise DnsError(f"DNS look-up of {name} {rtype} {why}") from exc

    async def txt(self, name: str) -> set[str]:
        answer = await self._answer(name, "TXT")
        if answer is None or answer.rrset is None:
            return set()
        return {b"".join(r.strings).decode() for r in answer.rrset}

    async def cname(self, name: str) -> str | None:
        answer = await self._answer(name, "CNAME")
        if answer is None or answer.rrset is None:
            return None
        return str(answer.rrset[0].target).rstrip(".").lower()

    async def addresses(self, name: str) -> list[str]:
        found: list[str] = []
        for rtype in ("A", "AAAA"):
            answer = await self._answer(name, rtype)
            if answer is not None and answer.rrset is not None:
                found += [r.address for r in answer.rrset]
        return found

    async def caa(self, name: str) -> tuple[str, list[tuple[str, str]]] | None:
        """The closest CAA record set at or above `name` (RFC 8659): (owner, [(tag, value)])."""
        labels = name.rstrip(".").split(".")
        for i in range(len(labels) - 1):
            owner = ".".join(labels[i:])
            answer = await self._answer(owner, "CAA")
            if answer is not None and answer.rrset is not None:
                return owner, [(r.tag.decode(), r.value.decode()) for r in answer.rrset]
        return None

    async def wait_txt(self, name: str, values: set[str], within: float) -> bool:
        """Poll until every value is visible at `name`, with backoff, at most `within` s."""
        deadline, delay = time.monotonic() + within, 0.05
        while True:
            if values <= await self.txt(name):
                return True
            if time.monotonic() + delay > deadline:
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
