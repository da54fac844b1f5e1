"""Two installs sharing one Redis never hear each other's events (user ids repeat across
databases: user 1 is in every one); two processes of one install (one secret key) do."""

from __future__ import annotations

import asyncio
import contextlib

from app.events import RedisBus, UserEvent, redis_channel


async def _heard(listener: RedisBus, publisher: RedisBus) -> list[UserEvent]:
    async with listener.subscribe(1) as queue:
        await publisher.publish(UserEvent(1, certificate_id=7, status="issued"))
        with contextlib.suppress(TimeoutError):
            return [await asyncio.wait_for(queue.get(), 1.0)]
        return []


async def test_an_install_hears_only_its_own_events(redis_url: str):
    ours, theirs = redis_channel("a" * 43), redis_channel("b" * 43)
    assert ours != theirs and "a" * 8 not in ours  # the key does not show in the name
    api, worker, other = (RedisBus(redis_url, c) for c in (ours, ours, theirs))
    try:
        assert [e.certificate_id for e in await _heard(api, worker)] == [7]
        assert await _heard(other, worker) == []
    finally:
        for bus in (api, worker, other):
            await bus.close()
