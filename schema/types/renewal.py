"""renewal.php's figures and the CA list."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import strawberry

from app.services.certificates import profiles, renewal_stats
from app.services.certificates.cas import CA, KEY_TYPES
from app.services.certificates.records import CaOffer
from schema.types.enums import CaProvider, ChallengeType, KeyType, ca_enum


@strawberry.type(description="Renewal counts")
class RenewalCounts:
    successful_renewals: int = strawberry.field(
        description="Renewals that succeeded, all time (kept after a certificate is deleted)")
    pending_renewals: int = strawberry.field(
        description="Certificates with autoRenew whose renewal is due now or running")
    failed_renewals: int = strawberry.field(
        description="Renewal attempts that failed, all time")


@strawberry.type(description="The renewal counts of one CA")
class CaRenewalStats(RenewalCounts):
    ca_provider: CaProvider = strawberry.field(
        description="The CA they count (CUSTOM: an operator's CA, named in caName)")
    ca_name: str = strawberry.field(description="The CA they count, by name")


@strawberry.type(description="Your renewal figures (the same as REST's renewal.php)")
class RenewalStats(RenewalCounts):
    next_renewal_at: datetime | None = strawberry.field(
        description="The soonest planned renewal that is not due yet")
    expiring_within_30_days: int = strawberry.field(
        description="Issued certificates whose not-after is within 30 days")
    by_ca: list[CaRenewalStats] = strawberry.field(description="The counts of each CA used")

    @classmethod
    def of(cls, figures: renewal_stats.RenewalStats) -> RenewalStats:
        return cls(
            successful_renewals=figures.successful_renewals,
            pending_renewals=figures.pending_renewals, failed_renewals=figures.failed_renewals,
            next_renewal_at=figures.next_renewal_at,
            expiring_within_30_days=figures.expiring_within_30_days,
            by_ca=[CaRenewalStats(ca_provider=ca_enum(name), ca_name=name, **asdict(counts))
                   for name, counts in figures.by_ca.items()])


@strawberry.type(description="An ACME profile a CA offers (draft-ietf-acme-profiles)")
class CaProfile:
    name: str = strawberry.field(description="Its name, as requestCertificate's profile takes it")
    description: str = strawberry.field(description="What the CA says of it")


@strawberry.type(description="A CA casp can issue from, and what it offers")
class CaProviderInfo:
    ca: strawberry.Private[CA]
    name: CaProvider = strawberry.field(
        description="Its name, as caProvider arguments take it (CUSTOM: see caName)")
    ca_name: str = strawberry.field(description="Its name, as caName arguments take it")
    custom: bool = strawberry.field(
        description="Declared by this server's operator (CASP_CUSTOM_CAS)")
    eab: str = strawberry.field(description="External Account Binding: required, optional "
                                            "(sent when you set some) or none")
    title: str = strawberry.field(description="Its name for people")
    eab_required: bool = strawberry.field(
        description="Whether it needs External Account Binding (setEabCredentials)")
    key_types: list[KeyType] = strawberry.field(description="The key types it issues for")
    challenge_types: list[ChallengeType] = strawberry.field(
        description="The challenge types it validates")
    staging_directory: str | None = strawberry.field(
        description="Its test directory's URL, if it has one")
    renewal_info: bool = strawberry.field(description="Offers ACME Renewal Information")
    available: bool = strawberry.field(description="False when the CA stopped its service")
    note: str | None = strawberry.field(
        description="Why it is unavailable, and what to do instead (null when available)")

    @classmethod
    def of(cls, offer: CaOffer) -> CaProviderInfo:
        ca = offer.ca
        return cls(ca=ca, name=ca_enum(ca.name), ca_name=ca.name, custom=ca.custom,
                   eab=ca.eab_mode, title=ca.title, eab_required=ca.eab_required,
                   key_types=[KeyType(k) for k in KEY_TYPES],
                   challenge_types=[ChallengeType(c) for c in ca.challenge_types],
                   staging_directory=ca.staging, renewal_info=ca.ari,
                   available=offer.available, note=ca.discontinued)

    @strawberry.field(description="The profiles its directory offers, by name (empty when "
                                  "none); null when the directory cannot be read now")
    async def profiles(self) -> list[CaProfile] | None:
        found = await profiles.of_ca(self.ca)
        return None if found is None else [CaProfile(name=p.name, description=p.description)
                                           for p in found]
