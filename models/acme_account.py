"""ACME accounts (one per user, CA and directory) and EAB credentials (per user and CA)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.user import User


class AcmeAccount(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="acme_accounts", on_delete=fields.CASCADE)
    user_id: int  # set by Tortoise beside `user`; declared for type checkers
    ca_provider = fields.CharField(max_length=20)
    directory_url = fields.CharField(max_length=500)
    key_encrypted = fields.TextField()  # JWK JSON, encrypted with the server key
    account_url = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "acme_accounts"
        unique_together = (("user", "ca_provider", "directory_url"),)


class CaFallback(Model):
    """A user's default order of fallback CAs, tried in turn when a request's CA fails for
    reasons of its own (services/certificates/fallback.py)."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="ca_fallback", on_delete=fields.CASCADE)
    user_id: int
    ca_providers: fields.JSONField[list[str]] = fields.JSONField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "ca_fallbacks"


class EabCredential(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="eab_credentials", on_delete=fields.CASCADE)
    user_id: int
    ca_provider = fields.CharField(max_length=20)
    kid = fields.CharField(max_length=300)
    hmac_encrypted = fields.TextField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "eab_credentials"
        unique_together = (("user", "ca_provider"),)
