"""Certificate types; history and domain records come through the request's DataLoaders."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.services import names
from models.certificate import Certificate as CertificateRow
from schema.context import Info
from schema.types.domain import Domain
from schema.types.enums import CaProvider, CertificateStatus, ChallengeType, KeyType


@strawberry.type
class DnsRecord:
    name: str
    type: str
    value: str


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
    row: strawberry.Private[CertificateRow]
    id: int
    domains: list[str]
    ca_provider: CaProvider
    challenge_type: ChallengeType
    key_type: KeyType
    status: CertificateStatus
    stage: str = strawberry.field(description="Progress inside pending, or the last step")
    auto_renew: bool
    issued_at: datetime | None
    expires_at: datetime | None
    serial: str | None
    fingerprint_sha256: str | None
    issuer: str | None
    last_error: JSON | None = strawberry.field(description="The CA's problem document")
    dns_records: list[DnsRecord] | None = strawberry.field(
        description="Manual dns-01: the TXT records to publish")
    revoked_at: datetime | None
    created_at: datetime
    certificate_pem: str | None
    chain_pem: str | None
    renew_at: datetime | None
    renewal_window: RenewalWindow | None = strawberry.field(
        description="The CA's suggested window (ACME Renewal Information), if it has one")

    @classmethod
    def of(cls, row: CertificateRow) -> Certificate:
        window = None
        if row.ari_window_start and row.ari_window_end:
            window = RenewalWindow(start=row.ari_window_start, end=row.ari_window_end)
        show_dns = row.status == "pending" or row.stage == "awaiting_dns"
        records = None  # as REST: null until there are records to publish
        if show_dns and row.dns_records is not None:
            records = [DnsRecord(**r) for r in row.dns_records]
        return cls(
            row=row, id=row.id, domains=list(row.domains),
            ca_provider=CaProvider(row.ca_provider),
            challenge_type=ChallengeType(row.challenge_type), key_type=KeyType(row.key_type),
            status=CertificateStatus(row.status), stage=row.stage, auto_renew=row.auto_renew,
            issued_at=row.issued_at, expires_at=row.expires_at, serial=row.serial,
            fingerprint_sha256=row.fingerprint_sha256, issuer=row.issuer,
            last_error=JSON(row.last_error), dns_records=records, revoked_at=row.revoked_at,
            created_at=row.created_at, certificate_pem=row.certificate_pem,
            chain_pem=row.chain_pem, renew_at=row.renew_at if row.auto_renew else None,
            renewal_window=window)

    @strawberry.field(description="Earlier versions that renewals replaced, newest first")
    async def history(self, info: Info) -> list[CertificateVersion]:
        rows = await info.context.loaders.versions.load(self.id)
        return [CertificateVersion(serial=v.serial, issued_at=v.issued_at,
                                   expires_at=v.expires_at, replaced_at=v.replaced_at)
                for v in rows]

    @strawberry.field(description="The user's domains that cover this certificate's names")
    async def domain_records(self, info: Info) -> list[Domain]:
        owned = await info.context.loaders.domains_of_user.load(
            self.row.user_id)
        return [Domain.of(d) for d in owned
                if any(names.covers(d.name, n) for n in self.domains)]


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
