"""Certificate types; history and domain records come through the request's DataLoaders."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.services.certificates.view import CertificateDetail
from app.services.domains import ownership as domains
from schema.context import Info
from schema.types.copy import copy, copy_list
from schema.types.domain import DnsRecord, Domain
from schema.types.enums import CaProvider, CertificateStatus, ChallengeType, KeyType


@strawberry.type
class CertificateVersion:
    serial: str
    issued_at: datetime
    expires_at: datetime
    replaced_at: datetime


@strawberry.type
class RenewalWindow:
    start: datetime
    end: datetime


@strawberry.type
class Certificate:
    view: strawberry.Private[CertificateDetail]
    id: int
    domains: list[str]
    ca_provider: CaProvider
    challenge_type: ChallengeType
    key_type: KeyType
    status: CertificateStatus
    stage: str = strawberry.field(description="Progress inside pending, or the last step")
    auto_renew: bool = strawberry.field(description="Renewed before expiry")
    issued_at: datetime | None = strawberry.field(description="The certificate's not-before")
    expires_at: datetime | None = strawberry.field(description="The certificate's not-after")
    serial: str | None = strawberry.field(description="Serial number, hexadecimal")
    fingerprint_sha256: str | None = strawberry.field(
        description="SHA-256 of the certificate's DER, colon-separated hex")
    issuer: str | None = strawberry.field(description="The issuer's distinguished name")
    last_error: JSON | None = strawberry.field(description="The CA's problem document")
    dns_records: list[DnsRecord] | None = strawberry.field(
        description="Manual dns-01: the TXT records to publish")
    revoked_at: datetime | None
    created_at: datetime = strawberry.field(description="When it was requested")
    certificate_pem: str | None = strawberry.field(description="The leaf certificate, PEM")
    chain_pem: str | None = strawberry.field(description="The intermediates, PEM")
    renew_at: datetime | None = strawberry.field(
        description="When casp renews it (null without autoRenew)")
    renewal_window: RenewalWindow | None = strawberry.field(
        description="The CA's suggested window (ACME Renewal Information), if it has one")

    @classmethod
    def of(cls, view: CertificateDetail) -> Certificate:
        """One to one from the service's view; the enums and nested types converted."""
        same = {f.name: getattr(view, f.name) for f in fields(view) if f.name != "user_id"}
        return cls(**same | {
            "view": view, "ca_provider": CaProvider(view.ca_provider),
            "challenge_type": ChallengeType(view.challenge_type),
            "key_type": KeyType(view.key_type), "status": CertificateStatus(view.status),
            "dns_records": copy_list(DnsRecord, view.dns_records),
            "renewal_window": copy(RenewalWindow, view.renewal_window)})

    @strawberry.field(description="Earlier versions that renewals replaced, newest first")
    async def history(self, info: Info) -> list[CertificateVersion]:
        versions = await info.context.loaders.versions.load(self.id)
        return copy_list(CertificateVersion, versions) or []

    @strawberry.field(description="The user's domains that cover this certificate's names")
    async def domain_records(self, info: Info) -> list[Domain]:
        owned = await info.context.loaders.domains_of_user.load(self.view.user_id)
        return [Domain.of(d) for d in domains.covering(owned, self.domains)]


@strawberry.type
class CertificatePage:
    certificates: list[Certificate]
    total: int
    page: int
    per_page: int
    pages: int


@strawberry.type
class RenewResult:
    certificate: Certificate
    finished: bool = strawberry.field(
        description="False: still running when the wait ended (REST answers 202)")


@strawberry.type
class Download:
    filename: str
    content_type: str
    content_base64: str
