"""A user's inbox of notifications about their certificates."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Notification(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE)
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
