"""The inbox: notifications are written by the jobs, read and marked read by their user."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from app.errors import NotFound, ValidationFailed
from app.runtime import current
from app.services.inputs import Page, paging, storable_id
from models.notification import Notification
from models.user import User

TYPES = ("certificate_issued", "issuance_failed", "renewal_succeeded", "renewal_failed",
         "expiring", "expired", "revoked", "domain_moved", "deployment_failed")


async def notify(*, user_id: int, type: str, title: str, message: str,
                 certificate_id: int | None = None,
                 dedupe_key: str | None = None) -> Notification | None:
    """Store one notification and queue its deliveries (mail, webhook); with a dedupe_key,
    at most once (None when already sent)."""
    from app.services.notifications import deliveries  # it reads TYPES from here

    assert type in TYPES, type
    try:
        note = await Notification.create(
            user_id=user_id, type=type, title=title[:200], message=message,
            certificate_id=certificate_id, dedupe_key=dedupe_key,
            created_at=current().clock.now())
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
    await deliveries.schedule(note)
    return note


@dataclass(frozen=True, slots=True)
class NotificationView:
    id: int
    type: str
    title: str
    message: str
    certificate_id: int | None
    read: bool
    created_at: datetime


def view_of(note: Notification) -> NotificationView:
    return NotificationView(note.id, note.type, note.title, note.message,
                            note.certificate_id, note.read, note.created_at)


@dataclass(frozen=True)
class Inbox(Page[NotificationView]):
    unread_count: int


async def list_notifications(*, user: User, unread_only: bool | None = False,
                             page: int | None = None, per_page: int | None = None) -> Inbox:
    page, per_page = paging(page, per_page)
    query = Notification.filter(user=user)
    if unread_only:
        query = query.filter(read=False)
    total = await query.count()
    unread = total if unread_only else await Notification.filter(user=user, read=False).count()
    items = await query.order_by("-created_at", "-id").offset((page - 1) * per_page).limit(
        per_page)
    return Inbox([view_of(n) for n in items], total, page, per_page, unread_count=unread)


async def mark_read(*, user: User, id: str | int | None) -> int:
    """Mark one notification read, or every one with id "all"; answers how many changed."""
    if id is None or id == "":
        raise ValidationFailed("id is required: a notification id or \"all\"", field="id")
    if str(id).strip().lower() == "all":
        return await Notification.filter(user=user, read=False).update(read=True)
    if not re.fullmatch(r"[0-9]{1,18}", str(id).strip()):
        raise ValidationFailed("id must be a notification id or \"all\"", field="id")
    wanted = int(id)
    found = await Notification.get_or_none(id=wanted, user=user) \
        if storable_id(wanted) else None
    if found is None:
        raise NotFound(f"notification {id} not found")
    if found.read:
        return 0  # already read: nothing changed
    found.read = True
    await found.save(update_fields=["read"])
    return 1
