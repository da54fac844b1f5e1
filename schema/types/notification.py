"""Inbox types, from the same service as notifications.php."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.notification import Notification as NotificationRow
from schema.types.enums import NotificationType


@strawberry.type
class Notification:
    id: int
    type: NotificationType  # type: ignore[valid-type]
    title: str
    message: str
    certificate_id: int | None
    read: bool
    created_at: datetime

    @classmethod
    def of(cls, row: NotificationRow) -> Notification:
        return cls(id=row.id, type=NotificationType(row.type), title=row.title,
                   message=row.message, certificate_id=row.certificate_id, read=row.read,
                   created_at=row.created_at)


@strawberry.type
class NotificationPage:
    notifications: list[Notification]
    unread_count: int
    total: int
    page: int
    per_page: int
    pages: int


@strawberry.type
class MarkReadResult:
    updated: int = strawberry.field(description="How many notifications changed to read")
