"""renewal.php's figures and the CA list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from app.acme.registry import CA, CHALLENGE_TYPES, KEY_TYPES
from schema.types.enums import CaProvider, ChallengeType, KeyType


@strawberry.type
class CaRenewalStats:
    ca_provider: CaProvider
    successful_renewals: int
    pending_renewals: int
    failed_renewals: int


@strawberry.type
class RenewalStats:
    successful_renewals: int
    pending_renewals: int
    failed_renewals: int
    next_renewal_at: datetime | None
    expiring_within_30_days: int
    by_ca: list[CaRenewalStats]

    @classmethod
    def of(cls, figures: dict[str, Any]) -> RenewalStats:
        nxt = figures["next_renewal_at"]
        return cls(
            successful_renewals=figures["successful_renewals"],
            pending_renewals=figures["pending_renewals"],
            failed_renewals=figures["failed_renewals"],
            next_renewal_at=datetime.fromisoformat(nxt) if nxt else None,
            expiring_within_30_days=figures["expiring_within_30_days"],
            by_ca=[CaRenewalStats(ca_provider=CaProvider(name), **counts)
                   for name, counts in figures["by_ca"].items()])


@strawberry.type
class CaProviderInfo:
    name: CaProvider
    title: str
    eab_required: bool
    key_types: list[KeyType]
    challenge_types: list[ChallengeType]
    staging_directory: str | None
    renewal_info: bool = strawberry.field(description="Offers ACME Renewal Information")
    available: bool = strawberry.field(description="False when the CA stopped its service")
    note: str | None

    @classmethod
    def of(cls, ca: CA, overridden: bool) -> CaProviderInfo:
        return cls(name=CaProvider(ca.name), title=ca.title, eab_required=ca.eab_required,
                   key_types=[KeyType(k) for k in KEY_TYPES],
                   challenge_types=[ChallengeType(c) for c in CHALLENGE_TYPES],
                   staging_directory=ca.staging, renewal_info=ca.ari,
                   available=overridden or not ca.discontinued, note=ca.discontinued)
