"""Domain types, resolved from the same service views as REST's domains.php."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.services.domains import holders
from app.services.domains.ownership import DomainView, Verification
from app.wording import spelled_all
from schema.errors import graphql_word
from schema.types.enums import ChallengeType, OwnershipMethod, OwnershipStatus


@strawberry.type(description="A DNS record to publish")
class DnsRecord:
    name: str = strawberry.field(description="The record's owner name (fully qualified)")
    type: str = strawberry.field(description="The record type, such as TXT or CNAME")
    value: str = strawberry.field(description="The record's value, as it must be published")


@strawberry.type(description="Whether the user holds the domain's name (held: first to add "
                             "it, no proof yet; verified: proved; pending: another user "
                             "holds it), and how to prove it")
class Ownership:
    status: OwnershipStatus = strawberry.field(description="Whether the user holds the name")
    method: OwnershipMethod = strawberry.field(
        description="How the name was proved (or would be): TXT until a proof says otherwise")
    record: DnsRecord = strawberry.field(
        description="The user's own TXT record for the name: its value is unique to this "
                    "user and name")

    @classmethod
    def of(cls, view: holders.Ownership) -> Ownership:
        return cls(status=OwnershipStatus(view.status), method=OwnershipMethod(view.method),
                   record=DnsRecord(name=view.record.name, type=view.record.type,
                                    value=view.record.value))


@strawberry.type(description="A domain of yours: certificates may cover it and the names "
                             "under it")
class Domain:
    id: int = strawberry.field(description="The domain's id")
    domain: str = strawberry.field(
        description="The name, lower case, internationalised names in punycode")
    verification_method: ChallengeType = strawberry.field(
        description="The challenge its setup is checked for")
    status: str = strawberry.field(
        description="'pending' until verifyDomain finds the setup right, then 'verified'")
    created_at: datetime = strawberry.field(description="When it was added")
    verified_at: datetime | None = strawberry.field(
        description="When verifyDomain last found it right (null before)")
    instructions: JSON = strawberry.field(
        description="What to set up in DNS (or on the web server) for its challenge type")
    last_check: JSON | None = strawberry.field(
        description="The report of the last verifyDomain (null before the first)")
    ownership: Ownership = strawberry.field(
        description="Whether you hold the name, and the record that proves it")
    dns_credential_id: int | None = strawberry.field(
        description="dns_provider mode: the DNS credential writing its DNS_01 records "
                    "(setDomainDnsCredential); null: delegation or manual records")

    @classmethod
    def of(cls, view: DomainView) -> Domain:
        return cls(id=view.id, domain=view.name,
                   verification_method=ChallengeType(view.verification_method),
                   status=view.status, created_at=view.created_at, verified_at=view.verified_at,
                   instructions=JSON(spelled_all(view.instructions, graphql_word)),
                   last_check=JSON(view.last_check),
                   ownership=Ownership.of(view.ownership),
                   dns_credential_id=view.dns_credential_id)


@strawberry.type(description="All your domains, by name")
class DomainList:
    domains: list[Domain] = strawberry.field(description="Each domain, sorted by name")
    total: int = strawberry.field(description="How many there are")


@strawberry.type(description="The outcome of verifyDomain")
class DomainVerification:
    domain: Domain = strawberry.field(description="The domain after the checks")
    ok: bool = strawberry.field(description="Whether every check passed")
    verification: JSON = strawberry.field(
        description="Each check's outcome ({ok, checks: [{check, ok, detail}]}): what is "
                    "wrong when ok is false")

    @classmethod
    def of(cls, checked: Verification) -> DomainVerification:
        return cls(domain=Domain.of(checked.domain), ok=checked.ok,
                   verification=JSON(checked.report))
