"""Why an authorization failed, as last_error says it (app/acme/issuer.py), with a fake
session: the end-to-end proof is tests/acme/test_interop.py against Pebble behind a proxy;
these add the paths a real CA does not easily take (the challenge cannot be read)."""

from __future__ import annotations

from typing import Any

from acme import challenges, messages

from app.acme import issuer
from app.acme.errors import AcmeUnavailable

URL = "https://ca.example/chall/1"
REFUSED = messages.Error(typ="urn:ietf:params:acme:error:connection",
                         detail="connection refused")


def challenge(error: messages.Error | None = None) -> messages.ChallengeBody:
    return messages.ChallengeBody(chall=challenges.HTTP01(token=b"t" * 32), uri=URL,
                                  status=messages.STATUS_INVALID, error=error)


def authorization(*challs: messages.ChallengeBody) -> messages.AuthorizationResource:
    return messages.AuthorizationResource(uri="https://ca.example/authz/1", body=(
        messages.Authorization(identifier=messages.Identifier(
            typ=messages.IDENTIFIER_FQDN, value="a.example"),
            status=messages.STATUS_INVALID, challenges=list(challs))))


class Session:
    """read_challenge answers `fresh`, or raises when it is an exception."""

    def __init__(self, fresh: messages.ChallengeBody | Exception):
        self.fresh, self.read = fresh, []  # type: ignore[var-annotated]

    async def read_challenge(self, url: str) -> messages.ChallengeBody:
        self.read.append(url)
        if isinstance(self.fresh, Exception):
            raise self.fresh
        return self.fresh


async def problem(session: Session, authz: messages.AuthorizationResource) -> dict[str, Any]:
    return await issuer._problem(session, authz, None)  # type: ignore[arg-type]


async def test_the_authorizations_own_error_needs_no_read():
    session = Session(AssertionError("not read"))
    got = await problem(session, authorization(challenge(REFUSED)))
    assert session.read == []
    assert got == {"type": "urn:ietf:params:acme:error:connection",
                   "detail": "connection refused", "identifier": "a.example",
                   "challenge": {"type": "http-01", "url": URL, "status": "invalid"}}


async def test_an_error_left_out_is_read_from_the_challenge():
    session = Session(challenge(REFUSED))
    got = await problem(session, authorization(challenge()))
    assert session.read == [URL]
    assert got["type"] == "urn:ietf:params:acme:error:connection"
    assert got["challenge"]["url"] == URL


async def test_a_challenge_that_cannot_be_read_is_still_named():
    got = await problem(Session(AcmeUnavailable("down")), authorization(challenge()))
    assert got["type"] == "casp:authorizationInvalid" and got["challenge"]["url"] == URL
    assert got["detail"] == (f"authorization for a.example is invalid: its http-01 challenge "
                             f"({URL}) is invalid and the CA gave no reason")


async def test_an_authorization_without_challenges():
    got = await problem(Session(AssertionError("not read")), authorization())
    assert got == {"type": "casp:authorizationInvalid", "identifier": "a.example",
                   "detail": "authorization for a.example is invalid and names no challenge"}
