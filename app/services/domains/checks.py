"""The checks behind domains.php?action=verify: delegation CNAME, http-01 probe, CAA, and
whether DNS proves the name is the user's (their TXT record, or the delegation CNAME)."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from app.outbound import PrivateAddress, fetch, refuse_private
from app.runtime import current
from app.services.certificates.cas import CA, caa_identities, catalogue
from app.services.certificates.view import DnsRecord
from app.services.dnsproviders import credentials
from app.services.domains import names
from app.services.domains.dns import DnsError, Lookup
from models.certificate import HttpChallenge
from models.dns_credential import DnsCredential
from models.domain import Domain


def lookup() -> Lookup:
    return Lookup.of(current().settings)


@dataclass(frozen=True)
class Findings:
    checks: list[dict[str, Any]]
    caa: dict[str, Any] | None
    proved: str | None  # txt | cname: DNS proves the name is the user's; None: it does not

    def report(self, *more: dict[str, Any]) -> dict[str, Any]:
        """The report both doors show, with the checks made from these findings."""
        checks = [*self.checks, *more]
        return {"ok": all(c["ok"] for c in checks), "checks": checks, "caa": self.caa,
                "checked_at": current().clock.now().isoformat()}


async def run(domain: Domain, proof: DnsRecord) -> Findings:
    checks: list[dict[str, Any]] = []
    proved: str | None = None
    caa: dict[str, Any] | None = None
    try:
        if domain.verification_method == "http-01":
            checks.append(await _http_probe(domain))
        elif domain.dns_credential_id:
            checks.append(await _provider(domain))
        else:
            checks.append(await _delegation(domain))
        proved = await _proved(proof, checks[0])
        # RFC 8659's CAA is looked up by name; no CA checks it for an IP address.
        caa = None if names.is_ip(domain.name) else await _caa(domain.name)
    except DnsError as exc:
        checks.append({"check": "dns", "ok": False, "detail": str(exc)})
    return Findings(checks, caa, proved)


async def _proved(proof: DnsRecord, setup: dict[str, Any]) -> str | None:
    """The user's own TXT value, or the delegation CNAME to the record's own label (set up
    only by whoever controls the name's DNS). An http-01 probe proves nothing: it passes for
    every user whose name points at casp."""
    if proof.value in await lookup().txt(proof.name):
        return "txt"
    return "cname" if setup["check"] == "cname" and setup["ok"] else None


async def _provider(domain: Domain) -> dict[str, Any]:
    """dns_provider mode: the credential's check stands for the setup."""
    row = await DnsCredential.get_or_none(id=domain.dns_credential_id, user_id=domain.user_id)
    if row is None:
        return {"check": "dns-provider", "ok": False, "detail": "the DNS credential is gone"}
    result = await credentials.check_row(row)
    return {"check": "dns-provider", "ok": result.ok, "detail": result.error or (
        f"DNS credential {row.label!r} ({row.provider}) works: casp writes the TXT records")}


async def _delegation(domain: Domain) -> dict[str, Any]:
    from app.services.domains.ownership import delegation_target

    settings = current().settings
    target = delegation_target(domain)
    name = f"_acme-challenge.{domain.name}"
    if not (target and settings.delegation_ready):
        return {"check": "dns-manual", "ok": True, "detail":
                "dns-01 delegation is not configured on this server: TXT records will be "
                "listed for you to create with each certificate"}
    seen = await lookup().cname(name)
    if seen == target:
        return {"check": "cname", "ok": True, "detail": f"{name} CNAME {target}"}
    # Never the name found: casp's resolver may see a private zone the user must not map.
    found = "a CNAME to another name was found" if seen else "no CNAME was found"
    return {"check": "cname", "ok": False,
            "detail": f"create {name} CNAME {target} ({found})"}


async def _http_probe(domain: Domain) -> dict[str, Any]:
    settings = current().settings
    token, value = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    await HttpChallenge.create(token=token, key_authorization=value,
                               created_at=current().clock.now())
    try:
        addresses = ([domain.name] if names.is_ip(domain.name)
                     else await lookup().addresses(domain.name))
        if not addresses:
            return {"check": "http-01", "ok": False,
                    "detail": f"{domain.name} has no A or AAAA record"}
        try:  # casp would otherwise fetch (and report on) its own private network
            refuse_private(domain.name, addresses[:1], settings.allow_private_targets)
        except PrivateAddress as exc:  # says so without the address
            return {"check": "http-01", "ok": False, "detail": str(exc)}
        return await _fetch_probe(domain.name, addresses[0], settings.http01_port, token, value)
    finally:
        await HttpChallenge.filter(token=token).delete()


async def _fetch_probe(name: str, address: str, port: int, token: str,
                       value: str) -> dict[str, Any]:
    shown = f"http://{names.in_url(name)}/.well-known/acme-challenge/..."
    try:
        response = await fetch("GET", scheme="http", host=name, address=address, port=port,
                               target=f"/.well-known/acme-challenge/{token}", seconds=5)
    except httpx.HTTPError as exc:
        return {"check": "http-01", "ok": False,
                "detail": f"cannot fetch {shown} at {address}:{port}: {exc!r}"}
    if response.status_code == 200 and response.text.strip() == value:
        return {"check": "http-01", "ok": True, "detail": f"{shown} answers from casp"}
    return {"check": "http-01", "ok": False,
            "detail": f"{shown} answered {response.status_code} without casp's probe: point "
                      "the name or proxy that path to casp"}


async def _caa(name: str) -> dict[str, Any]:
    """Which CAs the domain's CAA records would stop (RFC 8659)."""
    found = await lookup().caa(name)
    if found is None:
        return {"records": [], "blocked": []}
    owner, records = found
    issuers = {value.split(";")[0].strip().lower() for tag, value in records
               if tag.lower() == "issue"}
    blocked = []
    if issuers:
        identities = await asyncio.gather(*(_identities(ca) for ca in catalogue().values()))
        blocked = [ca.name for ca, names in identities if not issuers & set(names)]
    return {"owner": owner, "records": [f"{tag} {value}" for tag, value in records],
            "blocked": blocked}


async def _identities(ca: CA) -> tuple[CA, tuple[str, ...]]:
    """The CAA names permitting `ca`: its directory's meta.caaIdentities, else the configured
    or built-in ones. Only a directory that is not the CA's own is read (an override, a
    custom CA): the six's own directories advertise what the catalogue already says."""
    overrides = current().settings.ca_directories
    if not (ca.custom or overrides.get(ca.name)):
        return ca, ca.caa
    advertised = await current().acme.caa_identities(ca.directory_for("ec-256", overrides))
    return ca, caa_identities(ca, advertised)
