"""The GraphQL enums (declared member by member in schema/types/enums.py) are the REST
vocabularies they mirror, in the same order, named by one rule."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum

import pytest

from app.events import CHANGES
from app.services.certificates.cas import CHALLENGE_TYPES, KEY_TYPES, REGISTRY
from app.services.certificates.downloads import FORMATS
from app.services.certificates.records import REASONS, STATUSES
from app.services.domains.holders import OWNERSHIP, PROOFS
from app.services.notifications.inbox import TYPES
from schema.types import enums


def graphql_name(value: str) -> str:
    # "http-01" -> HTTP_01, "keyCompromise" -> KEY_COMPROMISE, "renewal_failed" -> RENEWAL_FAILED
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value).replace("-", "_").upper()


@pytest.mark.parametrize(("enum", "vocabulary"), [
    (enums.CertificateStatus, STATUSES),
    (enums.CaProvider, [*REGISTRY, "custom"]),  # CUSTOM: any CA the operator declared
    (enums.ChallengeType, CHALLENGE_TYPES),
    (enums.KeyType, KEY_TYPES),
    (enums.NotificationType, TYPES),
    (enums.DownloadFormat, FORMATS),
    (enums.RevocationReason, REASONS),
    (enums.OwnershipStatus, OWNERSHIP),
    (enums.OwnershipMethod, PROOFS),
    (enums.CertificateChange, CHANGES),
])
def test_enum_is_the_vocabulary(enum: type[Enum], vocabulary: Iterable[str]):
    expected = [(graphql_name(v), v) for v in vocabulary]
    assert [(m.name, m.value) for m in enum] == expected


def test_ca_enum_names_the_six_and_custom_for_the_rest():
    assert enums.ca_enum("zerossl") is enums.CaProvider.ZEROSSL
    assert enums.ca_enum("corp") is enums.CaProvider.CUSTOM


def test_value():
    assert enums.value(enums.ChallengeType.HTTP_01) == "http-01"
    assert enums.value(None) is None
