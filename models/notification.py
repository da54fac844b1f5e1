"""A user's inbox of notifications about their certificates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models import nullable_text

if TYPE_CHECKING:
    from models.user import User


class Notification(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE)
    user_id: int  # set by Tortoise beside `user`; declared for type checkers
    type = fields.CharField(max_length=30)
    title = fields.CharField(max_length=200)
    message = fields.TextField()
    certificate_id = fields.IntField(null=True)  # kept after the certificate is deleted
    read = fields.BooleanField(default=False)
    # Makes "once each" notifications (expiring at 14 days, ...) idempotent.
    dedupe_key = fields.CharField(max_length=100, null=True, unique=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "notifications"
        indexes = (("user_id", "read", "created_at"),)


class NotificationSettings(Model):
    """Where a user's notifications go besides the inbox (no row: the defaults)."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="notification_settings", on_delete=fields.CASCADE)
    user_id: int
    # On by default: a certificate must never expire by surprise.
    email_enabled = fields.BooleanField(default=True)
    webhook_url = fields.CharField(max_length=2000, null=True)
    # Encrypted, not hashed: the secret is needed in clear to sign each delivery.
    webhook_secret_encrypted = nullable_text()
    # the notification types delivered; the service fills it
    types: fields.JSONField[list[str]] = fields.JSONField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "notification_settings"
