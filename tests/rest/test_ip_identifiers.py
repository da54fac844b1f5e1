"""IP addresses (RFC 8738) as domains and certificate names, without issuance: normalised,
http-01 only, public only unless the operator allows others, held like names."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.rest import assert_error, bearer, login, register

DOMAINS = "/api/v1/domains.php"
CERTS = "/api/v1/certificates.php"
V4, V6 = "8.8.8.8", "2001:4860:4860::8888"
Headers = dict[str, str]


async def signed_up(client: httpx.AsyncClient, email: str = "user@example.com") -> Headers:
    await register(client, email)
    return bearer(await login(client, email))


@pytest.fixture
async def me(quiet: httpx.AsyncClient) -> Headers:
    return await signed_up(quiet)


async def add_ip(client: httpx.AsyncClient, headers: Headers, typed: str) -> dict[str, Any]:
    r = await client.post(DOMAINS, headers=headers,
                          json={"domain": typed, "verification_method": "http-01"})
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


def field_error(response: httpx.Response, field: str) -> str:
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert list(error["details"]["fields"]) == [field], error
    return str(error["details"]["fields"][field])


@pytest.mark.parametrize(("typed", "stored"), [
    (V4, V4), (" 8.8.8.8 ", V4), (V6, V6), (f"[{V6}]", V6),
    ("2001:4860:4860:0:0:0:0:8888", V6), ("2001:4860:4860::8888".upper(), V6),
])
async def test_an_ip_address_is_added_with_http01_in_its_compressed_form(
        quiet: httpx.AsyncClient, me: Headers, typed: str, stored: str):
    data = await add_ip(quiet, me, typed)
    assert data["domain"] == stored
    assert data["verification_method"] == "http-01"
    assert data["ownership"]["status"] == "held"
    shown = "[2001:4860:4860::8888]" if ":" in stored else stored
    assert f"http://{shown}/.well-known/acme-challenge/" in data["instructions"]["how"]


@pytest.mark.parametrize("method", [None, "dns-01"])
async def test_an_ip_address_is_not_added_for_dns01(quiet: httpx.AsyncClient, me: Headers,
                                                     method: str | None):
    body = {"domain": V4} | ({"verification_method": method} if method else {})
    message = field_error(await quiet.post(DOMAINS, headers=me, json=body),
                          "verification_method")
    assert message == ("8.8.8.8: IP addresses can only be validated with http-01; set "
                       "verification_method to http-01")
    assert (await quiet.get(DOMAINS, headers=me)).json()["data"]["total"] == 0


@pytest.mark.parametrize("typed", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.0.1",
                                   "192.0.2.1", "::1", "[::1]", "fe80::1", "fd00::1",
                                   "2001:db8::1"])
async def test_an_address_that_is_not_public_is_refused_by_default(
        quiet: httpx.AsyncClient, me: Headers, typed: str):
    r = await quiet.post(DOMAINS, headers=me,
                         json={"domain": typed, "verification_method": "http-01"})
    assert "is a private, loopback, link-local or reserved address" in field_error(r, "domain")


@pytest.mark.parametrize(("typed", "says"), [
    ("1.2.3", "is not a valid IPv4 or IPv6 address"),
    ("::g", "is not a valid IPv4 or IPv6 address"),
    ("1.2.3.256", "is not a valid IPv4 or IPv6 address"),
    ("[8.8.8.8]", "is not a valid IPv4 or IPv6 address"),
    ("fe80::1%eth0", "is not a valid IPv4 or IPv6 address"),
    ("::ffff:8.8.8.8", "write the IPv4 address 8.8.8.8"),
    ("0.0.0.0", "not an address a CA can validate"),  # noqa: S104 (typed, not bound)
    ("ff02::1", "not an address a CA can validate"),
    ("*.8.8.8.8", "a wildcard cannot cover an IP address"),
])
async def test_a_malformed_address_is_refused(quiet: httpx.AsyncClient, me: Headers,
                                              typed: str, says: str):
    r = await quiet.post(DOMAINS, headers=me,
                         json={"domain": typed, "verification_method": "http-01"})
    assert says in field_error(r, "domain")


async def test_a_certificate_for_an_ip_address_with_http01(quiet: httpx.AsyncClient,
                                                         me: Headers):
    await add_ip(quiet, me, V4)
    await add_ip(quiet, me, V6)
    r = await quiet.post(CERTS, headers=me, json={
        "ca_provider": "letsencrypt", "challenge_type": "http-01",
        "domains": ["8.8.8.8", f"[{V6}]", "2001:4860:4860:0::8888"]})
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["domains"] == [V4, V6]  # normalised, the repeat folded
    listed = (await quiet.get(CERTS, headers=me, params={"search": V4})).json()["data"]
    assert [c["id"] for c in listed["certificates"]] == [data["id"]]


@pytest.mark.parametrize("challenge", [None, "dns-01"])
async def test_a_certificate_for_an_ip_address_needs_http01(quiet: httpx.AsyncClient,
                                                          me: Headers, challenge: str | None):
    await add_ip(quiet, me, V4)
    body: dict[str, Any] = {"ca_provider": "letsencrypt", "domains": [V4]}
    if challenge:
        body["challenge_type"] = challenge
    message = field_error(await quiet.post(CERTS, headers=me, json=body), "domains")
    assert message == ("8.8.8.8: IP addresses can only be validated with http-01; set "
                       "challenge_type to http-01")


async def test_an_ip_address_and_a_wildcard_cannot_share_a_certificate(
        quiet: httpx.AsyncClient, me: Headers):
    await add_ip(quiet, me, V4)
    await quiet.post(DOMAINS, headers=me, json={"domain": "example.com"})
    says = {"dns-01": "8.8.8.8: IP addresses can only be validated with http-01",
            "http-01": "*.example.com: wildcard names need challenge_type dns-01"}
    for challenge, message in says.items():
        r = await quiet.post(CERTS, headers=me, json={
            "ca_provider": "letsencrypt", "challenge_type": challenge,
            "domains": ["*.example.com", V4]})
        assert field_error(r, "domains").startswith(message)
    assert (await quiet.get(CERTS, headers=me)).json()["data"]["total"] == 0


@pytest.mark.parametrize(("typed", "says"), [
    ("1.2.3", "is not a valid IPv4 or IPv6 address"),
    ("127.0.0.1", "is a private, loopback, link-local or reserved address"),
    ("*.8.8.8.8", "a wildcard cannot cover an IP address"),
    ("8.8.4.4", "is not one of your domains"),
])
async def test_a_bad_address_in_a_certificate_request(quiet: httpx.AsyncClient, me: Headers,
                                                      typed: str, says: str):
    await add_ip(quiet, me, V4)
    r = await quiet.post(CERTS, headers=me, json={
        "ca_provider": "letsencrypt", "challenge_type": "http-01", "domains": [V4, typed]})
    assert says in field_error(r, "domains")


async def test_a_domain_does_not_cover_an_address_nor_an_address_another(
        quiet: httpx.AsyncClient, me: Headers):
    await add_ip(quiet, me, "1.2.3.4")
    r = await quiet.post(CERTS, headers=me, json={
        "ca_provider": "letsencrypt", "challenge_type": "http-01", "domains": ["11.2.3.4"]})
    assert "is not one of your domains" in field_error(r, "domains")


async def test_an_address_another_user_holds(quiet: httpx.AsyncClient, me: Headers):
    """Held like a name: the second user to add it waits (pending) and gets no http-01."""
    await add_ip(quiet, me, V4)
    other = await signed_up(quiet, "other@example.com")
    theirs = await add_ip(quiet, other, V4)
    assert theirs["ownership"]["status"] == "pending"
    record = theirs["ownership"]["record"]
    assert record["type"] == "TXT"
    assert record["name"] == "_casp-verify.8.8.8.8.in-addr.arpa"  # the reverse zone speaks
    r = await quiet.post(CERTS, headers=other, json={
        "ca_provider": "letsencrypt", "challenge_type": "http-01", "domains": [V4]})
    message = field_error(r, "domains")
    assert message.startswith("8.8.8.8 is held by another user of this casp")
    assert f"create the TXT record {record['name']} with the value {record['value']}" in message
    # and the first user's address stays theirs: the other cannot see it
    mine = (await quiet.get(DOMAINS, headers=me)).json()["data"]["domains"][0]
    r = await quiet.get(DOMAINS, headers=other, params={"id": mine["id"]})
    assert_error(r, 404, "NOT_FOUND")


async def test_an_ipv6_proof_record_sits_in_ip6_arpa(quiet: httpx.AsyncClient, me: Headers):
    data = await add_ip(quiet, me, V6)
    assert data["ownership"]["record"]["name"] == (
        "_casp-verify.8.8.8.8." + "0." * 16 + "0.6.8.4.0.6.8.4.1.0.0.2.ip6.arpa")
