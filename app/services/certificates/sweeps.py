"""The scheduled sweep: one job row that runs every CASP_SWEEP_SECONDS across all workers
(its key makes it unique). Each pass: queue due renewals, mark expired certificates, send
the expiry warnings (at shares of each lifetime, once each: renewal_policy.py) and those of
dns-persist-01 records (persist.py), and delete finished jobs once they are old (the jobs
table would otherwise grow by a row or more per issuance forever)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from app.jobs.queue import RetryLater, enqueue
from app.runtime import current
from app.services.certificates import jobs, persist, renewal_policy
from app.services.certificates.renewal import RENEWABLE
from app.services.certificates.saving import save
from app.services.notifications.inbox import notify
from models.certificate import Certificate
from models.job import Job

log = logging.getLogger(__name__)
KEY = "sweep"
BATCH = 1000
# Finished jobs are kept this long (failed ones longer: they are what one looks into).
KEEP_FINISHED = {"done": timedelta(days=7), "failed": timedelta(days=30)}


async def ensure_scheduled() -> None:
    await enqueue("sweep", {}, key=KEY)


async def run_sweep(job: Job) -> None:
    """Never ends: each pass puts the same job back for the next tick, even after an error."""
    now = current().clock.now()
    try:
        await renew_due(now)
        await check_renewal_info(now)
        await mark_expired(now)
        await warn_expiring(now)
        await persist.warn_expiring(now)
        await purge_finished_jobs(now)
    except Exception:
        log.exception("sweep failed; the next one runs as planned")
    raise RetryLater(current().settings.sweep_seconds, "next sweep", count_attempt=False)


async def due_for_renewal(now: datetime, limit: int = BATCH) -> list[int]:
    """One indexed query (status, auto_renew, renew_at): its cost follows what is due, not
    how many certificates there are (bench/due_selection.py measures it)."""
    rows = await Certificate.filter(status__in=RENEWABLE, auto_renew=True,
                                    renew_at__lte=now).order_by("renew_at").limit(
        limit).values_list("id", flat=True)
    return [int(r) for r in rows]  # type: ignore[call-overload]  # Tortoise types flat=True rows as tuples


async def due_for_ari(now: datetime, limit: int = BATCH) -> list[int]:
    """Certificates whose renewalInfo should be fetched again (index status, ari_check_at)."""
    rows = await Certificate.filter(status="issued", ari_check_at__lte=now).order_by(
        "ari_check_at").limit(limit).values_list("id", flat=True)
    return [int(r) for r in rows]  # type: ignore[call-overload]  # Tortoise types flat=True rows as tuples


async def renew_due(now: datetime) -> int:
    due = await due_for_renewal(now)
    await jobs.RENEW.schedule_each(due)
    return len(due)


async def check_renewal_info(now: datetime) -> int:
    due = await due_for_ari(now)
    await jobs.CHECK_RENEWAL_INFO.schedule_each(due)
    return len(due)


async def mark_expired(now: datetime) -> int:
    expired = await Certificate.filter(status="issued", expires_at__lte=now).limit(BATCH)
    for cert in expired:
        await save(cert, status="expired")
        await notify(user_id=cert.user_id, type="expired",
                     title=f"Certificate expired: {cert.domains[0]}", certificate_id=cert.id,
                     message=f"The certificate for {', '.join(cert.domains)} expired on "
                             f"{cert.expires_at:%Y-%m-%d %H:%M} UTC.",
                     dedupe_key=f"expired:{cert.id}:{cert.serial}")
    return len(expired)


async def warn_expiring(now: datetime) -> int:
    """One indexed query (status, expiry_warn_at): the moment of each certificate's next
    warning is stored, so its cost follows what is due, whatever the lifetimes."""
    due = await Certificate.filter(status="issued", expiry_warn_at__lte=now,
                                   expires_at__gt=now).order_by("expiry_warn_at").limit(BATCH)
    sent = 0
    for cert in due:
        assert cert.issued_at is not None and cert.expires_at is not None
        step = renewal_policy.crossed(cert.issued_at, cert.expires_at, now)
        await save(cert, expiry_notified_days=step, expiry_warn_at=renewal_policy.next_warning(
            cert.issued_at, cert.expires_at, step))
        if step is None:  # not due after all (a row written by hand): moved, not sent
            continue
        left = time_left(cert.expires_at - now)
        sent += bool(await notify(
            user_id=cert.user_id, type="expiring",
            title=f"Certificate expires in {left}: {cert.domains[0]}", certificate_id=cert.id,
            message=f"The certificate for {', '.join(cert.domains)} expires on "
                    f"{cert.expires_at:%Y-%m-%d %H:%M} UTC.",
            dedupe_key=f"expiring:{cert.id}:{cert.serial}:{step}"))
    return sent


def time_left(left: timedelta) -> str:
    """Days from two days up; hours, then minutes, below (a six-day certificate's warnings
    come hours before it expires)."""
    for unit, size in (("day", timedelta(days=1)), ("hour", timedelta(hours=1)),
                       ("minute", timedelta(minutes=1))):
        count = left // size
        if count >= 2 or unit == "minute":
            return f"{count} {unit}{'s' if count != 1 else ''}"
    raise AssertionError("unreachable")


async def purge_finished_jobs(now: datetime) -> int:
    """Delete up to BATCH finished jobs per state older than KEEP_FINISHED. run_at comes
    first so the (status, run_at) index narrows the rows (a job never finishes before it
    is due); finished_at is what decides."""
    deleted = 0
    for status, keep in KEEP_FINISHED.items():
        cutoff = now - keep
        ids = await Job.filter(status=status, run_at__lt=cutoff, finished_at__lt=cutoff).limit(
            BATCH).values_list("id", flat=True)
        if ids:
            deleted += await Job.filter(id__in=list(ids)).delete()
    return deleted
