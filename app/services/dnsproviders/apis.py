"""Talking to a user's DNS provider: check the credential, add and remove one TXT value.
Lexicon is synchronous: each call runs in a thread of POOL, given up after
CASP_DNS_PROVIDER_TIMEOUT_SECONDS. Foreign
errors become ProviderRefused (the credential or the request is wrong: not worth a retry) or
ProviderUnavailable (network trouble: try later); messages never carry a credential."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import dns.exception
import dns.tsig
import requests
from lexicon._private.discovery import load_provider_module
from lexicon.config import ConfigResolver
from lexicon.exceptions import AuthenticationError

from app.acme.errors import AcmeProblem, Transient
from app.runtime import current
from app.services.dnsproviders import threads
from app.services.dnsproviders.catalogue import RFC2136
from app.services.domains.dns import DnsError, DnsUpdater, parse_tsig

log = logging.getLogger(__name__)
# Lexicon's providers log requests and answers at DEBUG, credentials among them for some:
# never, whatever CASP_LOG_LEVEL says.
logging.getLogger("lexicon").setLevel(logging.INFO)
TTL = 60
PROBLEM = "casp:dnsProvider"
T = TypeVar("T")


def _timeout() -> float:
    return float(current().settings.dns_provider_timeout_seconds)


class ProviderRefused(AcmeProblem):
    """The provider refused the credential or the change: fails the attempt for good."""

    def __init__(self, detail: str):
        super().__init__({"type": PROBLEM, "detail": detail})


class ProviderUnavailable(Transient):
    """The provider could not be reached now: the attempt is tried again later."""

    def problem(self) -> dict[str, Any]:
        return {"type": PROBLEM, "detail": str(self)}


class DnsApi(Protocol):
    async def check(self) -> None:
        """A harmless call proving the credential works for its zone."""

    async def add_txt(self, name: str, value: str) -> None: ...
    async def delete_txt(self, name: str, value: str) -> None: ...


@dataclass(frozen=True)
class Credential:
    """What a call needs: the provider, its label (for messages), the zone, the fields."""

    provider: str
    label: str
    zone: str
    fields: Mapping[str, str]


def api_for(credential: Credential) -> DnsApi:
    if credential.provider == RFC2136:
        return Rfc2136Api(credential)
    return LexiconApi(credential)


def _scrub(text: str, credential: Credential) -> str:
    """A foreign message with every credential value taken out (a URL may carry a key)."""
    for value in credential.fields.values():
        if len(value) >= 4:
            text = text.replace(value, "[redacted]")
    return text[:300]


class LexiconApi:
    def __init__(self, credential: Credential):
        self.credential = credential

    def _provider(self) -> Any:
        c = self.credential
        config = ConfigResolver().with_dict({  # type: ignore[no-untyped-call]
            "provider_name": c.provider, "domain": c.zone, "ttl": TTL,
            c.provider: dict(c.fields)})
        provider = load_provider_module(c.provider).Provider(config)
        provider.authenticate()  # finds the zone: the credential's first use
        return provider

    async def _run(self, what: str, work: Callable[[Any], T]) -> T:
        timeout = _timeout()
        try:
            return await threads.run(lambda: work(self._provider()), timeout)
        except Exception as exc:
            raise self._translated(what, exc, timeout) from exc

    def _translated(self, what: str, exc: Exception, timeout: float) -> Exception:
        c = self.credential
        where = f"DNS provider {c.provider} (credential {c.label!r}, zone {c.zone})"
        if isinstance(exc, TimeoutError | requests.Timeout):
            return ProviderUnavailable(f"{where} did not answer {what} within {timeout:.0f} s")
        if isinstance(exc, requests.HTTPError) and exc.response is not None:
            status = exc.response.status_code
            why = f"HTTP {status} {exc.response.reason}"
            if status >= 500 or status == 429:
                return ProviderUnavailable(f"{where} failed {what}: {why}")
            return ProviderRefused(f"{where} refused {what}: {why}")
        if isinstance(exc, requests.ConnectionError):
            return ProviderUnavailable(f"{where} could not be reached for {what}")
        if isinstance(exc, AuthenticationError):
            return ProviderRefused(f"{where} refused the credential: {_scrub(str(exc), c)}")
        log.info("%s failed %s", where, what, exc_info=exc)
        return ProviderRefused(f"{where} failed {what}: {type(exc).__name__}: "
                               f"{_scrub(str(exc), c)}")

    async def check(self) -> None:
        name = f"_acme-challenge.{self.credential.zone}"
        await self._run("the check", lambda p: p.list_records("TXT", name))

    async def add_txt(self, name: str, value: str) -> None:
        await self._run("adding a TXT record", lambda p: p.create_record("TXT", name, value))

    async def delete_txt(self, name: str, value: str) -> None:
        await self._run("removing a TXT record",
                        lambda p: p.delete_record(None, "TXT", name, value))


class Rfc2136Api:
    """TSIG-signed updates to the user's server: casp's own delegation code, another zone."""

    def __init__(self, credential: Credential):
        self.credential = credential
        c = credential
        self.where = f"DNS server {c.fields.get('server')} (credential {c.label!r}, zone {c.zone})"
        try:
            key = parse_tsig(c.fields.get("tsig_key", ""))
            dns.tsig.get_context(key)  # type: ignore[no-untyped-call]  # a bad algorithm: now
            self.updater = DnsUpdater(c.fields.get("server", ""), c.zone, key)
        except (ValueError, KeyError, NotImplementedError, dns.exception.DNSException) as exc:
            raise ProviderRefused(f"{self.where}: tsig_key must be "
                                  "[algorithm:]name:base64secret") from exc

    async def _do(self, what: str, work: Any) -> None:
        try:
            await asyncio.wait_for(work, _timeout())
        except TimeoutError as exc:
            raise ProviderUnavailable(f"{self.where} did not answer {what}") from exc
        except DnsError as exc:
            text = str(exc)
            if isinstance(exc.__cause__, dns.tsig.PeerError):  # BADKEY, BADSIG, BADTIME
                raise ProviderRefused(f"{self.where} refused the TSIG key for {what}: "
                                      f"{exc.__cause__}") from exc
            # A refusal (NOTAUTH: a wrong key; REFUSED, NOTZONE) is the credential's fault.
            if " refused: " in text:
                raise ProviderRefused(f"{self.where} refused {what}: "
                                      f"{text.rsplit(': ', 1)[-1]}") from exc
            raise ProviderUnavailable(f"{self.where} could not be reached for {what}") from exc

    async def check(self) -> None:
        """An update whose only prerequisite is that the zone's apex exists, with nothing to
        change: the server verifies the signature and the zone, and writes nothing."""
        await self._do("the check", self.updater.check_zone())

    async def add_txt(self, name: str, value: str) -> None:
        await self._do("adding a TXT record", self.updater.add_txt(name, value, TTL))

    async def delete_txt(self, name: str, value: str) -> None:
        await self._do("removing a TXT record", self.updater.delete_txt(name, value))
