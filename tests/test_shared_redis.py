"""Two installs sharing one Redis (user ids repeat across databases: user 1 is in every one)
never hear each other's events, wake each other's workers nor spend each other's rate-limit
budgets; two processes of one install (one secret key) share all three."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from pathlib import Path

from app.crypto import install_id
from app.events import RedisBus, UserEvent, redis_channel
from app.ratelimit import Limiter
from tests.support.app import make_settings


async def _heard(listener: RedisBus, publisher: RedisBus) -> list[UserEvent]:
    async with listener.subscribe(1) as queue:
        await publisher.publish(UserEvent(1, certificate_id=7, status="issued"))
        with contextlib.suppress(TimeoutError):
            return [await asyncio.wait_for(queue.get(), 1.0)]
        return []


async def test_an_install_hears_only_its_own_events(redis_url: str):
    ours, theirs = redis_channel(install_id("a" * 43)), redis_channel(install_id("b" * 43))
    assert ours != theirs and "a" * 8 not in ours  # the key does not show in the name
    api, worker, other = (RedisBus(redis_url, c) for c in (ours, ours, theirs))
    try:
        assert [e.certificate_id for e in await _heard(api, worker)] == [7]
        assert await _heard(other, worker) == []
    finally:
        for bus in (api, worker, other):
            await bus.close()


async def test_an_install_spends_only_its_own_budgets(redis_url: str, tmp_path: Path):
    settings = dataclasses.replace(make_settings(tmp_path), rate_limit="2/minute",
                                   rate_limit_storage=redis_url)
    ours, theirs = uuid.uuid4().hex, uuid.uuid4().hex
    api, worker, other = (Limiter(settings, i) for i in (ours, ours, theirs))
    try:
        spent = [(await bus.hit_api("user:1")).allowed for bus in (api, worker, api)]
        assert spent == [True, True, False]  # one budget for the install's processes
        assert (await other.hit_api("user:1")).allowed  # user 1 of another install
    finally:
        for limiter in (api, worker, other):
            await limiter.close()


async def test_an_install_wakes_only_its_own_workers(redis_url: str):
    ours, theirs = redis_channel(install_id("a" * 43)), redis_channel(install_id("b" * 43))
    api, worker, other = (RedisBus(redis_url, c) for c in (ours, ours, theirs))
    woken, not_ours = asyncio.Event(), asyncio.Event()
    try:
        await worker.watch_jobs(woken.set)
        await other.watch_jobs(not_ours.set)
        async with worker.subscribe(0) as nobody:  # the signal is no user's event
            await api.jobs_queued()
            await asyncio.wait_for(woken.wait(), 2.0)
            await asyncio.sleep(0.2)
            assert not not_ours.is_set() and nobody.empty()
    finally:
        for bus in (api, worker, other):
            await bus.close()
