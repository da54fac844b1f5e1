"""eabCredentials: the CAs a user stored EAB credentials for, with the key id only (the
HMAC key is never shown); each user sees their own."""

from __future__ import annotations

import base64

from tests.support.graphql import code_of, data_of, gql
from tests.support.rest import user

HMAC = base64.urlsafe_b64encode(b"k" * 32).decode().rstrip("=")
SET = """mutation($kid: String!, $key: String!) { setEabCredentials(caProvider: GOOGLE,
  eabKid: $kid, eabHmacKey: $key) { caName eabKid } }"""
LIST = "{ eabCredentials { caProvider caName eabKid } }"


async def test_stored_credentials_are_listed_without_their_key(app):
    token = (await user(app))["Authorization"].split()[1]
    other = (await user(app, "other@example.com"))["Authorization"].split()[1]
    assert data_of(await gql(app, LIST, token)) == {"eabCredentials": []}
    data_of(await gql(app, SET, token, kid="kid-1", key=HMAC))
    data_of(await gql(app, SET, token, kid="kid-2", key=HMAC))  # replaces the first
    listed = await gql(app, LIST, token)
    assert data_of(listed) == {"eabCredentials": [
        {"caProvider": "GOOGLE", "caName": "google", "eabKid": "kid-2"}]}
    assert HMAC not in str(listed)
    assert data_of(await gql(app, LIST, other)) == {"eabCredentials": []}
    assert code_of(await gql(app, LIST)) == "UNAUTHORIZED"
