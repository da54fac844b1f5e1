"""Inbox types, from the same service as notifications.php."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services.notifications.inbox import NotificationView
from app.services.notifications.settings import DeliverySettings
from schema.types.enums import NotificationType


@strawberry.type(description="A message in your inbox about a certificate or a domain")
class Notification:
    id: int = strawberry.field(description="The notification's id (for markNotificationRead)")
    type: NotificationType = strawberry.field(description="What it is about")
    title: str = strawberry.field(description="A one-line summary")
    message: str = strawberry.field(description="The full text")
    certificate_id: int | None = strawberry.field(
        description="The certificate it is about, if any")
    read: bool = strawberry.field(description="Whether it was marked read")
    created_at: datetime = strawberry.field(description="When it was sent")

    @classmethod
    def of(cls, view: NotificationView) -> Notification:
        return cls(id=view.id, type=NotificationType(view.type), title=view.title,
                   message=view.message, certificate_id=view.certificate_id, read=view.read,
                   created_at=view.created_at)


@strawberry.type(description="One page of your inbox, newest first")
class NotificationPage:
    notifications: list[Notification] = strawberry.field(
        description="This page's notifications")
    unread_count: int = strawberry.field(description="How many are unread, on all pages")
    total: int = strawberry.field(description="How many match, on all pages")
    page: int = strawberry.field(description="This page's number, from 1")
    per_page: int = strawberry.field(description="The page size asked for (20 by default)")
    pages: int = strawberry.field(description="How many pages there are (at least 1)")


@strawberry.type(description="The outcome of marking notifications read")
class MarkReadResult:
    updated: int = strawberry.field(description="How many notifications changed to read")


@strawberry.type(description="Where notifications go besides the inbox")
class NotificationSettings:
    email_enabled: bool = strawberry.field(description="Whether each one is also mailed")
    email: str = strawberry.field(description="Where mails go: the account's email")
    webhook_url: str | None = strawberry.field(
        description="Where each one is POSTed as JSON (null: no webhook)")
    webhook_secret: str | None = strawberry.field(
        description="Signs each webhook body: X-Casp-Signature: sha256=HMAC-SHA256(body)")
    types: list[NotificationType] = strawberry.field(
        description="The types that go out by mail and webhook (the inbox gets all)")

    @classmethod
    def of(cls, view: DeliverySettings) -> NotificationSettings:
        return cls(email_enabled=view.email_enabled, email=view.email,
                   webhook_url=view.webhook_url, webhook_secret=view.webhook_secret,
                   types=[NotificationType(t) for t in view.types])
