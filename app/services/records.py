"""Saving a certificate's progress: only the fields that changed, with updated_at; a change
of status or stage is published to live subscribers (GraphQL certificateEvents)."""

from __future__ import annotations

import logging
from typing import Any

from app.events import CertificateEvent
from app.runtime import current
from models.certificate import Certificate

log = logging.getLogger(__name__)


async def save(cert: Certificate, **changes: Any) -> None:
    moved = any(name in changes and changes[name] != getattr(cert, name)
                for name in ("status", "stage"))
    for name, value in changes.items():
        setattr(cert, name, value)
    cert.updated_at = current().clock.now()
    await cert.save(update_fields=[*changes, "updated_at"])
    if moved:
        await publish(cert)


async def publish(cert: Certificate) -> None:
    """Best effort: a subscriber missing an event never fails the issuance."""
    event = CertificateEvent(user_id=cert.user_id,  # type: ignore[attr-defined]
                             certificate_id=cert.id, status=cert.status, stage=cert.stage,
                             at=cert.updated_at.isoformat())
    try:
        await current().events.publish(event)
    except Exception as exc:  # Redis or PostgreSQL away: the record is saved all the same
        log.warning("certificate event for %s not published: %s", cert.id, exc)
