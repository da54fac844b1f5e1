"""Job claims under contention: workers claiming at the same moment take disjoint jobs
(FOR UPDATE SKIP LOCKED on PostgreSQL; the conditional UPDATE on SQLite), an expired
lease is taken over, a live one is not. Runs on whichever database the pass uses."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from app.jobs import queue
from tests.support.app import running


@pytest.fixture
async def client(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """The app without its embedded worker: the jobs here are the test's to claim."""
    async with running(dataclasses.replace(settings, embedded_worker=False), clock) as c:
        yield c


async def test_simultaneous_claims_take_disjoint_jobs(client: httpx.AsyncClient,
                                                      clock: ManualClock):
    for i in range(40):
        await queue.enqueue("test", {"n": i}, key=f"test:{i}")
    batches = await asyncio.gather(*(queue.claim(f"w{n}", 15, lease=30) for n in range(4)))
    ids = [job.id for batch in batches for job in batch]
    assert len(ids) == len(set(ids)) == 40  # every job once, none twice
    for n, batch in enumerate(batches):
        assert all(j.locked_by == f"w{n}" and j.status == "running" and j.attempts == 1
                   for j in batch)
    assert await queue.claim("late", 10, lease=30) == []  # leased: nothing left


async def test_an_expired_lease_is_taken_over(client: httpx.AsyncClient, clock: ManualClock):
    job = await queue.enqueue("test", {"n": 1})
    [mine] = await queue.claim("dead-worker", 1, lease=30)
    assert mine.id == job.id
    clock.advance(seconds=29)
    assert await queue.claim("other", 1, lease=30) == []
    clock.advance(seconds=2)
    [taken] = await queue.claim("other", 1, lease=30)
    assert taken.id == job.id and taken.locked_by == "other" and taken.attempts == 2
    assert not await queue.extend(mine, "dead-worker", 30)  # the old owner lost it
    clock.advance(seconds=1)
    assert taken.lease_until is not None
    assert taken.lease_until - clock.now() < timedelta(seconds=30)
