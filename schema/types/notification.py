"""Inbox types, from the same service as notifications.php."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services.notifications.inbox import NotificationView
from app.services.notifications.settings import DeliverySettings
from schema.types.enums import NotificationType


@strawberry.type
class Notification:
    id: int
    type: NotificationType
    title: str
    message: str
    certificate_id: int | None
    read: bool
    created_at: datetime

    @classmethod
    def of(cls, view: NotificationView) -> Notification:
        return cls(id=view.id, type=NotificationType(view.type), title=view.title,
                   message=view.message, certificate_id=view.certificate_id, read=view.read,
                   created_at=view.created_at)


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


@strawberry.type
class NotificationSettings:
    """Where notifications go besides the inbox (account.php?action=notification-settings)."""

    email_enabled: bool
    email: str
    webhook_url: str | None
    webhook_secret: str | None = strawberry.field(
        description="Signs each webhook body: X-Casp-Signature: sha256=HMAC-SHA256(body)")
    types: list[NotificationType]

    @classmethod
    def of(cls, view: DeliverySettings) -> NotificationSettings:
        return cls(email_enabled=view.email_enabled, email=view.email,
                   webhook_url=view.webhook_url, webhook_secret=view.webhook_secret,
                   types=[NotificationType(t) for t in view.types])
