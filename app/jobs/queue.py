"""The job queue. A claim locks due jobs (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL)
and leases them with a conditional UPDATE that wins only if the job is still due and
unleased, so no job runs twice at once; a dead worker's job is taken over when its lease
ends. Claims are fair across users: a user's jobs take at most a share of a worker's slots,
and the users with the fewest running come first (casp's own jobs, with no user, are never
held back)."""

from __future__ import annotations

import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from app.db import placeholders
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
                  delay: float = 0, user_id: int | None = None, announce: bool = True) -> Job:
    """Add a job (`user_id`: whose work it is, for fair claims); with a key, an unfinished
    job of that key is brought forward instead. A job due now wakes the workers of every
    process (`announce`; False for each job of a batch, which announces once at its end:
    `announce_queued`); one due later is found by their polls."""
    run_at = _now() + timedelta(seconds=delay)
    if key is not None:
        existing = await Job.get_or_none(key=key)
        if existing is not None:
            moved = await Job.filter(id=existing.id, status=QUEUED, run_at__gt=run_at).update(
                run_at=run_at)
            if moved and announce and delay <= 0:
                await announce_queued()
            return existing
    try:
        job = await Job.create(kind=kind, payload=payload, key=key, run_at=run_at,
                               user_id=user_id, created_at=_now())
    except IntegrityError:  # another request enqueued the same key a moment ago
        other = await Job.get_or_none(key=key)
        if other is None:  # ... and it has finished since: queue ours after all
            return await enqueue(kind, payload, key=key, delay=delay, user_id=user_id,
                                 announce=announce)
        return other
    if announce and delay <= 0:
        await announce_queued()
    return job


async def announce_queued() -> None:
    """Jobs due now were queued: wake the workers, this process's and the others' (one
    signal, whatever the number of jobs; it names no user and no job)."""
    await current().jobs_queued()


def _claimable(now: datetime) -> Q:
    return Q(status=QUEUED, run_at__lte=now) | Q(status=RUNNING, lease_until__lt=now)


# The due jobs in fair order: each user's oldest first, numbered from the jobs this worker
# runs for that user already ("turn"); a turn past the share waits for another round.
_FAIR = (
    'SELECT "j"."id" FROM "jobs" AS "j" JOIN ('
    ' SELECT "r"."id", "r"."n" + COALESCE("b"."held", 0) AS "turn" FROM ('
    '  SELECT "id", "user_id", ROW_NUMBER() OVER (PARTITION BY "user_id"'
    '   ORDER BY "run_at", "id") AS "n" FROM "jobs"'
    '  WHERE ("status" = {0} AND "run_at" <= {1}) OR ("status" = {2} AND "lease_until" < {3})'
    ' ) AS "r" LEFT JOIN ('
    '  SELECT "user_id", COUNT(*) AS "held" FROM "jobs"'
    '  WHERE "status" = {4} AND "locked_by" = {5} AND "lease_until" >= {6} GROUP BY "user_id"'
    ' ) AS "b" ON "b"."user_id" = "r"."user_id"'
    ') AS "f" ON "f"."id" = "j"."id" WHERE "j"."user_id" IS NULL OR "f"."turn" <= {7}'
    ' ORDER BY "f"."turn", "j"."run_at", "j"."id" LIMIT {8}')


async def _lock_fair(conn: BaseDBAsyncClient, owner: str, now: datetime, limit: int,
                     share: int) -> list[int]:
    """The ids to claim, locked on PostgreSQL (FOR UPDATE OF the jobs only, SKIP LOCKED:
    workers claiming at once take different jobs); in plain SQL, as Tortoise has no
    window functions. Fixed text; every value is a parameter."""
    sql = _FAIR.format(*placeholders(conn, 9))
    if conn.capabilities.dialect == "postgres":
        sql += ' FOR UPDATE OF "j" SKIP LOCKED'
    rows = await conn.execute_query_dict(
        sql, [QUEUED, now, RUNNING, now, RUNNING, owner, now, share, limit])
    return [int(row["id"]) for row in rows]


async def claim(owner: str, limit: int, lease: float, share: int | None = None) -> list[Job]:
    """Up to `limit` due jobs for `owner`, at most `share` per user counting the ones it
    runs already (None: no cap). Three statements whatever the batch; SQLite has no row
    locks and one writer at a time, and the UPDATE's own condition guards both."""
    now = _now()
    until = now + timedelta(seconds=lease)
    async with in_transaction() as conn:
        ids = await _lock_fair(conn, owner, now, limit, share or limit)
        if not ids:
            return []
        await Job.filter(Q(id__in=ids) & _claimable(now)).using_db(conn).update(
            status=RUNNING, locked_by=owner, lease_until=until, attempts=F("attempts") + 1)
    # Ours are those holding this very lease (another worker may have won one meanwhile).
    return await Job.filter(id__in=ids, locked_by=owner, lease_until=until).order_by(
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
