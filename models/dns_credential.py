"""A user's DNS provider credential, and the TXT records casp wrote with one (so that they
are removed even after a crash)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.user import User


class DnsCredential(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="dns_credentials", on_delete=fields.CASCADE)
    user_id: int  # set by Tortoise beside `user`; declared for type checkers
    provider = fields.CharField(max_length=40)  # a lexicon provider's name, or rfc2136
    label = fields.CharField(max_length=100)
    zone = fields.CharField(max_length=253)  # the zone the check reads
    secret_encrypted = fields.TextField()  # SecretBox(JSON of the provider's fields)
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "dns_credentials"


class DnsProviderRecord(Model):
    """One TXT value casp wrote through a credential: saved before the write, deleted after
    the value is removed; what is left is removed at the end of the attempt or by the sweep."""

    id = fields.IntField(primary_key=True)
    credential: fields.ForeignKeyRelation[DnsCredential] = fields.ForeignKeyField(
        "models.DnsCredential", related_name="records", on_delete=fields.CASCADE)
    credential_id: int
    certificate_id = fields.IntField(null=True)  # no foreign key: outlives a deleted record
    name = fields.CharField(max_length=300)
    value = fields.CharField(max_length=300)
    zone = fields.CharField(max_length=253)
    created_at = fields.DatetimeField()

    class Meta:
        table = "dns_provider_records"
