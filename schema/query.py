"""Queries: everything REST v1 reads, through the same services."""

from __future__ import annotations

import base64

import strawberry

from app.services.accounts import users as accounts
from app.services.certificates import downloads, renewal_stats
from app.services.certificates import records as certificates
from app.services.domains import ownership as domains
from app.services.notifications import inbox as notifications
from app.services.notifications import settings as notification_settings
from schema.context import Info
from schema.types.account import Account
from schema.types.certificate import Certificate, CertificatePage, Download
from schema.types.domain import Domain, DomainList
from schema.types.enums import CaProvider, CertificateStatus, DownloadFormat, value
from schema.types.notification import Notification, NotificationPage, NotificationSettings
from schema.types.renewal import CaProviderInfo, RenewalStats


@strawberry.type
class Query:
    @strawberry.field(description="The account of the bearer token.")
    async def me(self, info: Info) -> Account:
        return Account.of(accounts.account_of(await info.context.user()))

    @strawberry.field(description="Your certificates, newest first (as certificates.php)")
    async def certificates(
            self, info: Info, status: CertificateStatus | None = None,
            ca_provider: CaProvider | None = None,
            search: str | None = None, page: int | None = None,
            per_page: int | None = None) -> CertificatePage:
        found = await certificates.list_certificates(
            user=await info.context.user(), status=value(status),
            ca_provider=value(ca_provider), search=search, page=page, per_page=per_page)
        return CertificatePage(certificates=[Certificate.of(c) for c in found.items],
                               total=found.total, page=found.page, per_page=found.per_page,
                               pages=found.pages)

    @strawberry.field
    async def certificate(self, info: Info, id: int) -> Certificate:
        return Certificate.of(await certificates.show_certificate(
            user=await info.context.user(), id=id))

    @strawberry.field(description="A certificate file, base64 (as ?action=download)")
    async def certificate_download(
            self, info: Info, id: int,
            format: DownloadFormat | None = None,
            password: str | None = None) -> Download:
        file = await downloads.download(user=await info.context.user(), id=id,
                                      format=value(format), password=password)
        return Download(filename=file.filename, content_type=file.media_type,
                        content_base64=base64.b64encode(file.content).decode())

    @strawberry.field
    async def domains(self, info: Info) -> DomainList:
        rows = await domains.list_domains(user=await info.context.user())
        return DomainList(domains=[Domain.of(d) for d in rows], total=len(rows))

    @strawberry.field
    async def domain(self, info: Info, id: int) -> Domain:
        return Domain.of(await domains.get_domain(user=await info.context.user(), id=id))

    @strawberry.field(description="renewal.php's figures (defined in the README)")
    async def renewal_stats(self, info: Info) -> RenewalStats:
        return RenewalStats.of(await renewal_stats.stats(user=await info.context.user()))

    @strawberry.field(description="Your notifications, newest first")
    async def notifications(self, info: Info, unread_only: bool = False,
                            page: int | None = None,
                            per_page: int | None = None) -> NotificationPage:
        box = await notifications.list_notifications(
            user=await info.context.user(), unread_only=unread_only, page=page,
            per_page=per_page)
        return NotificationPage(notifications=[Notification.of(n) for n in box.items],
                                unread_count=box.unread_count, total=box.total,
                                page=box.page, per_page=box.per_page, pages=box.pages)

    @strawberry.field(description="Where your notifications go besides the inbox")
    async def notification_settings(self, info: Info) -> NotificationSettings:
        return NotificationSettings.of(await notification_settings.get(
            user=await info.context.user()))

    @strawberry.field(description="The CAs casp can issue from")
    def ca_providers(self) -> list[CaProviderInfo]:
        return [CaProviderInfo.of(offer) for offer in certificates.ca_providers()]
