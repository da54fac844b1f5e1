"""Domain types, resolved from the same service views as REST's domains.php."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.services import domains
from models.domain import Domain as DomainRow
from schema.types.enums import ChallengeType


@strawberry.type
class Domain:
    id: int
    domain: str
    verification_method: ChallengeType
    status: str = strawberry.field(description="pending | verified")
    created_at: datetime
    verified_at: datetime | None
    instructions: JSON = strawberry.field(description="What to set up for verification")
    last_check: JSON | None

    @classmethod
    def of(cls, row: DomainRow) -> Domain:
        return cls(id=row.id, domain=row.name,
                   verification_method=ChallengeType(row.verification_method),
                   status=row.status, created_at=row.created_at, verified_at=row.verified_at,
                   instructions=JSON(domains.instructions(row)), last_check=JSON(row.last_check))


@strawberry.type
class DomainList:
    domains: list[Domain]
    total: int


@strawberry.type
class DomainVerification:
    domain: Domain
    ok: bool
    verification: JSON = strawberry.field(description="Each check's outcome, as in REST")
