"""The worker: claims due jobs, runs each with a lease it keeps renewing, and records the
outcome. Inside the server by default; `casp worker` runs it as a process of its own."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable

from app.jobs import queue
from app.jobs.queue import RetryLater
from app.jobs.retry import MAX_ATTEMPTS, backoff
from models.job import Job

log = logging.getLogger(__name__)
Task = Callable[[Job], Awaitable[None]]


class Worker:
    def __init__(self, tasks: dict[str, Task], concurrency: int = 50, lease: float = 30.0,
                 poll_interval: float = 1.0):
        self.tasks = tasks
        self.concurrency = concurrency
        # One user's jobs take at most a quarter of the slots: a user's backlog (stuck DNS,
        # a bulk request) leaves room for everyone else's work.
        self.share = max(1, concurrency // 4)
        self.lease = lease
        self.poll_interval = poll_interval
        self.id = queue.worker_id()
        self.wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._stopping = False
        self.on_start: Callable[[], Awaitable[None]] | None = None
        self.on_idle: Callable[[], Awaitable[None]] | None = None  # a poll found no wake-up

    async def run(self) -> None:
        log.info("worker %s started (concurrency %d)", self.id, self.concurrency)
        if self.on_start is not None:
            await self.on_start()
        while not self._stopping:
            self.wake.clear()  # before claiming, so no wake-up between the two is lost
            free = self.concurrency - len(self._running)
            jobs = await self._claim(free) if free > 0 else []
            for job in jobs:
                task = asyncio.create_task(self._execute(job), name=f"job:{job.id}")
                self._running.add(task)
                task.add_done_callback(self._finished)
            if self._stopping:
                break
            if not jobs or len(self._running) >= self.concurrency:
                try:
                    await asyncio.wait_for(self.wake.wait(), self.poll_interval)
                except TimeoutError:
                    await self._idle()

    async def _idle(self) -> None:
        if self.on_idle is not None:
            try:
                await self.on_idle()
            except Exception:
                log.exception("worker's idle hook failed")

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self.wake.set()  # a slot is free

    async def _claim(self, free: int) -> list[Job]:
        try:
            return await queue.claim(self.id, free, self.lease, self.share)
        except Exception:  # the database may be down for a moment: keep the worker alive
            log.exception("claiming jobs failed")
            await asyncio.sleep(self.poll_interval)
            return []

    async def _execute(self, job: Job) -> None:
        task = self.tasks.get(job.kind)
        current_task = asyncio.current_task()
        assert current_task is not None
        heartbeat = asyncio.create_task(self._heartbeat(job, current_task))
        try:
            if task is None:
                await queue.fail(job, self.id, f"no task of kind {job.kind!r}")
                return
            if job.attempts > MAX_ATTEMPTS:  # it ended its worker each time: stop trying
                await queue.fail(job, self.id, job.last_error or "too many attempts")
                return
            await task(job)
            await queue.complete(job, self.id)
        except RetryLater as later:
            await queue.retry(job, self.id, later.delay, str(later), later.count_attempt)
        except asyncio.CancelledError:
            await asyncio.shield(queue.retry(job, self.id, 0, "worker stopped", count=False))
            raise
        except Exception as exc:
            await self._failed(job, exc)
        finally:
            heartbeat.cancel()

    async def _failed(self, job: Job, exc: Exception) -> None:
        detail = "".join(traceback.format_exception(exc))
        if job.attempts >= MAX_ATTEMPTS:
            log.error("job %s (%s) failed for good", job.id, job.kind, exc_info=exc)
            await queue.fail(job, self.id, detail)
        else:
            log.warning("job %s (%s) failed, will retry: %s", job.id, job.kind, exc)
            await queue.retry(job, self.id, backoff(job.attempts), detail)

    async def _heartbeat(self, job: Job, running: asyncio.Task[None]) -> None:
        """Keep the lease; once it is lost another worker may take the job, so this one
        stops it rather than run it twice at once."""
        held_until = time.monotonic() + self.lease
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                if await queue.extend(job, self.id, self.lease):
                    held_until = time.monotonic() + self.lease
                    continue
            except Exception:
                if time.monotonic() < held_until:
                    continue
            log.warning("job %s lost its lease; stopping it here", job.id)
            running.cancel()
            return

    async def stop(self, loop_task: asyncio.Task[None], grace: float = 10.0) -> None:
        """Stop claiming; let running jobs finish for `grace` s, then release them. The
        claim loop ends first (by itself: a query cut off mid-way upsets the driver), so
        no job it starts is left behind."""
        self._stopping = True
        self.wake.set()
        try:
            await asyncio.wait_for(loop_task, grace)
        except TimeoutError:
            log.warning("worker loop did not stop in %s s", grace)
        if self._running:
            _, pending = await asyncio.wait(set(self._running), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
