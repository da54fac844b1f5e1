"""GraphQL enums; their values are the REST v1 strings, so both APIs share one vocabulary."""

from __future__ import annotations

import re
from enum import Enum

import strawberry

from app.acme.registry import CHALLENGE_TYPES, KEY_TYPES, REGISTRY
from app.services.bundles import FORMATS
from app.services.certificates import REASONS, STATUSES
from app.services.notifications import TYPES


def _enum(name: str, values: tuple[str, ...] | list[str], description: str) -> type[Enum]:
    # "http-01" -> HTTP_01, "keyCompromise" -> KEY_COMPROMISE, "renewal_failed" -> RENEWAL_FAILED
    members = {re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", v).replace("-", "_").upper(): v
               for v in values}
    return strawberry.enum(Enum(name, members), description=description)  # type: ignore[return-value]


CertificateStatus = _enum("CertificateStatus", STATUSES, "A certificate's status")
CaProvider = _enum("CaProvider", list(REGISTRY), "A certificate authority casp knows")
ChallengeType = _enum("ChallengeType", CHALLENGE_TYPES, "How the CA validates a name")
KeyType = _enum("KeyType", KEY_TYPES, "The certificate key's algorithm and size")
NotificationType = _enum("NotificationType", TYPES, "What a notification is about")
DownloadFormat = _enum("DownloadFormat", FORMATS, "A download's format")
RevocationReason = _enum("RevocationReason", list(REASONS), "RFC 5280 revocation reasons")


def value(member: Enum | None) -> str | None:
    """An enum argument as the service expects it (the REST string)."""
    return None if member is None else str(member.value)
