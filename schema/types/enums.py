"""GraphQL enums; their values are the REST v1 strings, so both APIs share one vocabulary.

Declared member by member (not generated from the vocabularies) so that type checkers see
real classes; tests/unit/test_graphql_enums.py checks each against the vocabulary it mirrors
(STATUSES, REGISTRY, ...) and the naming rule: "http-01" -> HTTP_01, "keyCompromise" ->
KEY_COMPROMISE, "renewal_failed" -> RENEWAL_FAILED.
"""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="A certificate's status")
class CertificateStatus(Enum):  # app.services.certificates.records.STATUSES
    PENDING = "pending"
    ISSUED = "issued"
    FAILED = "failed"
    EXPIRED = "expired"
    REVOKED = "revoked"


@strawberry.enum(description="Whether a domain's user holds its name")
class OwnershipStatus(Enum):  # app.services.domains.holders.OWNERSHIP
    HELD = "held"
    VERIFIED = "verified"
    PENDING = "pending"


@strawberry.enum(description="A certificate authority casp knows")
class CaProvider(Enum):  # app.services.certificates.cas.REGISTRY
    LETSENCRYPT = "letsencrypt"
    ZEROSSL = "zerossl"
    LITESSL = "litessl"
    BUYPASS = "buypass"
    GOOGLE = "google"
    SSLCOM = "sslcom"


@strawberry.enum(description="How the CA validates a name")
class ChallengeType(Enum):  # app.services.certificates.cas.CHALLENGE_TYPES
    DNS_01 = "dns-01"
    HTTP_01 = "http-01"


@strawberry.enum(description="How a name is proved a user's: their TXT record, or the "
                             "delegation CNAME to their own label")
class OwnershipMethod(Enum):  # app.services.domains.holders.PROOFS
    TXT = "txt"
    CNAME = "cname"


@strawberry.enum(description="The certificate key's algorithm and size")
class KeyType(Enum):  # app.services.certificates.cas.KEY_TYPES
    EC_256 = "ec-256"
    EC_384 = "ec-384"
    RSA_2048 = "rsa-2048"
    RSA_3072 = "rsa-3072"
    RSA_4096 = "rsa-4096"


@strawberry.enum(description="What a notification is about")
class NotificationType(Enum):  # app.services.notifications.inbox.TYPES
    CERTIFICATE_ISSUED = "certificate_issued"
    ISSUANCE_FAILED = "issuance_failed"
    RENEWAL_SUCCEEDED = "renewal_succeeded"
    RENEWAL_FAILED = "renewal_failed"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    REVOKED = "revoked"
    DOMAIN_MOVED = "domain_moved"


@strawberry.enum(description="A download's format")
class DownloadFormat(Enum):  # app.services.certificates.downloads.FORMATS
    PEM = "pem"
    FULLCHAIN = "fullchain"
    KEY = "key"
    PFX = "pfx"
    ZIP = "zip"


@strawberry.enum(description="RFC 5280 revocation reasons")
class RevocationReason(Enum):  # app.services.certificates.records.REASONS
    UNSPECIFIED = "unspecified"
    KEY_COMPROMISE = "keyCompromise"
    AFFILIATION_CHANGED = "affiliationChanged"
    SUPERSEDED = "superseded"
    CESSATION_OF_OPERATION = "cessationOfOperation"


@strawberry.enum(description="What a certificate event reports a change of")
class CertificateChange(Enum):  # app.events.CHANGES
    STATUS = strawberry.enum_value("status", description="The certificate's status")
    STAGE = strawberry.enum_value("stage", description="Its progress inside pending, or "
                                                       "the last step it reached")
    LAST_ERROR = strawberry.enum_value("last_error", description="The CA's problem from "
                                       "the last attempt (set, replaced or cleared)")
    RENEW_AT = strawberry.enum_value("renew_at", description="When casp renews it "
                                     "(scheduled, moved, or cleared)")


def value(member: Enum | None) -> str | None:
    """An enum argument as the service expects it (the REST string)."""
    return None if member is None else str(member.value)
