"""ACME accounts (one per user, CA and directory) and EAB credentials (per user and CA)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AcmeAccount(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="acme_accounts", on_delete=fields.CASCADE)
    ca_provider = fields.CharField(max_length=20)
    directory_url = fields.CharField(max_length=500)
    key_encrypted = fields.TextField()  # JWK JSON, encrypted with the server key
    account_url = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "acme_accounts"
        unique_together = (("user", "ca_provider", "directory_url"),)


class EabCredential(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="eab_credentials", on_delete=fields.CASCADE)
    ca_provider = fields.CharField(max_length=20)
    kid = fields.CharField(max_length=300)
    hmac_encrypted = fields.TextField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "eab_credentials"
        unique_together = (("user", "ca_provider"),)
