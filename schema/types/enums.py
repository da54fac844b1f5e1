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
    PENDING = strawberry.enum_value(
        "pending", description="Requested; issuance (or a dns-01 wait) is under way: see `stage`")
    ISSUED = strawberry.enum_value(
        "issued", description="Issued and valid: the files can be downloaded")
    FAILED = strawberry.enum_value(
        "failed", description="Issuance failed for good: `lastError` holds the CA's problem")
    EXPIRED = strawberry.enum_value(
        "expired", description="Past its not-after date without a renewal")
    REVOKED = strawberry.enum_value(
        "revoked", description="Revoked at the CA: no longer trusted")


@strawberry.enum(description="The order of a certificate list")
class CertificateOrder(Enum):  # app.services.certificates.listing.ORDERS
    NEWEST = strawberry.enum_value("newest", description="Newest request first (the default)")
    EXPIRES_SOONEST = strawberry.enum_value(
        "expires", description="Soonest expiry first; those without an expiry (pending, "
                               "failed) last")


@strawberry.enum(description="Whether a domain's user holds its name")
class OwnershipStatus(Enum):  # app.services.domains.holders.OWNERSHIP
    HELD = strawberry.enum_value(
        "held", description="The user added the name first and holds it; no DNS proof yet")
    VERIFIED = strawberry.enum_value(
        "verified", description=(
            "The user proved the name theirs in DNS (TXT record or delegation CNAME)"))
    PENDING = strawberry.enum_value(
        "pending", description="Another user holds the name: prove it yours to take it over")


@strawberry.enum(description="A certificate authority casp knows")
class CaProvider(Enum):  # app.services.certificates.cas.REGISTRY
    LETSENCRYPT = strawberry.enum_value(
        "letsencrypt", description="Let's Encrypt: free, no account binding needed")
    ZEROSSL = strawberry.enum_value(
        "zerossl", description=(
            "ZeroSSL: needs External Account Binding (casp can obtain it from the account email)"))
    LITESSL = strawberry.enum_value(
        "litessl", description=(
            "LiteSSL (TrustAsia): needs External Account Binding (setEabCredentials, or the "
            "operator's CASP_EAB_* settings)"))
    BUYPASS = strawberry.enum_value(
        "buypass", description=(
            "Buypass Go SSL: stopped its free ACME service; usable only through a directory "
            "override"))
    GOOGLE = strawberry.enum_value(
        "google", description=(
            "Google Trust Services: needs External Account Binding (setEabCredentials, or the "
            "operator's CASP_EAB_* settings)"))
    SSLCOM = strawberry.enum_value(
        "sslcom", description=(
            "SSL.com: needs External Account Binding (setEabCredentials, or the operator's "
            "CASP_EAB_* settings)"))
    CUSTOM = strawberry.enum_value(
        "custom", description=(
            "A CA this server's operator declared (CASP_CUSTOM_CAS), which no enum value can "
            "name: its name is in caName (arguments take caName for it)"))


@strawberry.enum(description="How the CA validates a name")
class ChallengeType(Enum):  # app.services.certificates.cas.CHALLENGE_TYPES
    DNS_01 = strawberry.enum_value(
        "dns-01", description=(
            "A TXT record under _acme-challenge (through the delegation CNAME, or published by "
            "hand); the only type for wildcard names"))
    HTTP_01 = strawberry.enum_value(
        "http-01", description=(
            "A file casp serves at /.well-known/acme-challenge/ on port 80 of the name; only for "
            "names the user holds"))
    DNS_PERSIST_01 = strawberry.enum_value(
        "dns-persist-01", description=(
            "One lasting TXT record, _validation-persist.<name>, naming the CA and your ACME "
            "account with it: published once, checked (never written) by casp before each "
            "order; wildcards too. Only from a CA that offers it (caProviders' "
            "challengeTypes); not a domain's verificationMethod"))


@strawberry.enum(description="How a name is proved a user's: their TXT record, or the "
                             "delegation CNAME to their own label")
class OwnershipMethod(Enum):  # app.services.domains.holders.PROOFS
    TXT = strawberry.enum_value(
        "txt", description="The user's own TXT record, `_casp-verify.<name>`")
    CNAME = strawberry.enum_value(
        "cname", description=(
            "The delegation CNAME `_acme-challenge.<name>` pointing to the user's own label"))


@strawberry.enum(description="The certificate key's algorithm and size")
class KeyType(Enum):  # app.services.certificates.cas.KEY_TYPES
    EC_256 = strawberry.enum_value(
        "ec-256", description="ECDSA P-256 (the default)")
    EC_384 = strawberry.enum_value(
        "ec-384", description="ECDSA P-384")
    RSA_2048 = strawberry.enum_value(
        "rsa-2048", description="RSA, 2048 bits")
    RSA_3072 = strawberry.enum_value(
        "rsa-3072", description="RSA, 3072 bits")
    RSA_4096 = strawberry.enum_value(
        "rsa-4096", description="RSA, 4096 bits")


@strawberry.enum(description="What a notification is about")
class NotificationType(Enum):  # app.services.notifications.inbox.TYPES
    CERTIFICATE_ISSUED = strawberry.enum_value(
        "certificate_issued", description="A requested certificate was issued")
    ISSUANCE_FAILED = strawberry.enum_value(
        "issuance_failed", description="A request failed for good")
    RENEWAL_SUCCEEDED = strawberry.enum_value(
        "renewal_succeeded", description="A certificate was renewed")
    RENEWAL_FAILED = strawberry.enum_value(
        "renewal_failed", description="A renewal attempt failed (casp tries again)")
    EXPIRING = strawberry.enum_value(
        "expiring", description=(
            "An issued certificate nears its not-after date (sent at a few thresholds), or "
            "its dns-persist-01 record its persistUntil (sent once)"))
    EXPIRED = strawberry.enum_value(
        "expired", description="A certificate expired")
    REVOKED = strawberry.enum_value(
        "revoked", description="A certificate was revoked")
    DOMAIN_MOVED = strawberry.enum_value(
        "domain_moved", description="Another user proved a name of one of your domains theirs")
    DEPLOYMENT_FAILED = strawberry.enum_value(
        "deployment_failed", description="A certificate could not be deployed to a target")


@strawberry.enum(description="A download's format")
class DownloadFormat(Enum):  # app.services.certificates.downloads.FORMATS
    PEM = strawberry.enum_value(
        "pem", description="The leaf certificate, PEM (the default)")
    FULLCHAIN = strawberry.enum_value(
        "fullchain", description=(
            "The leaf followed by the intermediates, PEM: what most web servers want"))
    KEY = strawberry.enum_value(
        "key", description="The private key, PEM; only its owner can download it")
    PFX = strawberry.enum_value(
        "pfx", description="PKCS#12 with key, leaf and chain, protected by `password` if given")
    ZIP = strawberry.enum_value(
        "zip", description="A zip of cert.pem, chain.pem, fullchain.pem and privkey.pem")


@strawberry.enum(description="RFC 5280 revocation reasons")
class RevocationReason(Enum):  # app.services.certificates.records.REASONS
    UNSPECIFIED = strawberry.enum_value(
        "unspecified", description="No reason given (code 0, the default)")
    KEY_COMPROMISE = strawberry.enum_value(
        "keyCompromise", description="The private key was exposed (code 1)")
    AFFILIATION_CHANGED = strawberry.enum_value(
        "affiliationChanged", description="The subject's details changed (code 3)")
    SUPERSEDED = strawberry.enum_value(
        "superseded", description="Replaced by another certificate (code 4)")
    CESSATION_OF_OPERATION = strawberry.enum_value(
        "cessationOfOperation", description="The names are no longer in use (code 5)")


@strawberry.enum(description="What a certificate event reports a change of")
class CertificateChange(Enum):  # app.events.CHANGES
    STATUS = strawberry.enum_value("status", description="The certificate's status")
    STAGE = strawberry.enum_value("stage", description="Its progress inside pending, or "
                                                       "the last step it reached")
    LAST_ERROR = strawberry.enum_value("last_error", description="The CA's problem from "
                                       "the last attempt (set, replaced or cleared)")
    RENEW_AT = strawberry.enum_value("renew_at", description="When casp renews it "
                                     "(scheduled, moved, or cleared)")


def ca_enum(name: str) -> CaProvider:
    """A CA's name as the enum: its own value for the six, CUSTOM for the operator's."""
    try:
        return CaProvider(name)
    except ValueError:
        return CaProvider.CUSTOM


def value(member: Enum | None) -> str | None:
    """An enum argument as the service expects it (the REST string)."""
    return None if member is None else str(member.value)
