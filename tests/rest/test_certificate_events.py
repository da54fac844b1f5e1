"""An outcome saved in one transaction (issued, failed, renewed) publishes its certificate
events once the transaction commits, and none when it rolls back: a subscriber that reads
the certificate on another connection sees what the event says (on PostgreSQL it read the
row as it was before the commit)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.events import UserEvent
from app.runtime import current
from app.services.certificates.saving import atomic_then_publish, save
from models.certificate import Certificate
from tests.support.rest import request, user


async def next_event(queue: asyncio.Queue[UserEvent], within: float) -> UserEvent:
    return await asyncio.wait_for(queue.get(), within)


async def test_events_follow_the_commit_and_not_a_rollback(quiet: httpx.AsyncClient):
    me = await user(quiet, "user@example.com", "example.com")
    cert = await Certificate.get(id=(await request(quiet, me, "example.com"))["id"])

    @atomic_then_publish
    async def outcome(status: str, fail: bool = False) -> None:
        await save(cert, status=status, stage=status)
        with pytest.raises(TimeoutError):  # not while the transaction is open
            await next_event(queue, 0.3)
        if fail:
            raise RuntimeError("rolled back")

    async with current().events.subscribe(cert.user_id) as queue:  # type: ignore[attr-defined]
        with pytest.raises(RuntimeError):
            await outcome("failed", fail=True)
        with pytest.raises(TimeoutError):
            await next_event(queue, 0.3)
        assert (await Certificate.get(id=cert.id)).status == "pending"

        await outcome("issued")
        event = await next_event(queue, 5)
        assert (event.certificate_id, event.status) == (cert.id, "issued")
        assert (await Certificate.get(id=cert.id)).status == "issued"
