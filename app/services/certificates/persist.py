"""dns-persist-01: the one TXT record a user publishes for a name, checked read-only before
casp answers the CA (casp never writes it), and the warning before its persistUntil.

The record (draft-ietf-acme-dns-persist) is `_validation-persist.<name> TXT "<issuer domain>;
accounturi=<account URL>"`, with `policy=wildcard` to cover the name's wildcard and an
optional `persistUntil=<UNIX time>` after which the CA no longer accepts it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from app.acme.interface import Challenge
from app.acme.persist import TYPE as TYPE
from app.acme.persist import record_name
from app.runtime import current
from app.services.certificates.renewal_policy import PERSIST_WARN_BEFORE
from app.services.certificates.saving import save
from app.services.domains.dns import Lookup
from app.services.notifications.inbox import notify
from models.certificate import Certificate

WARN_BEFORE = PERSIST_WARN_BEFORE
BATCH = 1000


@dataclass(frozen=True)
class Record:
    """One TXT value parsed: its issuer domain and its parameters (keys lower case)."""

    issuer: str
    params: dict[str, str]


def parse(value: str) -> Record | None:
    """`issuer; key=value; ...` (RFC 8659's issue-value, which also separates parameters by
    spaces); None for a value that names no issuer."""
    head, _, rest = value.partition(";")
    issuer = head.strip().rstrip(".").lower()
    if not issuer or " " in issuer:
        return None
    params = {}
    for item in rest.replace(";", " ").split():
        key, sep, val = item.partition("=")
        if sep:
            params[key.lower()] = val
    return Record(issuer, params)


def _until(record: Record) -> datetime | None:
    raw = record.params.get("persistuntil")
    if raw is None:
        return None
    if not raw.isdigit():
        raise ValueError(f"its persistUntil {raw[:32]!r} is not a UNIX timestamp")
    return datetime.fromtimestamp(int(raw), UTC)


@dataclass(frozen=True)
class Verdict:
    """A name's record: found (with its persistUntil) or why not."""

    ok: bool
    reason: str = ""
    until: datetime | None = None


def _judge_one(record: Record, wanted: Challenge, now: datetime) -> Verdict:
    name = record_name(wanted.identifier)
    if record.params.get("accounturi") != wanted.account_url:
        return Verdict(False, f"{name} names accounturi="
                              f"{record.params.get('accounturi', '(none)')[:200]}, not your "
                              f"ACME account with this CA, {wanted.account_url}")
    if wanted.wildcard and record.params.get("policy", "").lower() != "wildcard":
        return Verdict(False, f"{name} lacks policy=wildcard, which the wildcard "
                              f"*.{wanted.identifier} needs")
    try:
        until = _until(record)
    except ValueError as exc:
        return Verdict(False, f"{name}: {exc}")
    if until is not None and until <= now:
        return Verdict(False, f"{name} expired: its persistUntil "
                              f"({until:%Y-%m-%d %H:%M} UTC) has passed")
    return Verdict(True, until=until)


def judge(values: set[str], wanted: Challenge, now: datetime) -> Verdict:
    """Whether one of the TXT values at the name answers the CA's challenge; else the reason
    of the record that came closest (one for this CA and account before one for this CA)."""
    name = record_name(wanted.identifier)
    if not values:
        return Verdict(False, f"no TXT record at {name}")
    issuers = {i.rstrip(".").lower() for i in wanted.issuers}
    ours = [r for r in map(parse, values) if r is not None and r.issuer in issuers]
    if not ours:
        return Verdict(False, f"no TXT record at {name} names this CA "
                              f"({', '.join(sorted(issuers))})")
    verdicts = [_judge_one(r, wanted, now) for r in ours]
    found = [v for v in verdicts if v.ok]
    if found:  # the one that lasts longest decides when to warn
        return max(found, key=lambda v: v.until or datetime.max.replace(tzinfo=UTC))
    mine = [v for v, r in zip(verdicts, ours, strict=True)
            if r.params.get("accounturi") == wanted.account_url]
    return (mine or verdicts)[0]


async def check(cert: Certificate, challenges: list[Challenge]) -> list[str]:
    """Look the records up (read-only) and keep their persistUntil on the record; answers
    why the names that do not have their record yet lack it."""
    by_name = {c.identifier: c for c in challenges}
    lookup = Lookup.of(current().settings)
    now = current().clock.now()
    missing: list[str] = []
    earliest: datetime | None = None
    for identifier, wanted in by_name.items():
        verdict = judge(await lookup.txt(record_name(identifier)), wanted, now)
        if not verdict.ok:
            missing.append(verdict.reason)
        elif verdict.until is not None and (earliest is None or verdict.until < earliest):
            earliest = verdict.until
    if not missing and earliest != cert.persist_until:
        await save(cert, persist_until=earliest, persist_warned=False)
    return missing


def records_of(challenges: list[Challenge]) -> list[dict[str, str]]:
    """The records to publish, one per name."""
    by_name = {c.identifier: c for c in challenges}
    return [{"name": record_name(name), "type": "TXT", "value": c.validation}
            for name, c in by_name.items()]


async def warn_expiring(now: datetime) -> int:
    """Warn once per persistUntil: WARN_BEFORE ahead, or sooner when the next renewal is
    planned after it (that renewal would be refused)."""
    due = await Certificate.filter(status="issued", persist_warn_at__lte=now).order_by(
        "persist_warn_at").limit(BATCH)  # persist_warn_at: saving.save keeps it
    for cert in due:
        assert cert.persist_until is not None
        await save(cert, persist_warned=True)
        await notify(user_id=cert.user_id, type="expiring", certificate_id=cert.id,
                     title=f"dns-persist-01 record expires: {cert.domains[0]}",
                     message=_warning(cert),
                     dedupe_key=f"persist:{cert.id}:{int(cert.persist_until.timestamp())}")
    return len(due)


def _warning(cert: Certificate) -> str:
    assert cert.persist_until is not None
    names = sorted({record_name(n.removeprefix("*.")) for n in cert.domains})
    when = f"{cert.persist_until:%Y-%m-%d %H:%M} UTC"
    renewal = ""
    if cert.auto_renew and cert.renew_at is not None:
        renewal = f" The next renewal is planned for {cert.renew_at:%Y-%m-%d %H:%M} UTC."
    return (f"The dns-persist-01 record ({', '.join(names)}) of the certificate for "
            f"{', '.join(cert.domains)} carries persistUntil {when}: after it the CA refuses "
            f"it, and renewals wait for a new one.{renewal} Publish it again with a later "
            "persistUntil, or without one.")
