"""Deployment targets (where a user's certificates go after each issuance and renewal) and
one record per target and certificate: what was deployed there, when, and the last error."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from models import nullable_text

if TYPE_CHECKING:
    from models.certificate import Certificate
    from models.user import User


class DeploymentTarget(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="deployment_targets", on_delete=fields.CASCADE)
    user_id: int
    name = fields.CharField(max_length=100)
    kind = fields.CharField(max_length=20)  # ssh | webhook (app/services/deployments/kinds)
    # The kind's settings (host, paths, URL, the pinned SSH host key, ...), never a secret.
    config: fields.JSONField[dict[str, Any]] = fields.JSONField()
    # The kind's secret (an SSH private key, a webhook secret), encrypted with SecretBox.
    secret_encrypted = nullable_text()
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "deployment_targets"
        indexes = (("user_id", "id"),)


class Deployment(Model):
    """A certificate attached to a target, and how its deployment there went."""

    id = fields.IntField(primary_key=True)
    target: fields.ForeignKeyRelation[DeploymentTarget] = fields.ForeignKeyField(
        "models.DeploymentTarget", related_name="deployments", on_delete=fields.CASCADE)
    target_id: int
    certificate: fields.ForeignKeyRelation[Certificate] = fields.ForeignKeyField(
        "models.Certificate", related_name="deployments", on_delete=fields.CASCADE)
    certificate_id: int
    serial = fields.CharField(max_length=64, null=True)  # the serial deployed last
    deployed_at = fields.DatetimeField(null=True)
    last_attempt_at = fields.DatetimeField(null=True)
    last_error = nullable_text()
    attempts = fields.IntField(default=0)  # failed attempts in a row
    created_at = fields.DatetimeField()

    class Meta:
        table = "deployments"
        unique_together = (("target_id", "certificate_id"),)
