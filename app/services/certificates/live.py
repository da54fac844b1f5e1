"""What a live subscriber to a user's certificate events receives: first the state things
are in (so a client that subscribes late never misses where they stand), then each change
as saving.py publishes it, from any process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from app.events import CERTIFICATE, UserEvent
from app.runtime import current
from app.services.certificates.records import get_certificate
from app.services.certificates.saving import event_of
from models.certificate import Certificate
from models.user import User

IN_PROGRESS_SHOWN = 100  # on subscribing to all: the pending certificates told, oldest first


async def follow(*, user: User, id: int | None = None) -> AsyncIterator[UserEvent]:
    """The events of the user's certificate `id` (NOT_FOUND for another user's), or of all of
    theirs: the current state first (of `id`, or of each pending one), then the changes.
    A change published before that state was read, and delivered after, is dropped: the
    subscriber never sees a certificate go back to an older state."""
    if id is not None:
        await get_certificate(user=user, id=id)
    async with current().events.subscribe(user.id) as queue:
        now = await _states(user, id)
        shown = {event.certificate_id: datetime.fromisoformat(event.at) for event in now}
        for event in now:
            yield event
        while True:
            event = await queue.get()
            if event.kind != CERTIFICATE or id not in (None, event.certificate_id):
                continue
            seen = shown.get(event.certificate_id)
            if seen is None or datetime.fromisoformat(event.at) >= seen:
                yield event


async def _states(user: User, id: int | None) -> list[UserEvent]:
    """Read after subscribing: a change committed in between is in the state or the queue."""
    if id is not None:
        cert = await Certificate.get_or_none(id=id, user=user)
        return [event_of(cert)] if cert else []
    pending = await Certificate.filter(user=user, status="pending").order_by("id").limit(
        IN_PROGRESS_SHOWN)
    return [event_of(cert) for cert in pending]
