"""Domains: which names a user may put in certificates, and how their challenges are met."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from app.errors import NotFound, ValidationFailed
from app.runtime import current
from app.services import quotas
from app.services.certificates.view import DnsRecord
from app.services.domains import checks as domain_checks
from app.services.domains import holders, moves, names
from app.services.domains.holders import Ownership
from app.services.inputs import storable_id
from app.wording import Action, Input, Value, listed
from models.certificate import Certificate
from models.domain import Domain
from models.user import User

METHODS = ("dns-01", "http-01")
LIVE = ("pending", "issued")
STATUSES = ("pending", "verified")  # a domain's own status (REST v1's enum)


@dataclass(frozen=True, slots=True)
class DomainView:
    """A domain as its owner sees it (REST calls `name` "domain")."""

    id: int
    user_id: int
    name: str
    verification_method: str
    status: str  # pending | verified
    created_at: datetime
    verified_at: datetime | None
    instructions: dict[str, Any]  # what to set up for verification
    last_check: dict[str, Any] | None
    ownership: Ownership  # whether the user holds the name, and their proof record


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of checking a domain's setup now: the report is the JSON both doors show."""

    domain: DomainView
    ok: bool
    report: dict[str, Any]


def view_of(domain: Domain) -> DomainView:
    return DomainView(domain.id, domain.user_id,
                      domain.name, domain.verification_method, domain.status,
                      domain.created_at, domain.verified_at, instructions(domain),
                      domain.last_check, holders.ownership_of(domain))


def method_of(value: str | None, field: str = "verification_method") -> str:
    value = (value or "dns-01").strip().lower()
    if value not in METHODS:
        raise ValidationFailed(f"{Input(field)} must be one of: {listed(METHODS)}", field=field)
    return value


async def add_domain(*, user: User, domain: str | None,
                     verification_method: str | None = None) -> DomainView:
    if not domain:
        raise ValidationFailed("domain is required", field="domain")
    name = names.normalize(domain, private_ips=current().settings.allow_private_ip_identifiers)
    method = method_of(verification_method)
    if names.is_ip(name) and method != "http-01":
        raise ValidationFailed(ip_needs_http01(name, "verification_method"),
                               field="verification_method")
    if await Domain.exists(user=user, name=name):
        raise ValidationFailed(f"you already have the domain {name}", field="domain")
    await quotas.check_domains(user)
    holder = await holders.holder_of(name)
    try:
        return view_of(await Domain.create(user=user, name=name, verification_method=method,
                                           delegation_label=secrets.token_hex(10),
                                           ownership="pending" if holder not in (
                                               None, user.id) else "held",
                                           created_at=current().clock.now()))
    except IntegrityError as exc:
        raise ValidationFailed(f"you already have the domain {name}", field="domain") from exc


def ip_needs_http01(name: str, field: str) -> str:
    """RFC 8738: a CA validates an IP address by http-01 (or tls-alpn-01), never by DNS."""
    return (f"{name}: IP addresses can only be validated with {Value('http-01')}; set "
            f"{Input(field)} to {Value('http-01')}")


async def list_domains(*, user: User) -> list[DomainView]:
    (owned,) = await domains_of_users([user.id])
    return owned


async def domains_of_users(user_ids: Sequence[int]) -> list[list[DomainView]]:
    """Each user's domains by name, in one query (GraphQL's DataLoader uses it too)."""
    found: dict[int, list[DomainView]] = defaultdict(list)
    for row in await Domain.filter(user_id__in=list(user_ids)).order_by("name"):
        found[row.user_id].append(view_of(row))
    return [found[i] for i in user_ids]


def covering(owned: Sequence[DomainView], wanted: Sequence[str]) -> list[DomainView]:
    """The domains among `owned` that cover at least one of the names `wanted`."""
    return [d for d in owned if any(names.covers(d.name, n) for n in wanted)]


async def _owned(user: User, id: int) -> Domain:
    domain = await Domain.get_or_none(id=id, user=user) if storable_id(id) else None
    if domain is None:
        raise NotFound(f"domain {id} not found")
    return domain


async def get_domain(*, user: User, id: int) -> DomainView:
    return view_of(await _owned(user, id))


async def delete_domain(*, user: User, id: int) -> None:
    domain = await _owned(user, id)
    live = await Certificate.filter(user=user, status__in=LIVE).only("id", "domains")
    users = [c.id for c in live if any(names.covers(domain.name, n) for n in c.domains)]
    if users:
        raise ValidationFailed(
            f"domain {domain.name} is used by live certificate(s) {users}; delete or let them "
            "expire first", field="id")
    await moves.release(domain)


async def verify_domain(*, user: User, id: int) -> Verification:
    """Check the domain's setup now, and whether DNS proves the name is the user's (which
    moves it to them); say what is wrong when it fails."""
    domain = await _owned(user, id)
    record = holders.proof_record(user.id, domain.name)
    found = await domain_checks.run(domain, record)
    moved = await moves.claim(domain, found.proved) if found.proved else []
    report = found.report(_ownership_check(domain, record, found.proved, moved))
    domain.last_check = report
    if report["ok"]:
        domain.status = "verified"
        domain.verified_at = current().clock.now()
    await domain.save(update_fields=["last_check", "status", "verified_at"])
    return Verification(view_of(domain), bool(report["ok"]), report)


def _ownership_check(domain: Domain, record: DnsRecord, proved: str | None,
                     moved: list[int]) -> dict[str, Any]:
    name = domain.name
    if proved:
        how = (f"the TXT record {record.name} proves" if proved == "txt" else
               f"the delegation CNAME _acme-challenge.{name} proves")
        taken = " (it was another user's until now)" if moved else ""
        return {"check": "ownership", "ok": True, "detail": f"{how} that {name} is yours{taken}"}
    if domain.ownership in holders.HOLDING:
        how = (f"proved by {domain.proved_by} earlier" if domain.ownership == "verified" else
               f"you added it first; the TXT record {record.name} with the value "
               f"{record.value} would prove it")
        return {"check": "ownership", "ok": True, "detail": f"you hold {name} ({how})"}
    return {"check": "ownership", "ok": False, "detail":
            f"another user holds {name}: to prove it is yours, create the TXT record "
            f"{record.name} with the value {record.value} and verify again"}


async def require_held(user: User, wanted: list[str]) -> None:
    """http-01 only for names the user holds; else a VALIDATION_ERROR saying how to prove
    one. (The user has a domain covering each name: domains_for has checked.)"""
    lost = await holders.not_held(user.id, wanted)
    if not lost:
        return
    name = lost[0]
    covering = (await domains_for(user, [name]))[name]
    # Their record of the name (or above it) waits for a proof; or it holds, and another
    # user holds this name below it: then the name itself needs a record and a proof.
    target = covering.name if covering.ownership == "pending" else name.removeprefix("*.")
    record = holders.proof_record(user.id, target)
    first = "" if target == covering.name else f"add {target} as a domain, "
    raise ValidationFailed(
        f"{name} is held by another user of this casp, so casp orders no {Value('http-01')} "
        f"for you: to prove it is yours, {first}create the TXT record {record.name} with the value "
        f"{record.value}, then verify the domain ({Action.VERIFY_DOMAIN}); or request "
        f"with {Input('challenge_type')} {Value('dns-01')}", field="domains")


async def domains_for(user: User, wanted: list[str]) -> dict[str, Domain]:
    """The user's domain covering each name (the longest match), or a VALIDATION_ERROR."""
    owned = sorted(await Domain.filter(user=user), key=lambda d: -len(d.name))
    found: dict[str, Domain] = {}
    for name in wanted:
        match = next((d for d in owned if names.covers(d.name, name)), None)
        if match is None:
            raise ValidationFailed(f"{name} is not one of your domains nor under one; add it "
                                   f"with {Action.ADD_DOMAIN} first", field="domains")
        found[name] = match
    return found


def delegation_target(domain: Domain) -> str | None:
    zone = current().settings.dns_zone
    return f"{domain.delegation_label}.{zone}" if zone else None


def instructions(domain: Domain) -> dict[str, Any]:
    settings = current().settings
    if domain.verification_method == "http-01":
        where = ("Route port 80 of this address to this casp server" if names.is_ip(domain.name)
                 else f"Point {domain.name} (A/AAAA) at this casp server")
        return {"method": "http-01", "path": "/.well-known/acme-challenge/",
                "how": f"{where}, or proxy "
                       f"http://{names.in_url(domain.name)}/.well-known/acme-challenge/ to "
                       f"{settings.public_url}/.well-known/acme-challenge/"}
    target = delegation_target(domain)
    if target and settings.delegation_ready:
        return {"method": "dns-01", "mode": "delegated",
                "record": {"type": "CNAME", "name": f"_acme-challenge.{domain.name}",
                           "value": target},
                "how": "Create this CNAME once (and the same under each subdomain that needs "
                       "certificates); casp then writes the TXT answers itself."}
    return {"method": "dns-01", "mode": "manual",
            # marked: each door spells the action (app/wording.py)
            "how": "For each certificate, casp lists the TXT records to create; it issues "
                   f"once it sees them (or when you call {Action.VERIFY_CERTIFICATE})."}
