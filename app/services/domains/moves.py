"""A name changing hands. A proof moves it to the user who proved it: each previous holder is
notified, their pending certificates with a name under it fail, their issued ones stay
theirs but are no longer renewed. A deleted record that held a name leaves it to the next
user who added it."""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from app.services.certificates import outcome_rows
from app.services.certificates.saving import atomic_then_publish, save
from app.services.domains import holders, names
from app.services.notifications.inbox import notify
from models.certificate import Certificate
from models.domain import Domain

NAME_MOVED = "casp:nameMoved"
LIVE = ("pending", "issued")


@atomic_then_publish  # the move, its certificates and its notifications: all or none
async def claim(domain: Domain, proved_by: str) -> list[int]:
    """The record `domain` proved its name: it holds it now. Answers the users it moved from."""
    before = await holders.holder_of(domain.name)
    others = await Domain.filter(name=domain.name, ownership__in=holders.HOLDING).exclude(
        user_id=domain.user_id)
    losers = {d.user_id for d in others} | ({before} if before is not None else set())
    losers.discard(domain.user_id)
    domain.ownership, domain.proved_by = "verified", proved_by
    await domain.save(update_fields=["ownership", "proved_by"])
    if others:
        await Domain.filter(id__in=[d.id for d in others]).update(ownership="pending",
                                                                  proved_by=None)
    await _settle_under(domain.name)
    for user_id in sorted(losers):
        await _moved_from(user_id, domain.name)
    return sorted(losers)


async def release(domain: Domain) -> None:
    """Delete the record; a name it held goes to the next user who added it."""
    async with in_transaction():
        await domain.delete()
        if domain.ownership in holders.HOLDING:
            await _settle_under(domain.name)


async def _settle_under(name: str) -> None:
    """The pending records at or under `name` that nobody else holds now become held, in the
    order they were added (first come, as when they were added)."""
    waiting = await Domain.filter(Q(name=name) | Q(name__endswith="." + name),
                                  ownership="pending").order_by("id")
    for record in waiting:
        if await holders.holder_of(record.name) in (None, record.user_id):
            record.ownership = "held"
            await record.save(update_fields=["ownership"])


async def _moved_from(user_id: int, name: str) -> None:
    """`name` is no longer this user's: fail their pending certificates with a name they
    lost, stop renewing their issued ones, and tell them."""
    live = [c for c in await Certificate.filter(user_id=user_id, status__in=LIVE)
            if any(names.covers(name, n) for n in c.domains)]
    held = await holders.holders_of(sorted({n for c in live for n in c.domains}))
    failed: list[int] = []
    stopped: list[int] = []
    for cert in live:
        lost = [n for n in cert.domains if names.covers(name, n) and held[n] != user_id]
        if not lost:
            continue
        if cert.status == "pending":
            problem = {"type": NAME_MOVED, "detail": f"{', '.join(lost)} moved to another "
                       "user, who proved it is theirs: casp no longer orders it for you"}
            await save(cert, status="failed", stage="failed", last_error=problem)
            await outcome_rows.issuance(cert, problem)
            failed.append(cert.id)
        elif cert.auto_renew:
            await save(cert, auto_renew=False)
            stopped.append(cert.id)
    await notify(user_id=user_id, type="domain_moved", title=f"Domain moved: {name}",
                 message=_moved_message(user_id, name, failed, stopped),
                 certificate_id=(failed + stopped)[0] if len(failed + stopped) == 1 else None)


def _moved_message(user_id: int, name: str, failed: list[int], stopped: list[int]) -> str:
    record = holders.proof_record(user_id, name)
    parts = [
        f"Another user of this casp proved that {name} is theirs, so it is no longer yours "
        "here: casp orders and answers http-01 for it only for them."]
    if failed:
        parts.append(f"Your pending certificate(s) {failed} for it failed.")
    if stopped:
        parts.append(f"Your issued certificate(s) {stopped} stay yours, but will not be "
                     "renewed (auto-renew is off).")
    parts.append(f"If {name} is yours, create the TXT record {record.name} with the value "
                 f"{record.value} and verify the domain again (domains.php?action=verify).")
    return " ".join(parts)
