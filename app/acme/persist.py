"""dns-persist-01 (draft-ietf-acme-dns-persist): the challenge as the `acme` library should
parse it, and the one TXT record that answers it for good.

The library knows no such type (it would read an UnrecognizedChallenge without a way to
answer it): registering it here gives the challenge its `issuer-domain-names` and an empty
`{}` response, like any challenge's."""

from __future__ import annotations

from typing import Any

import josepy as jose
from acme import challenges

TYPE = "dns-persist-01"
LABEL = "_validation-persist"


@challenges.ChallengeResponse.register
class DNSPersist01Response(challenges.ChallengeResponse):
    """The answer: an empty JSON object (the record is what the CA checks)."""

    typ = TYPE

    def __bool__(self) -> bool:
        # A fieldless josepy object has length 0, and the library sends a falsy body as a
        # POST-as-GET (an empty payload): that would read the challenge, never answer it.
        return True


@challenges.Challenge.register
class DNSPersist01(challenges.Challenge):
    """No token: the CA looks up `_validation-persist.<name>` for one of its issuer domain
    names and the account's URL."""

    typ = TYPE
    issuer_domain_names: tuple[str, ...] = jose.field(
        "issuer-domain-names", omitempty=True, default=(),
        decoder=lambda value: tuple(str(v) for v in value))

    def response(self, account_key: Any) -> DNSPersist01Response:
        return DNSPersist01Response()


def record_name(identifier: str) -> str:
    return f"{LABEL}.{identifier}"


def record_value(issuer: str, account_url: str, wildcard: bool) -> str:
    """`<issuer>; accounturi=<url>`, with `policy=wildcard` when a wildcard needs it (the
    draft's record covers the name and, with the policy, its subdomains too)."""
    value = f"{issuer}; accounturi={account_url}"
    return value + "; policy=wildcard" if wildcard else value
