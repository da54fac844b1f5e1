"""Saving a certificate's progress: only the fields that changed, with updated_at; a change a
user would care about (status, stage, last error, renewal moment: app.events.CHANGES) is
published to live subscribers (GraphQL certificateEvents). Every write of those fields goes
through save(); a new record publishes its first state through publish()."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from tortoise.transactions import in_transaction

from app.events import CHANGES, UserEvent
from app.runtime import current
from app.services.certificates import renewal_policy
from models.certificate import Certificate

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
# The events of changes saved inside atomic_then_publish, held until its transaction commits.
_held: ContextVar[list[UserEvent] | None] = ContextVar("casp_held_events", default=None)


def atomic_then_publish(func: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Tortoise's @atomic, with the certificate events of its changes published once the
    transaction has committed (none if it rolls back): a subscriber that reads the
    certificate on another connection, or in another process, then sees the change."""
    @wraps(func)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if _held.get() is not None:  # inside another one: its commit publishes
            async with in_transaction():
                return await func(*args, **kwargs)
        held: list[UserEvent] = []
        token = _held.set(held)
        try:
            async with in_transaction():
                result = await func(*args, **kwargs)
        finally:
            _held.reset(token)
        for event in held:
            await _send(event)
        return result
    return wrapped


async def save(cert: Certificate, **changes: Any) -> None:
    before = watched(cert)
    for name, value in changes.items():
        setattr(cert, name, value)
    cert.updated_at = current().clock.now()
    await cert.save(update_fields=[*changes, "updated_at", *_derived(cert)])
    after = watched(cert)
    changed = tuple(name for name in CHANGES if after[name] != before[name])
    if changed:
        await publish(cert, changed)


def _derived(cert: Certificate) -> list[str]:
    """Fields computed from others, brought up to date: the dns-persist-01 warning's moment
    (renewal_policy.persist_warning_at) follows persist_until, the warning sent, auto-renew
    and renew_at, which every write sets through here."""
    due = renewal_policy.persist_warning_at(cert.persist_until, cert.persist_warned,
                                            cert.auto_renew, cert.renew_at, cert.updated_at)
    keep = due is not None and cert.persist_warn_at is not None and (
        due == cert.updated_at and cert.persist_warn_at <= due)  # already due: stays due
    if due == cert.persist_warn_at or keep:
        return []
    cert.persist_warn_at = due
    return ["persist_warn_at"]


def watched(cert: Certificate) -> dict[str, Any]:
    """The fields an event reports, as the owner sees them (renew_at only with auto-renew,
    as the certificate's view shows it)."""
    return {"status": cert.status, "stage": cert.stage, "last_error": cert.last_error,
            "renew_at": cert.renew_at if cert.auto_renew else None}


def event_of(cert: Certificate, changed: tuple[str, ...] = ()) -> UserEvent:
    renew_at = watched(cert)["renew_at"]
    return UserEvent(user_id=cert.user_id, certificate_id=cert.id, status=cert.status,
                     stage=cert.stage, at=cert.updated_at.isoformat(),
                     last_error=cert.last_error,
                     renew_at=renew_at.isoformat() if renew_at else None, changed=changed)


async def publish(cert: Certificate, changed: tuple[str, ...]) -> None:
    """Best effort: a subscriber missing an event never fails the issuance."""
    event = event_of(cert, changed)
    held = _held.get()
    if held is not None:
        held.append(event)
    else:
        await _send(event)


async def _send(event: UserEvent) -> None:
    try:
        await current().events.publish(event)
    except Exception as exc:  # Redis or PostgreSQL away: the record is saved all the same
        log.warning("certificate event for %s not published: %s", event.certificate_id, exc)
