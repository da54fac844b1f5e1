"""Custom CAs and fallback CAs without issuance: what requests, the account's default order
and GraphQL's caName accept and refuse, and that one user's settings are theirs alone."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from tests.support.app import OfflineAcme, quiet_settings, running
from tests.support.graphql import data_of, gql
from tests.support.rest import assert_error, user

URL = "/api/v1/certificates.php"
FALLBACK = "/api/v1/account.php?action=ca-fallback"
Headers = dict[str, str]
CORP = {"CASP_CUSTOM_CAS": "corp,strict", "CASP_CA_CORP_DIRECTORY": "https://ca.corp.test/dir",
        "CASP_CA_CORP_NAME": "Corp CA", "CASP_CA_STRICT_DIRECTORY": "https://s.test/dir",
        "CASP_CA_STRICT_EAB": "required"}


@pytest.fixture
async def corp(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """casp with two custom CAs: corp (EAB optional) and strict (EAB required)."""
    custom = dataclasses.replace(settings, custom_cas=Settings.from_env(CORP).custom_cas)
    async with running(quiet_settings(custom), clock, acme=OfflineAcme()) as c:
        yield c


@pytest.fixture
async def me(corp: httpx.AsyncClient) -> Headers:
    return await user(corp, "user@example.com", "example.com")


def field_error(response: httpx.Response, field: str) -> str:
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in error["details"]["fields"], error
    return str(error["details"]["fields"][field])


async def post(client: httpx.AsyncClient, headers: Headers, **body: Any) -> httpx.Response:
    return await client.post(URL, headers=headers, json={"domains": ["example.com"], **body})


async def test_a_custom_ca_is_requested_listed_and_filtered(corp: httpx.AsyncClient,
                                                            me: Headers):
    r = await post(corp, me, ca_provider="corp")
    assert r.status_code == 201, r.text
    assert r.json()["data"]["ca_provider"] == "corp"
    listed = (await corp.get(URL, params={"ca_provider": "corp"}, headers=me)).json()["data"]
    assert listed["total"] == 1
    message = field_error(await post(corp, me, ca_provider="Corp"), "ca_provider")
    assert "letsencrypt" in message and "corp" in message and "strict" in message


async def test_a_custom_ca_that_requires_eab_is_refused_without(corp: httpx.AsyncClient,
                                                              me: Headers):
    message = field_error(await post(corp, me, ca_provider="strict"), "ca_provider")
    assert "External Account Binding" in message and "CASP_EAB_STRICT_KID" in message
    r = await corp.post("/api/v1/account.php?action=set-eab", headers=me, json={
        "ca_provider": "strict", "eab_kid": "kid-1",
        "eab_hmac_key": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"})
    assert r.status_code == 200 and r.json()["data"]["ca_provider"] == "strict"
    assert (await post(corp, me, ca_provider="strict")).status_code == 201


async def test_request_fallbacks_are_checked(corp: httpx.AsyncClient, me: Headers):
    for bad, said in ((["digicert"], "must be one of"), (["strict"], "External Account"),
                      (["buypass"], "Buypass stopped")):
        message = field_error(await post(corp, me, ca_provider="corp",
                                         fallback_ca_providers=bad), "fallback_ca_providers")
        assert said in message, message
    r = await post(corp, me, ca_provider="corp",
                   fallback_ca_providers=["letsencrypt", "corp", "letsencrypt", "zerossl"])
    assert r.status_code == 201, r.text
    # the CA requested is not its own fallback, and each CA counts once
    assert r.json()["data"]["fallback_ca_providers"] == ["letsencrypt", "zerossl"]


async def test_the_default_order_is_the_users_own(corp: httpx.AsyncClient, me: Headers):
    assert (await corp.get(FALLBACK, headers=me)).json()["data"] == {
        "fallback_ca_providers": []}
    r = await corp.post(FALLBACK, headers=me,
                        json={"fallback_ca_providers": ["corp", "letsencrypt", "strict"]})
    assert r.json()["data"] == {"fallback_ca_providers": ["corp", "letsencrypt", "strict"]}
    # the request takes it, less the CA asked for and a CA without EAB credentials
    made = (await post(corp, me, ca_provider="zerossl")).json()
    assert made["data"]["fallback_ca_providers"] == ["corp", "letsencrypt"], made
    none = (await post(corp, me, ca_provider="zerossl", fallback_ca_providers=[])).json()
    assert none["data"]["fallback_ca_providers"] == []

    other = await user(corp, "other@example.com", "example.org")
    assert (await corp.get(FALLBACK, headers=other)).json()["data"] == {
        "fallback_ca_providers": []}
    for bad in (["nope"], "corp" * 10, [f"ca{i}" for i in range(30)]):
        field_error(await corp.post(FALLBACK, headers=me, json={"fallback_ca_providers": bad}),
                    "fallback_ca_providers")
    field_error(await corp.post(FALLBACK, headers=me, json={}), "fallback_ca_providers")


async def test_graphql_names_a_custom_ca_with_ca_name(corp: httpx.AsyncClient, me: Headers):
    token = me["Authorization"].removeprefix("Bearer ")
    request = ("mutation($ca: CaProvider, $n: String, $f: [String!]) { requestCertificate("
               "domains: [\"example.com\"], caProvider: $ca, caName: $n, "
               "fallbackCaProviders: $f) { caProvider caName fallbackCaProviders } }")
    made = data_of(await gql(corp, request, token, n="corp", f=["letsencrypt"]))
    assert made["requestCertificate"] == {"caProvider": "CUSTOM", "caName": "corp",
                                          "fallbackCaProviders": ["letsencrypt"]}
    for variables, field, said in (
            ({"ca": "CUSTOM"}, "caName", "caName is required with caProvider CUSTOM"),
            ({"ca": "ZEROSSL", "n": "corp"}, "caName", "name different CAs"),
            ({"n": "nope"}, "caName", "caName must be one of"),
            ({}, "caProvider", "caProvider is required"),
            ({"n": "corp", "f": ["nope"]}, "fallbackCaProviders", "must be one of")):
        result = await gql(corp, request, token, **variables)
        error = result["errors"][0]
        assert error["extensions"]["code"] == "VALIDATION_ERROR", result
        assert field in error["extensions"]["fields"], result
        assert said in error["message"], error["message"]

    order = data_of(await gql(corp, "mutation { setFallbackCaProviders(caNames: [\"corp\", "
                                    "\"google\"]) }", token))["setFallbackCaProviders"]
    assert order == ["corp", "google"]
    assert data_of(await gql(corp, "{ fallbackCaProviders }", token)) == {
        "fallbackCaProviders": ["corp", "google"]}
    listed = data_of(await gql(corp, "{ certificates(caName: \"corp\") { total } }", token))
    assert listed["certificates"]["total"] == 1
