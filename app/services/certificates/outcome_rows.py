"""Issuance outcomes, one row each, for /metrics (renewals: RenewalEvent, written by
renewal.py). Rows rather than in-process counters: every API process then reports what
any worker did."""

from __future__ import annotations

from typing import Any

from app.runtime import current
from models.certificate import Certificate, IssuanceEvent

_PREFIXES = ("urn:ietf:params:acme:error:", "casp:")


def error_kind(problem: dict[str, Any] | None) -> str | None:
    """A short, bounded label from a problem type: `rateLimited`, `dnsNotFound`, ..."""
    if problem is None:
        return None
    kind = str(problem.get("type") or "unknown")
    for prefix in _PREFIXES:
        kind = kind.removeprefix(prefix)
    return kind[:60]


async def issuance(cert: Certificate, problem: dict[str, Any] | None = None) -> None:
    await IssuanceEvent.create(user_id=cert.user_id,
                               certificate_id=cert.id, ca_provider=cert.ca_provider,
                               succeeded=problem is None, error_kind=error_kind(problem),
                               created_at=current().clock.now())
