"""The job queue. A claim locks due jobs (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL)
and leases them with a conditional UPDATE that wins only if the job is still due and
unleased, so no job runs twice at once; a dead worker's job is taken over when its lease
ends."""

from __future__ import annotations

import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from app.runtime import current
from models.job import Job

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class RetryLater(Exception):
    """Raised by a task: run me again after `delay` seconds."""

    def __init__(self, delay: float, reason: str, count_attempt: bool = True):
        super().__init__(reason)
        self.delay = delay
        self.count_attempt = count_attempt


def worker_id() -> str:
    return f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


def _now() -> datetime:
    return current().clock.now()


async def enqueue(kind: str, payload: dict[str, Any], *, key: str | None = None,
                  delay: float = 0) -> Job:
    """Add a job; with a key, an unfinished job of that key is brought forward instead."""
    run_at = _now() + timedelta(seconds=delay)
    if key is not None:
        existing = await Job.get_or_none(key=key)
        if existing is not None:
            await Job.filter(id=existing.id, status=QUEUED, run_at__gt=run_at).update(
                run_at=run_at)
            current().wake_worker()
            return existing
    try:
        job = await Job.create(kind=kind, payload=payload, key=key, run_at=run_at,
                               created_at=_now())
    except IntegrityError:  # another request enqueued the same key a moment ago
        other = await Job.get_or_none(key=key)
        if other is None:  # ... and it has finished since: queue ours after all
            return await enqueue(kind, payload, key=key, delay=delay)
        return other
    current().wake_worker()
    return job


def _claimable(now: datetime) -> Q:
    return Q(status=QUEUED, run_at__lte=now) | Q(status=RUNNING, lease_until__lt=now)


async def claim(owner: str, limit: int, lease: float) -> list[Job]:
    """Three statements whatever the batch: on PostgreSQL the candidates are locked with
    FOR UPDATE SKIP LOCKED, so workers claiming at once take different jobs instead of
    queueing on the same rows; SQLite has no row locks (Tortoise leaves the clause out)
    and one writer at a time, and the UPDATE's own condition guards both."""
    now = _now()
    until = now + timedelta(seconds=lease)
    async with in_transaction() as conn:
        # .only(), not .values_list(): Tortoise leaves FOR UPDATE out of the latter.
        locked = await Job.filter(_claimable(now)).order_by("run_at").limit(limit).using_db(
            conn).select_for_update(skip_locked=True).only("id")
        ids = [job.id for job in locked]
        if not ids:
            return []
        await Job.filter(Q(id__in=list(ids)) & _claimable(now)).using_db(conn).update(
            status=RUNNING, locked_by=owner, lease_until=until, attempts=F("attempts") + 1)
    # Ours are those holding this very lease (another worker may have won one meanwhile).
    return await Job.filter(id__in=list(ids), locked_by=owner, lease_until=until).order_by(
        "run_at")


async def extend(job: Job, owner: str, lease: float) -> bool:
    until = _now() + timedelta(seconds=lease)
    return bool(await Job.filter(id=job.id, locked_by=owner, status=RUNNING).update(
        lease_until=until))


async def complete(job: Job, owner: str) -> None:
    await Job.filter(id=job.id, locked_by=owner).update(
        status=DONE, key=None, locked_by=None, lease_until=None, finished_at=_now())


async def retry(job: Job, owner: str, delay: float, error: str, count: bool = True) -> None:
    attempts = job.attempts if count else max(0, job.attempts - 1)
    await Job.filter(id=job.id, locked_by=owner).update(
        status=QUEUED, run_at=_now() + timedelta(seconds=delay), locked_by=None,
        lease_until=None, last_error=error[:2000], attempts=attempts)


async def fail(job: Job, owner: str, error: str) -> None:
    await Job.filter(id=job.id, locked_by=owner).update(
        status=FAILED, key=None, locked_by=None, lease_until=None, last_error=error[:2000],
        finished_at=_now())
