"""Job claims under contention: workers claiming at the same moment take disjoint jobs
(FOR UPDATE SKIP LOCKED on PostgreSQL; the conditional UPDATE on SQLite), an expired
lease is taken over, a live one is not. Claims are fair: one user's jobs take at most a
share of a worker's slots, counting the ones it runs, and the user with the fewest running
comes first; jobs of no user are not held back; the jobs casp queues carry their owner.
A job due now wakes the workers of every process: one signal per enqueue, one per batch,
none for a job due later. Runs on whichever database the pass uses."""

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
from app.jobs.worker import Worker
from app.runtime import current
from app.services.certificates import jobs, sweeps
from app.services.notifications.inbox import notify
from models.job import Job
from models.user import User
from tests.support.app import OfflineAcme, running
from tests.support.rest import request, user


@pytest.fixture
async def client(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """The app without its embedded worker: the jobs here are the test's to claim."""
    async with running(dataclasses.replace(settings, embedded_worker=False), clock,
                       acme=OfflineAcme()) as c:
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


async def queued(owner: int | None, count: int, clock: ManualClock) -> list[int]:
    """`count` jobs of this user, each a second younger than the one before."""
    ids = []
    for _ in range(count):
        ids.append((await queue.enqueue("test", {}, user_id=owner)).id)
        clock.advance(seconds=1)
    return ids


async def test_a_users_jobs_take_at_most_their_share(client: httpx.AsyncClient,
                                                     clock: ManualClock):
    first = await queued(1, 40, clock)
    second = await queued(2, 2, clock)
    batch = await queue.claim("w", 10, lease=30, share=4)
    assert sorted(j.id for j in batch) == sorted(first[:4] + second)  # oldest first
    # what "w" runs counts: user 1 is at its share there, user 2 has room for two more
    third = await queued(2, 3, clock)
    again = await queue.claim("w", 10, lease=30, share=4)
    assert [j.id for j in again] == third[:2]
    # another worker's share is its own
    other = await queue.claim("w2", 10, lease=30, share=4)
    assert [j.id for j in other] == first[4:8] + third[2:]
    # a finished job frees its place in the share
    await queue.complete(batch[0], "w")
    [next_one] = await queue.claim("w", 10, lease=30, share=4)
    assert next_one.id == first[8] and next_one.user_id == 1


async def test_the_user_with_the_fewest_running_comes_first(client: httpx.AsyncClient,
                                                            clock: ManualClock):
    bulk = await queued(1, 10, clock)  # older than the others' jobs
    small = await queued(2, 2, clock)
    late = await queued(3, 1, clock)
    batch = await queue.claim("w", 3, lease=30, share=10)
    assert {j.id for j in batch} == {bulk[0], small[0], late[0]}
    batch = await queue.claim("w", 3, lease=30, share=10)  # each one's second, then 1's third
    assert {j.id for j in batch} == {bulk[1], small[1], bulk[2]}


async def test_jobs_of_no_user_are_not_held_back(client: httpx.AsyncClient,
                                                 clock: ManualClock):
    ours = await queued(None, 6, clock)
    theirs = await queued(7, 6, clock)
    batch = await queue.claim("w", 20, lease=30, share=2)
    assert sorted(j.id for j in batch) == sorted(ours + theirs[:2])


async def test_simultaneous_fair_claims_take_disjoint_jobs(client: httpx.AsyncClient,
                                                           clock: ManualClock):
    for owner in range(1, 5):
        await queued(owner, 10, clock)
    batches = await asyncio.gather(*(queue.claim(f"w{n}", 20, lease=30, share=3)
                                     for n in range(4)))
    ids = [job.id for batch in batches for job in batch]
    assert len(ids) == len(set(ids))  # none twice
    for batch in batches:  # and none over its share on any worker
        assert all(sum(j.user_id == u for j in batch) <= 3 for u in range(1, 5))
    for n in range(4):  # each worker takes up to its share again: all 40, once each
        ids += [j.id for j in await queue.claim(f"w{n}", 20, lease=30, share=3)]
    while more := await queue.claim(f"w{len(ids)}", 20, lease=30, share=3):
        ids += [j.id for j in more]
    assert len(ids) == len(set(ids)) == 40


async def test_casp_queues_each_job_as_its_owners_work(client: httpx.AsyncClient):
    me = await user(client, "owner@example.com", "example.com")
    cert = await request(client, me, "example.com")
    owner = await User.get(email="owner@example.com")
    issue = await Job.get(key=f"issue:{cert['id']}")
    assert issue.user_id == owner.id
    await notify(user_id=owner.id, type="expired", title="t", message="m")
    assert {j.user_id for j in await Job.filter(kind="deliver")} == {owner.id}
    await sweeps.ensure_scheduled()
    assert (await Job.get(key=sweeps.KEY)).user_id is None


async def test_a_worker_runs_another_users_job_beside_a_full_share(
        client: httpx.AsyncClient, clock: ManualClock):
    release, started = asyncio.Event(), asyncio.Event()

    async def stuck(job: Job) -> None:
        await release.wait()

    async def quick(job: Job) -> None:
        started.set()

    worker = Worker({"stuck": stuck, "quick": quick}, concurrency=4, lease=30,
                    poll_interval=0.05)
    for _ in range(8):
        await queue.enqueue("stuck", {}, user_id=1)
    loop = asyncio.create_task(worker.run())
    await queue.enqueue("quick", {}, user_id=2)
    await asyncio.wait_for(started.wait(), 5)  # user 1 holds one slot, not all four
    assert await Job.filter(kind="stuck", status="running").count() == worker.share == 1
    release.set()
    await worker.stop(loop)


async def test_work_due_now_wakes_the_workers_once_per_enqueue_or_batch(
        client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch):
    signals: list[None] = []

    async def heard() -> None:
        signals.append(None)
    monkeypatch.setattr(current().events, "jobs_queued", heard)
    me = await user(client, "batch@example.com", "example.com")
    certs = [(await request(client, me, f"b{i}.example.com"))["id"] for i in range(3)]
    assert len(signals) == 3  # each request queued its issuance: one signal each
    await jobs.RENEW.schedule_each(certs)
    assert len(signals) == 4  # three renewals, one signal
    await queue.enqueue("later", {}, delay=60)
    await jobs.ISSUE.schedule(certs[0], 1)  # still queued: nothing new to run
    assert len(signals) == 4
