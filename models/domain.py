"""A user's domain: the names under it may go into that user's certificates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.dns_credential import DnsCredential
    from models.user import User


class Domain(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="domains", on_delete=fields.CASCADE)
    user_id: int  # set by Tortoise beside `user`; declared for type checkers
    name = fields.CharField(max_length=253)
    verification_method = fields.CharField(max_length=10)  # dns-01 | http-01
    status = fields.CharField(max_length=10, default="pending")  # pending | verified
    # dns-01 delegation: _acme-challenge.<name> CNAME <delegation_label>.<CASP_DNS_ZONE>
    delegation_label = fields.CharField(max_length=40, unique=True)
    # dns-01 through the user's DNS provider (dns_provider mode) when set; deleting the
    # credential falls back to delegation or manual records.
    dns_credential: fields.ForeignKeyNullableRelation[DnsCredential] = fields.ForeignKeyField(
        "models.DnsCredential", related_name="domains", null=True, on_delete=fields.SET_NULL)
    dns_credential_id: int | None
    http_probe = fields.CharField(max_length=64, null=True)
    # Who holds the name (app/services/domains/holders.py): held (first to add it, no proof
    # yet) | verified (proved) | pending (another user holds it); and by which proof. The
    # database default lets migration 0010 add the column to a table with rows.
    ownership = fields.CharField(max_length=10, default="held", db_default="held")
    proved_by = fields.CharField(max_length=10, null=True)  # txt | cname
    last_check: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    verified_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "domains"
        unique_together = (("user", "name"),)
