"""Tortoise models, one module per aggregate. MODEL_MODULES feeds Tortoise's config."""

from __future__ import annotations

from typing import Any, cast

from tortoise import fields

MODEL_MODULES = [
    "models.user",
    "models.domain",
    "models.certificate",
    "models.acme_account",
    "models.job",
    "models.notification",
    "models.dns_credential",
    "models.deployment",
]


def nullable_text(**kwargs: Any) -> fields.Field[str | None]:
    """fields.TextField(null=True), typed `str | None` for type checkers: Tortoise types every
    TextField as str, whatever its `null` (its CharField, IntField ... follow `null`)."""
    return cast("fields.Field[str | None]", fields.TextField(null=True, **kwargs))
