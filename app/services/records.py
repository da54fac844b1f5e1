"""Saving a certificate's progress: only the fields that changed, with updated_at."""

from __future__ import annotations

from typing import Any

from app.runtime import current
from models.certificate import Certificate


async def save(cert: Certificate, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(cert, name, value)
    cert.updated_at = current().clock.now()
    await cert.save(update_fields=[*changes, "updated_at"])
