"""A certificate request and, once issued, the certificate; with its ACME progress."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from models import nullable_text

if TYPE_CHECKING:
    from models.user import User


class Certificate(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="certificates", on_delete=fields.CASCADE)
    user_id: int  # set by Tortoise beside `user`; declared for type checkers
    # normalised names, the first is the common name
    domains: fields.JSONField[list[str]] = fields.JSONField()
    search_text = fields.TextField()  # " a.example b.example " for the domain search
    ca_provider = fields.CharField(max_length=20)
    challenge_type = fields.CharField(max_length=20)  # dns-01 | http-01 | dns-persist-01
    key_type = fields.CharField(max_length=10)
    # draft-ietf-acme-profiles: the CA's profile asked for (null: the CA's default); kept by
    # renewals
    profile = fields.CharField(max_length=64, null=True)
    auto_renew = fields.BooleanField(default=True)
    status = fields.CharField(max_length=10, default="pending")
    # pending | issued | failed | expired | revoked
    stage = fields.CharField(max_length=20, default="queued")  # progress inside `pending`
    key_encrypted = nullable_text()
    csr_pem = nullable_text()
    directory_url = fields.CharField(max_length=500, default="")
    order_url = fields.CharField(max_length=500, null=True)
    # manual dns-01: [{name, type, value}]
    dns_records: fields.JSONField[list[dict[str, str]] | None] = fields.JSONField(null=True)
    certificate_pem = nullable_text()
    chain_pem = nullable_text()
    serial = fields.CharField(max_length=64, null=True)
    fingerprint_sha256 = fields.CharField(max_length=95, null=True)
    issuer = fields.CharField(max_length=500, null=True)
    issued_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)
    # {"type", "detail", ...}: the CA's problem
    last_error: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    # Renewal: when it is due, how often it failed in a row, and the next version's key,
    # CSR and order while it is being made (the live key stays until the swap).
    renew_at = fields.DatetimeField(null=True)
    renewal_failures = fields.IntField(default=0)
    renewal_key_encrypted = nullable_text()
    renewal_csr_pem = nullable_text()
    renewal_order_url = fields.CharField(max_length=500, null=True)
    renewal_started_at = fields.DatetimeField(null=True)
    # The last "expiring" warning sent, as its threshold on a 90-day lifetime (14, 7, 3, 1:
    # each is that share of the real lifetime), and when the next one is due (null: none
    # left); stored so that the sweep finds due warnings on an index.
    expiry_notified_days = fields.IntField(null=True)
    expiry_warn_at = fields.DatetimeField(null=True)
    # ACME Renewal Information (RFC 9773): the CA's suggested window and when to ask again
    # (null: the CA offers no renewalInfo, or the certificate is not live).
    ari_window_start = fields.DatetimeField(null=True)
    ari_window_end = fields.DatetimeField(null=True)
    ari_check_at = fields.DatetimeField(null=True)
    # Fallback (services/certificates/fallback.py): the CAs to try in turn, the first the
    # one requested (null: that one only); and the CAs this issuance or renewal left, with
    # why: [{ca, error, at}] (null: none).
    ca_order: fields.JSONField[list[str] | None] = fields.JSONField(null=True)
    previous_attempts: fields.JSONField[list[dict[str, Any]] | None] = fields.JSONField(
        null=True)
    # dns-persist-01: the earliest persistUntil of the records the last order was answered
    # with (null: none carried one), and whether the user was warned of it.
    persist_until = fields.DatetimeField(null=True)
    persist_warned = fields.BooleanField(default=False, db_default=False)
    # When that warning is due (renewal_policy.persist_warning_at; null: warned, or none):
    # kept by saving.save with every write, so the sweep reads an index range.
    persist_warn_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    revocation_reason = fields.CharField(max_length=40, null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "certificates"
        indexes = (("user_id", "status"), ("user_id", "created_at"),
                   ("status", "auto_renew", "renew_at"), ("status", "expires_at"),
                   ("status", "ari_check_at"), ("status", "expiry_warn_at"),
                   ("status", "persist_warn_at"))


class CertificateVersion(Model):
    """An earlier certificate of a record, kept when a renewal replaced it."""

    id = fields.IntField(primary_key=True)
    certificate: fields.ForeignKeyRelation[Certificate] = fields.ForeignKeyField(
        "models.Certificate", related_name="versions", on_delete=fields.CASCADE)
    certificate_id: int
    serial = fields.CharField(max_length=64)
    certificate_pem = fields.TextField()
    chain_pem = nullable_text()
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    replaced_at = fields.DatetimeField()

    class Meta:
        table = "certificate_versions"


class RenewalEvent(Model):
    """One renewal outcome, kept for the statistics even after the certificate is gone."""

    id = fields.IntField(primary_key=True)
    user_id = fields.IntField(db_index=True)
    certificate_id = fields.IntField()
    ca_provider = fields.CharField(max_length=20)
    succeeded = fields.BooleanField()
    error_kind = fields.CharField(max_length=60, null=True)  # the problem type, shortened
    created_at = fields.DatetimeField()

    class Meta:
        table = "renewal_events"


class IssuanceEvent(Model):
    """One issuance outcome (first issuance, renewals are RenewalEvent), kept for /metrics
    counters that every process reads alike, whichever worker did the work."""

    id = fields.IntField(primary_key=True)
    user_id = fields.IntField()
    certificate_id = fields.IntField()
    ca_provider = fields.CharField(max_length=20)
    succeeded = fields.BooleanField()
    error_kind = fields.CharField(max_length=60, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "issuance_events"


class HttpChallenge(Model):
    """An http-01 answer, in the database so that any casp instance can serve it."""

    token = fields.CharField(max_length=128, primary_key=True)
    key_authorization = fields.CharField(max_length=300)
    certificate_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "http_challenges"
