"""Domain types, resolved from the same service views as REST's domains.php."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.services.domains import holders
from app.services.domains.ownership import DomainView, Verification
from schema.types.enums import ChallengeType, OwnershipMethod, OwnershipStatus


@strawberry.type
class DnsRecord:
    name: str
    type: str
    value: str


@strawberry.type(description="Whether the user holds the domain's name (held: first to add "
                             "it, no proof yet; verified: proved; pending: another user "
                             "holds it), and how to prove it")
class Ownership:
    status: OwnershipStatus
    method: OwnershipMethod
    record: DnsRecord = strawberry.field(
        description="The user's own TXT record for the name: its value is unique to this "
                    "user and name")

    @classmethod
    def of(cls, view: holders.Ownership) -> Ownership:
        return cls(status=OwnershipStatus(view.status), method=OwnershipMethod(view.method),
                   record=DnsRecord(name=view.record.name, type=view.record.type,
                                    value=view.record.value))


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
    ownership: Ownership

    @classmethod
    def of(cls, view: DomainView) -> Domain:
        return cls(id=view.id, domain=view.name,
                   verification_method=ChallengeType(view.verification_method),
                   status=view.status, created_at=view.created_at, verified_at=view.verified_at,
                   instructions=JSON(view.instructions), last_check=JSON(view.last_check),
                   ownership=Ownership.of(view.ownership))


@strawberry.type
class DomainList:
    domains: list[Domain]
    total: int


@strawberry.type
class DomainVerification:
    domain: Domain
    ok: bool
    verification: JSON = strawberry.field(description="Each check's outcome, as in REST")

    @classmethod
    def of(cls, checked: Verification) -> DomainVerification:
        return cls(domain=Domain.of(checked.domain), ok=checked.ok,
                   verification=JSON(checked.report))
