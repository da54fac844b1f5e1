"""The one-screen interface services use; AcmeIssuer (issuer.py) is the real one."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from typing import Protocol

from app import __version__
from app.acme.ari import RenewalInfo

# Sent on every request to a CA (RFC 8555 6.1 wants the client named): the directory, the
# signed ACME requests, renewalInfo and ZeroSSL's EAB endpoint. The library's version helps
# a CA's support read a report.
USER_AGENT = f"casp/{__version__} acme-python/{metadata.version('acme')}"


@dataclass(frozen=True)
class Account:
    directory_url: str
    key_json: str  # JWK, decrypted for the length of a job only
    url: str | None  # None until registered
    email: str | None = None
    eab: tuple[str, str] | None = None  # (kid, base64url HMAC key)
    eab_required: bool = False  # the registry's flag; the directory's meta is read as well


@dataclass(frozen=True)
class Challenge:
    """What must be made visible for one identifier: a file (http-01) or a TXT (dns-01,
    dns-persist-01)."""

    identifier: str  # the name validated; for a wildcard, its base name
    type: str  # http-01 | dns-01 | dns-persist-01
    token: str  # "" for dns-persist-01
    validation: str  # http-01: the key authorization; dns-01, dns-persist-01: the TXT value
    # dns-persist-01: the CA's issuer domain names (any one may be in the record) and the
    # account URL the record must name.
    issuers: tuple[str, ...] = ()
    account_url: str = ""
    wildcard: bool = False  # dns-persist-01: the record must say policy=wildcard


class ChallengeHooks(Protocol):
    """How the caller persists progress and publishes answers."""

    async def account_registered(self, url: str) -> None: ...
    async def order_created(self, url: str) -> None: ...
    async def publish(self, challenges: list[Challenge]) -> None:
        """Make every answer visible (raise AwaitingDns when it is the user's turn)."""
    async def unpublish(self, challenges: list[Challenge]) -> None: ...


@dataclass(frozen=True)
class IssueRequest:
    account: Account
    csr_pem: bytes
    challenge_type: str  # http-01 | dns-01 | dns-persist-01
    order_url: str | None  # an order to resume: no second order while this one can finish
    deadline_seconds: float
    replaces: str | None = None  # RFC 9773 certificate id of the certificate being renewed
    profile: str | None = None  # draft-ietf-acme-profiles: the CA's profile to issue under


class Acme(Protocol):
    async def issue(self, request: IssueRequest, hooks: ChallengeHooks) -> str:
        """Run the order to its end; answers the full chain PEM, leaf first."""

    async def revoke(self, account: Account, cert_pem: str, reason: int) -> None: ...

    async def external_account_required(self, directory_url: str) -> bool:
        """What the directory's meta says (False when it cannot be read now)."""

    async def renewal_info(self, directory_url: str, cert_pem: str) -> RenewalInfo | None:
        """The CA's suggested renewal window; None where the CA offers no renewalInfo."""

    async def profiles(self, directory_url: str) -> dict[str, str] | None:
        """The directory's meta.profiles (name -> description; {} when it names none), or
        None when the directory cannot be read now."""

    async def caa_identities(self, directory_url: str) -> list[str] | None:
        """The directory's meta.caaIdentities ([] when it names none), or None when the
        directory cannot be read now."""
