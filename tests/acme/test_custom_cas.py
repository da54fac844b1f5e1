"""Custom CAs (CASP_CUSTOM_CAS) beside the six, against two real Pebbles: one serving as
Let's Encrypt, the other as the operator's own CA "corp" (through ProfileProxy, which adds
meta.caaIdentities to its directory). One user gets certificates from both, through REST and
GraphQL; records say which CA issued; the CAA check takes the directory's caaIdentities."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from tests.support.acme import add_domain, casp_settings, request_cert, unique, user_token, wait_for
from tests.support.certs import verify_chain
from tests.support.dns import BindServer
from tests.support.graphql import data_of, gql
from tests.support.live import live_casp
from tests.support.net import free_port
from tests.support.pebble import PebbleFactory, PebbleServer
from tests.support.profiles import ProfileProxy
from tests.support.rest import assert_error, bearer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers

URL = "/api/v1/certificates.php"


@pytest.fixture(scope="module")
def corp_pebble(pebble_factory: PebbleFactory, port: int) -> PebbleServer:
    return pebble_factory(http_port=port)


@pytest.fixture
def corp(corp_pebble: PebbleServer) -> Iterator[ProfileProxy]:
    with ProfileProxy(corp_pebble, profiles={},
                      meta={"caaIdentities": ["ca.corp.example"]}) as proxy:
        yield proxy


def both_roots(tmp: Path, *pebbles: PebbleServer) -> str:
    """One CASP_ACME_CA_BUNDLE trusting each Pebble's TLS."""
    bundle = tmp / "bundle.pem"
    bundle.write_text("".join(Path(p.ca_bundle).read_text() for p in pebbles))
    return str(bundle)


def corp_env(directory: str, **more: str) -> dict[str, str]:
    return {"CASP_CUSTOM_CAS": "corp", "CASP_CA_CORP_DIRECTORY": directory,
            "CASP_CA_CORP_NAME": "Corp private CA", "CASP_CA_CORP_CAA": "corp.example",
            **more}


@pytest.fixture
def settings(tmp_path: Path, ca: PebbleServer, corp_pebble: PebbleServer, corp: ProfileProxy,
             bind_server: BindServer, port: int) -> Settings:
    base = casp_settings(tmp_path / "data", ca, bind_server, port)
    custom = Settings.from_env(corp_env(corp.directory_url)).custom_cas
    return dataclasses.replace(base, custom_cas=custom,
                               acme_ca_bundle=both_roots(tmp_path, ca, corp_pebble))


async def _issued(client: httpx.AsyncClient, token: str, ca_provider: str) -> dict[str, object]:
    name = unique("cc")
    await add_domain(client, token, name, "http-01")
    cert = await request_cert(client, token, domains=[name], challenge_type="http-01",
                              ca_provider=ca_provider)
    assert cert["ca_provider"] == ca_provider
    done = await wait_for(client, token, int(str(cert["id"])))
    assert done["status"] == "issued", done["last_error"]
    return done


async def test_a_custom_ca_beside_letsencrypt_for_one_user(
        settings: Settings, ca: PebbleServer, corp_pebble: PebbleServer, port: int):
    async with live_casp(settings, port) as client:
        offered = (await client.get(URL, params={"action": "ca-providers"})).json()["data"]
        names = [p["name"] for p in offered["ca_providers"]]
        assert names == ["letsencrypt", "zerossl", "litessl", "buypass", "google", "sslcom",
                         "corp"]
        mine = offered["ca_providers"][-1]
        assert mine["title"] == "Corp private CA" and mine["custom"] is True
        assert mine["eab"] == "optional" and mine["eab_required"] is False
        assert mine["available"] is True and mine["profiles"] == []

        token = await user_token(client)
        le = await _issued(client, token, "letsencrypt")
        own = await _issued(client, token, "corp")
        verify_chain(f"{le['certificate_pem']}{le['chain_pem']}", ca.roots_pem(),
                     list(le["domains"]))  # type: ignore[call-overload]
        verify_chain(f"{own['certificate_pem']}{own['chain_pem']}", corp_pebble.roots_pem(),
                     list(own["domains"]))  # type: ignore[call-overload]

        listed = (await client.get(URL, params={"ca_provider": "corp"},
                                   headers=bearer(token))).json()["data"]
        assert [c["id"] for c in listed["certificates"]] == [own["id"]]
        note = (await client.get("/api/v1/notifications.php",
                                 headers=bearer(token))).json()["data"]["notifications"][0]
        assert "was issued by corp" in note["message"]

        seen = data_of(await gql(client, "{ certificates { certificates { id caProvider "
                                         "caName } } }", token))["certificates"]["certificates"]
        assert {(c["caProvider"], c["caName"]) for c in seen} == {
            ("LETSENCRYPT", "letsencrypt"), ("CUSTOM", "corp")}


async def test_graphql_requests_a_custom_ca_by_name(settings: Settings, port: int):
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        name = unique("cg")
        await add_domain(client, token, name, "http-01")
        made = data_of(await gql(
            client, "mutation($d: [String!]!) { requestCertificate(domains: $d, caName: "
                    "\"corp\", challengeType: HTTP_01) { id caProvider caName } }", token,
            d=[name]))["requestCertificate"]
        assert (made["caProvider"], made["caName"]) == ("CUSTOM", "corp")
        done = await wait_for(client, token, made["id"])
        assert done["status"] == "issued" and done["ca_provider"] == "corp"

        cas = data_of(await gql(client, "{ caProviders { name caName custom eab } }"))
        assert cas["caProviders"][-1] == {"name": "CUSTOM", "caName": "corp", "custom": True,
                                          "eab": "optional"}


async def test_the_custom_ca_and_its_caa_identities(settings: Settings,
                                                   bind_server: BindServer, port: int):
    """A CAA record naming the identity the directory advertises permits the custom CA and
    blocks the six; without the directory's, the configured CAA names count."""
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        assert await _blocked(client, token, bind_server, "ca.corp.example") == [
            "letsencrypt", "zerossl", "litessl", "buypass", "google", "sslcom"]
        # The built-in name still permits Let's Encrypt, and nothing else of the seven
        assert "corp" in await _blocked(client, token, bind_server, "letsencrypt.org")


async def test_configured_caa_names_count_when_the_directory_has_none(
        settings: Settings, ca: PebbleServer, bind_server: BindServer, port: int):
    plain = Settings.from_env(corp_env(ca.directory_url)).custom_cas  # Pebble: no caaIdentities
    async with live_casp(dataclasses.replace(settings, custom_cas=plain), port) as client:
        token = await user_token(client)
        assert "corp" not in await _blocked(client, token, bind_server, "corp.example")
        assert "corp" in await _blocked(client, token, bind_server, "ca.corp.example")


async def _blocked(client: httpx.AsyncClient, token: str, bind: BindServer,
                   issuer: str) -> list[str]:
    """The CAs a CAA record `issue "<issuer>"` blocks, as domains.php?action=verify says."""
    name = unique("caa")
    bind.add_record(name, "CAA", f'0 issue "{issuer}"')
    domain = await add_domain(client, token, name, "http-01")
    r = await client.post("/api/v1/domains.php?action=verify", headers=bearer(token),
                          json={"id": domain["id"]})
    caa = r.json()["data"]["verification"]["caa"]
    assert caa["records"] == [f"issue {issuer}"]
    return list(caa["blocked"])


async def test_a_custom_ca_that_requires_eab_takes_each_users_credentials(
        tmp_path: Path, pebble_factory: PebbleFactory, ca: PebbleServer,
        bind_server: BindServer):
    """EAB per user for a custom CA: refused without credentials, issued once the user set
    the CA's (through GraphQL's setEabCredentials with caName)."""
    port = free_port()
    strict = pebble_factory(http_port=port, eab_required=True)
    base = casp_settings(tmp_path / "data", ca, bind_server, port)
    settings = dataclasses.replace(
        base, acme_ca_bundle=both_roots(tmp_path, ca, strict),
        custom_cas=Settings.from_env(corp_env(strict.directory_url,
                                              CASP_CA_CORP_EAB="required")).custom_cas)
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        name = unique("ce")
        await add_domain(client, token, name, "http-01")
        body = {"ca_provider": "corp", "domains": [name], "challenge_type": "http-01"}
        r = await client.post(URL, headers=bearer(token), json=body)
        error = assert_error(r, 400, "VALIDATION_ERROR")
        assert "Corp private CA requires External Account Binding" in error["message"]
        saved = data_of(await gql(
            client, "mutation($k: String!, $h: String!) { setEabCredentials(caName: \"corp\", "
                    "eabKid: $k, eabHmacKey: $h) { caProvider caName eabKid } }", token,
            k=strict.eab_kid, h=strict.eab_hmac_key))["setEabCredentials"]
        assert saved == {"caProvider": "CUSTOM", "caName": "corp", "eabKid": strict.eab_kid}
        cert = await request_cert(client, token, **body)
        done = await wait_for(client, token, cert["id"])
        assert done["status"] == "issued" and done["ca_provider"] == "corp", done["last_error"]
        verify_chain(f"{done['certificate_pem']}{done['chain_pem']}", strict.roots_pem(),
                     [name])
