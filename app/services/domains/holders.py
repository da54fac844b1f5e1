"""Who holds a name: the first user to add it holds it, and the names under it, until another
user proves it theirs (a TXT record of their own, or the delegation CNAME to their own
label). casp orders and answers http-01 for a name only for its holder. An IP address is
held alike, by itself alone; its TXT proof sits in its reverse zone (in-addr.arpa or
ip6.arpa), which only whoever the address is assigned to controls.

The holder of a name is the user of the most specific held or verified domain record at or
above it; of two for the same name, a verified one, then the earliest."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from app.runtime import current
from app.services.certificates.view import DnsRecord
from app.services.domains import names
from models.domain import Domain

OWNERSHIP = ("held", "verified", "pending")  # first come, proved, another user holds it
HOLDING = ("held", "verified")
PROOFS = ("txt", "cname")
PROOF_LABEL = "_casp-verify"


@dataclass(frozen=True, slots=True)
class Ownership:
    """A domain record's hold on its name, as its user sees it."""

    status: str  # held | verified | pending
    method: str  # txt | cname: how it was proved, or (not yet proved) how to prove it
    record: DnsRecord  # the user's own TXT proof for the name


def proof_record(user_id: int, name: str) -> DnsRecord:
    """The TXT record only this user can be told for this name (derived, not stored)."""
    value = current().box.tag("domain ownership", f"{user_id}:{name}")
    return DnsRecord(f"{PROOF_LABEL}.{_dns_name(name)}", "TXT", value)


def _dns_name(name: str) -> str:
    """Where DNS speaks for a name: itself, or an IP address's reverse name."""
    return ipaddress.ip_address(name).reverse_pointer if names.is_ip(name) else name


def ownership_of(domain: Domain) -> Ownership:
    return Ownership(domain.ownership, domain.proved_by or "txt",
                     proof_record(domain.user_id, domain.name))


def _at_or_above(name: str) -> list[str]:
    """The name (a wildcard's base) and each name above it, the most specific first; an IP
    address alone (no address is under another)."""
    if names.is_ip(name):
        return [name]
    labels = name.removeprefix("*.").split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


async def holders_of(names: Sequence[str]) -> dict[str, int | None]:
    """Each name's holder (a user id), or None when nobody holds it; in one query."""
    wanted = {name: _at_or_above(name) for name in names}
    rows = await Domain.filter(
        name__in=sorted({n for above in wanted.values() for n in above}),
        ownership__in=HOLDING).order_by("id").values_list("name", "user_id", "ownership")
    best: dict[str, tuple[int, str]] = {}  # name -> (user id, ownership)
    for name, user_id, ownership in rows:
        if name not in best or (best[name][1] != "verified" and ownership == "verified"):
            best[name] = (user_id, ownership)
    return {name: next((best[n][0] for n in above if n in best), None)
            for name, above in wanted.items()}


async def holder_of(name: str) -> int | None:
    return (await holders_of([name]))[name]


async def not_held(user_id: int, names: Sequence[str]) -> list[str]:
    """The names among `names` that this user does not hold now."""
    holders = await holders_of(names)
    return [name for name in names if holders[name] != user_id]
