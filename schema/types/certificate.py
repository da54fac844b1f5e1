"""Certificate types; history and domain records come through the request's DataLoaders."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

import strawberry
from strawberry.scalars import JSON
from strawberry.utils.str_converters import to_camel_case

from app.services.certificates.view import CertificateDetail, CertificateSummary
from app.services.domains import ownership as domains
from schema.context import Info
from schema.types.copy import copy, copy_list
from schema.types.domain import DnsRecord, Domain
from schema.types.enums import CaProvider, CertificateStatus, ChallengeType, KeyType, ca_enum


@strawberry.type(description="A certificate a renewal replaced")
class CertificateVersion:
    serial: str = strawberry.field(description="Its serial number, hexadecimal")
    issued_at: datetime = strawberry.field(description="Its not-before")
    expires_at: datetime = strawberry.field(description="Its not-after")
    replaced_at: datetime = strawberry.field(description="When the renewal replaced it")


@strawberry.type(description="A CA that an issuance or renewal left for the next of its "
                             "order (fallback), and why")
class CaAttempt:
    ca: str = strawberry.field(description="The CA's name (caName)")
    error: JSON = strawberry.field(description="Why: the CA's problem document (type, "
                                               "detail, ...)")
    at: datetime = strawberry.field(description="When it was left")


@strawberry.type(description="The time span in which the CA suggests renewing (RFC 9773)")
class RenewalWindow:
    start: datetime = strawberry.field(description="The window's start")
    end: datetime = strawberry.field(description="The window's end")


# The fields only the whole record has (GraphQL's names): a list asking none of them is read
# from the summary's columns, as REST's is.
DETAIL_ONLY = frozenset(to_camel_case(f.name) for f in fields(CertificateDetail)) - frozenset(
    to_camel_case(f.name) for f in fields(CertificateSummary))


_VIEW_FIELDS = tuple(f.name for f in fields(CertificateDetail) if f.name != "user_id")
E = TypeVar("E", bound=Enum)


def _member(enum: type[E], value: str) -> E:
    """enum(value) by its own value map first: Enum's call was a tenth of making a list."""
    found = enum._value2member_map_.get(value)
    return found if found is not None else enum(value)  # type: ignore[return-value]


@strawberry.type(description="A certificate request and, once issued, its certificate "
                             "(never its private key: see certificateDownload)")
class Certificate:
    view: strawberry.Private[CertificateSummary]
    id: int = strawberry.field(description="The certificate's id")
    domains: list[str] = strawberry.field(
        description="Its names, lower case, internationalised ones in punycode; the first "
                    "is the subject")
    ca_provider: CaProvider = strawberry.field(
        description="The CA that issued it (or is issuing it); CUSTOM for an operator's CA")
    ca_name: str = strawberry.field(
        description="The same CA by name, as caName arguments take it (any CA, custom too)")
    challenge_type: ChallengeType = strawberry.field(
        description="How the CA validates its names")
    key_type: KeyType = strawberry.field(description="Its key's algorithm and size")
    profile: str | None = strawberry.field(
        description="The CA's ACME profile it is issued under (null: the CA's default)")
    status: CertificateStatus = strawberry.field(description="Where it stands")
    stage: str = strawberry.field(
        description="The step inside PENDING (queued, key_ready, authorizing, awaiting_dns), "
                    "or the last step reached (done, failed, renewal_failed)")
    auto_renew: bool = strawberry.field(description="Renewed before expiry")
    issued_at: datetime | None = strawberry.field(description="The certificate's not-before")
    expires_at: datetime | None = strawberry.field(description="The certificate's not-after")
    serial: str | None = strawberry.field(description="Serial number, hexadecimal")
    fingerprint_sha256: str | None = strawberry.field(
        description="SHA-256 of the certificate's DER, colon-separated hex")
    issuer: str | None = strawberry.field(description="The issuer's distinguished name")
    last_error: JSON | None = strawberry.field(description="The CA's problem document")
    dns_records: list[DnsRecord] | None = strawberry.field(
        description="Manual dns-01, or dns-persist-01: the TXT records to publish")
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked (null unless REVOKED)")
    created_at: datetime = strawberry.field(description="When it was requested")
    certificate_pem: str | None = strawberry.field(description="The leaf certificate, PEM")
    chain_pem: str | None = strawberry.field(description="The intermediates, PEM")
    renew_at: datetime | None = strawberry.field(
        description="When casp renews it (null without autoRenew)")
    renewal_window: RenewalWindow | None = strawberry.field(
        description="The CA's suggested window (ACME Renewal Information), if it has one")
    fallback_ca_providers: list[str] | None = strawberry.field(
        description="The CAs (by name) tried in turn when the one requested fails for "
                    "reasons of its own")
    previous_attempts: list[CaAttempt] | None = strawberry.field(
        description="The CAs this issuance (or the last renewal) left for the next, oldest "
                    "first; caName is the one that issued")
    persist_until: datetime | None = strawberry.field(
        description="DNS_PERSIST_01: the persistUntil of the record the last order was "
                    "validated with, after which the CA refuses it (null: none, or another "
                    "challenge type)")

    @classmethod
    def of(cls, view: CertificateSummary) -> Certificate:
        """One to one from the service's view; the enums and nested types converted. From a
        summary (the list's, when the query asks none of DETAIL_ONLY) those fields are null."""
        same: dict[str, Any] = {name: getattr(view, name, None) for name in _VIEW_FIELDS}
        # Filled in place, not through the dataclass's __init__ (it has no __post_init__):
        # a list makes 20 of these per request, and keyword passing was a third of the cost.
        made = cls.__new__(cls)
        made.__dict__.update(same, view=view, ca_provider=ca_enum(view.ca_provider),
                             ca_name=view.ca_provider,
                             previous_attempts=copy_list(CaAttempt, same["previous_attempts"]),
                             challenge_type=_member(ChallengeType, view.challenge_type),
                             key_type=_member(KeyType, view.key_type),
                             status=_member(CertificateStatus, view.status),
                             dns_records=copy_list(DnsRecord, view.dns_records),
                             renewal_window=copy(RenewalWindow, same["renewal_window"]))
        return made

    @strawberry.field(description="Earlier versions that renewals replaced, newest first")
    async def history(self, info: Info) -> list[CertificateVersion]:
        versions = await info.context.loaders.versions.load(self.id)
        return copy_list(CertificateVersion, versions) or []

    @strawberry.field(description="The user's domains that cover this certificate's names")
    async def domain_records(self, info: Info) -> list[Domain]:
        owned = await info.context.loaders.domains_of_user.load(self.view.user_id)
        return [Domain.of(d) for d in domains.covering(owned, self.domains)]


@strawberry.type(description="One page of your certificates, newest first")
class CertificatePage:
    certificates: list[Certificate] = strawberry.field(description="This page's certificates")
    total: int = strawberry.field(description="How many match the filters, on all pages")
    page: int = strawberry.field(description="This page's number, from 1")
    per_page: int = strawberry.field(description="The page size asked for (20 by default)")
    pages: int = strawberry.field(description="How many pages there are (at least 1)")


@strawberry.type(description="The outcome of renewCertificate")
class RenewResult:
    certificate: Certificate = strawberry.field(description="The certificate as it is now")
    finished: bool = strawberry.field(
        description="True: renewed within the wait; false: the renewal still runs, watch "
                    "certificateEvents or query the certificate later")


@strawberry.type(description="A certificate file")
class Download:
    filename: str = strawberry.field(description="A file name for it, from the first domain")
    content_type: str = strawberry.field(
        description="Its media type: application/x-pem-file, application/x-pkcs12 or "
                    "application/zip")
    content_base64: str = strawberry.field(description="The file's bytes, base64")
