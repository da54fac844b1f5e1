"""Queries: everything REST v1 reads, through the same services."""

from __future__ import annotations

import base64
from typing import Annotated

import strawberry

from app.services import inputs
from app.services.accounts import users as accounts
from app.services.certificates import acme_accounts, downloads, fallback, renewal_stats
from app.services.certificates import records as certificates
from app.services.domains import ownership as domains
from app.services.notifications import inbox as notifications
from app.services.notifications import settings as notification_settings
from schema.context import Info
from schema.deployments import DeploymentQueries
from schema.dns_providers import DnsProviderQueries
from schema.mutation import EabCredentials
from schema.selection import asks_any
from schema.types.account import Account
from schema.types.certificate import DETAIL_ONLY, Certificate, CertificatePage, Download
from schema.types.domain import Domain, DomainList
from schema.types.enums import (
    CaProvider,
    CertificateOrder,
    CertificateStatus,
    DownloadFormat,
    value,
)
from schema.types.notification import Notification, NotificationPage, NotificationSettings
from schema.types.renewal import CaProviderInfo, RenewalStats

PAGE = strawberry.argument(description="The page number, from 1 (default 1)")
PER_PAGE = strawberry.argument(
    description=f"The page size, 1 to {inputs.MAX_PER_PAGE} (default 20)")
CERTIFICATE_ID = strawberry.argument(description="The certificate's id")


@strawberry.type(description="What you can read; every field but caProviders needs a bearer "
                             "token ('Authorization: Bearer <token>')")
class Query(DnsProviderQueries, DeploymentQueries):
    @strawberry.field(description="The account of the bearer token.")
    async def me(self, info: Info) -> Account:
        return Account.of(accounts.account_of(await info.context.user()))

    @strawberry.field(description="Your certificates, newest first (or as `order` says), a "
                                  "page at a time; each filter given narrows the list")
    async def certificates(
            self, info: Info,
            status: Annotated[CertificateStatus | None, strawberry.argument(
                description="Only certificates with this status")] = None,
            ca_provider: Annotated[CaProvider | None, strawberry.argument(
                description="Only certificates from this CA")] = None,
            ca_name: Annotated[str | None, strawberry.argument(
                description="Only certificates from this CA, by name (custom CAs too)")] = None,
            search: Annotated[str | None, strawberry.argument(
                description="Only certificates with a name containing this text (case "
                            f"insensitive; at most {certificates.MAX_SEARCH} characters)",
            )] = None,
            page: Annotated[int | None, PAGE] = None,
            per_page: Annotated[int | None, PER_PAGE] = None,
            order: Annotated[CertificateOrder | None, strawberry.argument(
                description="The list's order (default NEWEST)")] = None) -> CertificatePage:
        lister = (certificates.list_certificates if asks_any(info, "certificates", DETAIL_ONLY)
                  else certificates.list_summaries)  # the summary's columns are enough
        found = await lister(
            user=await info.context.user(), status=value(status),
            ca_provider=value(ca_provider), search=search, page=page, per_page=per_page,
            ca_name=ca_name, order=value(order))
        return CertificatePage(certificates=[Certificate.of(c) for c in found.items],
                               total=found.total, page=found.page, per_page=found.per_page,
                               pages=found.pages)

    @strawberry.field(description="One of your certificates (NOT_FOUND for anyone else's)")
    async def certificate(self, info: Info,
                          id: Annotated[int, CERTIFICATE_ID]) -> Certificate:
        return Certificate.of(await certificates.show_certificate(
            user=await info.context.user(), id=id))

    @strawberry.field(description="A file of an issued certificate, base64: the certificate, "
                                  "its chain, its private key, or all of them")
    async def certificate_download(
            self, info: Info, id: Annotated[int, CERTIFICATE_ID],
            format: Annotated[DownloadFormat | None, strawberry.argument(
                description="The file wanted (default PEM)")] = None,
            password: Annotated[str | None, strawberry.argument(
                description="PFX only: the password that protects the file (none if "
                            f"left out; at most {downloads.MAX_PFX_PASSWORD} characters)",
            )] = None) -> Download:
        file = await downloads.download(user=await info.context.user(), id=id,
                                      format=value(format), password=password)
        return Download(filename=file.filename, content_type=file.media_type,
                        content_base64=base64.b64encode(file.content).decode())

    @strawberry.field(description="All your domains, by name")
    async def domains(self, info: Info) -> DomainList:
        rows = await domains.list_domains(user=await info.context.user())
        return DomainList(domains=[Domain.of(d) for d in rows], total=len(rows))

    @strawberry.field(description="One of your domains (NOT_FOUND for anyone else's)")
    async def domain(self, info: Info, id: Annotated[int, strawberry.argument(
            description="The domain's id")]) -> Domain:
        return Domain.of(await domains.get_domain(user=await info.context.user(), id=id))

    @strawberry.field(description="Your renewal figures: successes, failures, what is due, "
                                  "per CA")
    async def renewal_stats(self, info: Info) -> RenewalStats:
        return RenewalStats.of(await renewal_stats.stats(user=await info.context.user()))

    @strawberry.field(description="Your notifications, newest first, a page at a time")
    async def notifications(
            self, info: Info,
            unread_only: Annotated[bool, strawberry.argument(
                description="Only the unread ones")] = False,
            page: Annotated[int | None, PAGE] = None,
            per_page: Annotated[int | None, PER_PAGE] = None) -> NotificationPage:
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

    @strawberry.field(description="Your default order of fallback CAs, by name (caName): "
                                  "requests without fallbackCaProviders take it")
    async def fallback_ca_providers(self, info: Info) -> list[str]:
        return await fallback.default_order(user=await info.context.user())

    @strawberry.field(description="The CAs you stored External Account Binding credentials "
                                  "for (setEabCredentials), by name; never the HMAC key")
    async def eab_credentials(self, info: Info) -> list[EabCredentials]:
        rows = await acme_accounts.list_eab(await info.context.user())
        return [EabCredentials.of(row.ca_provider, row.kid) for row in rows]

    @strawberry.field(description="The CAs casp can issue from (no token needed)")
    def ca_providers(self) -> list[CaProviderInfo]:
        return [CaProviderInfo.of(offer) for offer in certificates.ca_providers()]
