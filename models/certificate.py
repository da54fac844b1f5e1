"""A certificate request and, once issued, the certificate; with its ACME progress."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Certificate(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="certificates", on_delete=fields.CASCADE)
    domains = fields.JSONField()  # normalised names, the first is the common name
    search_text = fields.TextField()  # " a.example b.example " for the domain search
    ca_provider = fields.CharField(max_length=20)
    challenge_type = fields.CharField(max_length=10)
    key_type = fields.CharField(max_length=10)
    auto_renew = fields.BooleanField(default=True)
    status = fields.CharField(max_length=10, default="pending")
    # pending | issued | failed | expired | revoked
    stage = fields.CharField(max_length=20, default="queued")  # progress inside `pending`
    key_encrypted = fields.TextField(null=True)
    csr_pem = fields.TextField(null=True)
    directory_url = fields.CharField(max_length=500, default="")
    order_url = fields.CharField(max_length=500, null=True)
    dns_records = fields.JSONField(null=True)  # manual dns-01: [{name, type, value}]
    certificate_pem = fields.TextField(null=True)
    chain_pem = fields.TextField(null=True)
    serial = fields.CharField(max_length=64, null=True)
    fingerprint_sha256 = fields.CharField(max_length=95, null=True)
    issuer = fields.CharField(max_length=500, null=True)
    issued_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)
    last_error = fields.JSONField(null=True)  # {"type", "detail", ...}: the CA's problem
    revoked_at = fields.DatetimeField(null=True)
    revocation_reason = fields.CharField(max_length=40, null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "certificates"
        indexes = (("user_id", "status"), ("user_id", "created_at"))


class HttpChallenge(Model):
    """An http-01 answer, in the database so that any casp instance can serve it."""

    token = fields.CharField(max_length=128, primary_key=True)
    key_authorization = fields.CharField(max_length=300)
    certificate_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "http_challenges"
