"""ACME profiles at request time, through both doors, against CA directories served on
loopback (a directory is all a request reads; tests/acme/test_profiles.py orders from
Pebble): the CA's list checked, the profile stored and shown, each CA's profiles listed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import jsonschema
import pytest

from app.config import Settings
from tests.support.app import make_settings, quiet_settings, running
from tests.support.graphql import data_of, error_of, gql
from tests.support.net import free_port
from tests.support.profiles import LETSENCRYPT, DirectoryStub
from tests.support.rest import assert_error, request, resolved, response_schema, spec, user

URL = "/api/v1/certificates.php"
NAMES = ("classic", "shortlived", "tlsserver")


@pytest.fixture
def directories() -> Iterator[tuple[DirectoryStub, DirectoryStub]]:
    """One directory with Let's Encrypt's profiles, one without any."""
    with DirectoryStub({"profiles": LETSENCRYPT}) as offering, DirectoryStub() as plain:
        yield offering, plain


@pytest.fixture
def settings(tmp_path: Path, directories: tuple[DirectoryStub, DirectoryStub]) -> Settings:
    """letsencrypt offers profiles, zerossl's directory cannot be reached, the others offer
    none."""
    offering, plain = directories
    nowhere = f"http://127.0.0.1:{free_port()}/directory"
    return quiet_settings(make_settings(tmp_path / "data", ca_directories={
        "letsencrypt": offering.directory_url, "zerossl": nowhere,
        "litessl": plain.directory_url, "buypass": plain.directory_url,
        "google": plain.directory_url, "sslcom": plain.directory_url}))


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(settings) as c:  # the real ACME client, reading the directories
        yield c


@pytest.fixture
async def me(client: httpx.AsyncClient) -> dict[str, str]:
    return await user(client, "user@example.com", "example.com")


async def test_a_profile_the_ca_offers_is_stored_and_shown(client: httpx.AsyncClient,
                                                           me: dict[str, str]):
    data = await request(client, me, "a.example.com", profile="shortlived")
    assert data["profile"] == "shortlived"
    shown = (await client.get(URL, headers=me, params={"id": data["id"]})).json()["data"]
    assert shown["profile"] == "shortlived"
    listed = (await client.get(URL, headers=me)).json()["data"]["certificates"]
    assert [c["profile"] for c in listed] == ["shortlived"]


async def test_without_a_profile_the_ca_chooses(client: httpx.AsyncClient, me: dict[str, str]):
    assert (await request(client, me, "a.example.com"))["profile"] is None
    assert (await request(client, me, "b.example.com", profile=""))["profile"] is None


async def test_an_unknown_profile_is_refused_naming_the_cas_profiles(
        client: httpx.AsyncClient, me: dict[str, str]):
    r = await client.post(URL, headers=me, json={
        "ca_provider": "letsencrypt", "domains": ["a.example.com"], "profile": "sixday"})
    error = assert_error(r, 400, "VALIDATION_ERROR")
    assert error["details"]["fields"]["profile"] == error["message"] == (
        "profile must be one of Let's Encrypt's profiles: classic, shortlived, tlsserver")
    assert error["details"]["profiles"] == list(NAMES)
    assert (await client.get(URL, headers=me)).json()["data"]["total"] == 0


async def test_a_profile_for_a_ca_without_profiles_is_refused(client: httpx.AsyncClient,
                                                              me: dict[str, str]):
    r = await client.post(URL, headers=me, json={
        "ca_provider": "google", "domains": ["a.example.com"], "profile": "shortlived"})
    error = assert_error(r, 400, "VALIDATION_ERROR")
    assert error["details"]["fields"]["profile"] == (
        "Google Trust Services offers no profiles; leave profile out")


@pytest.mark.parametrize("bad", ["short lived", "x" * 65, "-x", "é", "a/b"])
async def test_a_malformed_profile_is_refused(client: httpx.AsyncClient, me: dict[str, str],
                                              bad: str):
    r = await client.post(URL, headers=me, data={
        "ca_provider": "letsencrypt", "domains": "a.example.com", "profile": bad})
    error = assert_error(r, 400, "VALIDATION_ERROR")
    assert "profile" in error["details"]["fields"], error


@pytest.mark.parametrize("bad", [5, ["shortlived"], True, {"name": "shortlived"}])
async def test_a_profile_that_is_not_a_string_is_refused(client: httpx.AsyncClient,
                                                         me: dict[str, str], bad: object):
    r = await client.post(URL, headers=me, json={
        "ca_provider": "letsencrypt", "domains": ["a.example.com"], "profile": bad})
    error = assert_error(r, 400, "VALIDATION_ERROR")
    assert "profile" in error["details"]["fields"], error


async def test_a_profile_is_let_through_when_the_directory_cannot_be_read(
        client: httpx.AsyncClient, me: dict[str, str]):
    """zerossl here: the order, retried through the outage, gets the CA's answer."""
    data = await request(client, me, "a.example.com", ca_provider="zerossl",
                         profile="shortlived")
    assert data["profile"] == "shortlived"


async def test_ca_providers_list_each_cas_profiles(client: httpx.AsyncClient):
    r = await client.get(URL, params={"action": "ca-providers"})  # no token needed
    assert r.status_code == 200, r.text
    cas = {ca["name"]: ca for ca in r.json()["data"]["ca_providers"]}
    assert cas["letsencrypt"]["profiles"] == [
        {"name": name, "description": LETSENCRYPT[name]} for name in NAMES]
    assert cas["google"]["profiles"] == [] and cas["zerossl"]["profiles"] is None
    assert cas["letsencrypt"]["title"] == "Let's Encrypt" and cas["google"]["eab_required"]
    alias = await client.get("/api/v1/ca-providers")
    assert alias.json()["data"] == r.json()["data"]


# GraphQL: the same rules, in its words

REQUEST = """mutation($p: String) { requestCertificate(domains: ["a.example.com"],
    caProvider: LETSENCRYPT, profile: $p) { id profile } }"""


async def test_graphql_request_with_a_profile_and_the_certificate_shows_it(
        client: httpx.AsyncClient, me: dict[str, str]):
    token = me["Authorization"].removeprefix("Bearer ")
    made = data_of(await gql(client, REQUEST, token, p="tlsserver"))["requestCertificate"]
    assert made["profile"] == "tlsserver"
    shown = data_of(await gql(client, "query($id: Int!) { certificate(id: $id) { profile } }",
                              token, id=made["id"]))
    assert shown["certificate"]["profile"] == "tlsserver"


async def test_graphql_refuses_an_unknown_profile(client: httpx.AsyncClient,
                                                  me: dict[str, str]):
    token = me["Authorization"].removeprefix("Bearer ")
    error = error_of(await gql(client, REQUEST, token, p="sixday"))
    assert error["extensions"]["code"] == "VALIDATION_ERROR"
    assert error["extensions"]["fields"] == {"profile": error["message"]}
    assert error["extensions"]["profiles"] == list(NAMES)
    assert error["message"] == (
        "profile must be one of Let's Encrypt's profiles: classic, shortlived, tlsserver")


async def test_graphql_ca_providers_profiles(client: httpx.AsyncClient):
    found = data_of(await gql(client, "{ caProviders { name profiles { name description } } }"))
    cas = {ca["name"]: ca["profiles"] for ca in found["caProviders"]}
    assert cas["LETSENCRYPT"] == [{"name": n, "description": LETSENCRYPT[n]} for n in NAMES]
    assert cas["GOOGLE"] == [] and cas["ZEROSSL"] is None


async def test_graphql_ca_providers_read_no_directory_unless_profiles_are_asked_for(
        client: httpx.AsyncClient, directories: tuple[DirectoryStub, DirectoryStub]):
    found = data_of(await gql(client, "{ caProviders { name title } }"))
    assert len(found["caProviders"]) == 6
    assert [d.reads for d in directories] == [0, 0]


async def test_the_directory_is_read_once_for_many_requests(
        client: httpx.AsyncClient, me: dict[str, str],
        directories: tuple[DirectoryStub, DirectoryStub]):
    """meta.profiles comes from the cached directory, as the rest of it does."""
    for name in ("a", "b", "c"):
        await request(client, me, f"{name}.example.com", profile="classic")
    await client.get(URL, params={"action": "ca-providers"})
    assert directories[0].reads == 1


async def test_answers_match_the_openapi_document(client: httpx.AsyncClient,
                                                  me: dict[str, str]):
    doc = await spec(client)
    body = resolved(doc, doc["paths"]["/api/v1/certificates"]["post"]["requestBody"][
        "content"]["application/json"]["schema"])
    assert body["properties"]["profile"]["maxLength"] == 64
    made = await client.post(URL, headers=me, json={
        "ca_provider": "letsencrypt", "domains": ["a.example.com"], "profile": "classic"})
    listed = await client.get("/api/v1/ca-providers")
    for path, method, response in (("/api/v1/certificates", "post", made),
                                   ("/api/v1/ca-providers", "get", listed)):
        jsonschema.validate(response.json(),
                            response_schema(doc, path, method, response.status_code))
    detail = resolved(doc, {"$ref": "#/components/schemas/CertificateDetail"})
    assert detail["properties"]["profile"] == {"type": ["string", "null"]}
