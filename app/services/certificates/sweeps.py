"""The scheduled sweep: one job row that runs every CASP_SWEEP_SECONDS across all workers
(its key makes it unique). Each pass: queue due renewals, mark expired certificates, send
the expiry warnings (14, 7, 3, 1 days left, once each) and those of dns-persist-01 records
(persist.py), and delete finished jobs once they are old (the jobs table would otherwise
grow by a row or more per issuance forever)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from tortoise.expressions import Q

from app.jobs.queue import RetryLater, enqueue
from app.runtime import current
from app.services.certificates import jobs, persist
from app.services.certificates.renewal import RENEWABLE
from app.services.certificates.saving import save
from app.services.notifications.inbox import notify
from models.certificate import Certificate
from models.job import Job

log = logging.getLogger(__name__)
KEY = "sweep"
BATCH = 1000
THRESHOLDS = (14, 7, 3, 1)
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


def _warning_due(now: datetime) -> Q:
    """Crossed a threshold not yet warned of, in SQL: the rows that were warned already are
    never read, however many certificates expire within the next 14 days."""
    due = Q(pk__isnull=True)  # nothing, to OR onto
    for days in THRESHOLDS:
        due |= Q(expires_at__lte=now + timedelta(days=days)) & (
            Q(expiry_notified_days__isnull=True) | Q(expiry_notified_days__gt=days))
    return due


async def warn_expiring(now: datetime) -> int:
    soon = await Certificate.filter(
        Q(status="issued", expires_at__lte=now + timedelta(days=THRESHOLDS[0]),
          expires_at__gt=now) & _warning_due(now)).order_by("expires_at").limit(BATCH)
    sent = 0
    for cert in soon:
        assert cert.expires_at is not None
        left = cert.expires_at - now
        crossed = min(t for t in THRESHOLDS if left <= timedelta(days=t))
        if cert.expiry_notified_days is not None and crossed >= cert.expiry_notified_days:
            continue
        await save(cert, expiry_notified_days=crossed)
        days = max(0, left.days)
        sent += bool(await notify(
            user_id=cert.user_id, type="expiring",
            title=f"Certificate expires in {days} day{'s' if days != 1 else ''}: "
                  f"{cert.domains[0]}", certificate_id=cert.id,
            message=f"The certificate for {', '.join(cert.domains)} expires on "
                    f"{cert.expires_at:%Y-%m-%d %H:%M} UTC.",
            dedupe_key=f"expiring:{cert.id}:{cert.serial}:{crossed}"))
    return sent


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
