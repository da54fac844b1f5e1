"""Background jobs: issuance, renewal, deliveries. Claimed with a lease, so a dead worker's
job is taken over when its lease ends."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models import nullable_text


class Job(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=40)
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField()
    # A job with a key is unique while not finished: one issuance per certificate at a time.
    key = fields.CharField(max_length=100, null=True, unique=True)
    status = fields.CharField(max_length=10, default="queued")  # queued | running | done | failed
    # Whose work it is (none: casp's own, the sweep): a claim takes a fair share per user.
    user_id = fields.IntField(null=True)
    run_at = fields.DatetimeField()
    attempts = fields.IntField(default=0)
    locked_by = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)
    last_error = nullable_text()
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "jobs"
        indexes = (("status", "run_at"),)
