"""Accounts: a user, and the one-time tokens mailed to them (email verification, password reset)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=100, default="")
    password_hash = fields.CharField(max_length=255)
    email_verified = fields.BooleanField(default=False)
    # Disabled by the operator (`casp user disable`): no login, no token works.
    # A database default too: migration 0008 adds the column to a table with rows.
    disabled = fields.BooleanField(default=False, db_default=False)
    # The API token is found through its SHA-256; the readable copy is encrypted at rest.
    token_hash = fields.CharField(max_length=64, unique=True)
    token_encrypted = fields.TextField()
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "users"


class OneTimeToken(Model):
    """A mailed token, stored only as its hash, valid until expires_at and used at most once."""

    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose name)

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="one_time_tokens", on_delete=fields.CASCADE
    )
    user_id: int  # set by Tortoise beside `user`; declared for type checkers
    purpose = fields.CharField(max_length=20)
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "one_time_tokens"
