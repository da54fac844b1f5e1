"""Fallback CAs against real Pebbles: a CA that cannot be reached (a closed port) or that
answers every newOrder with rateLimited (ProfileProxy in front of a Pebble) hands the request
to the next CA of its order, which issues; the record and the notification say why. A
failed validation does not fall back, and a renewal starts with the CA that issued last."""

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
from tests.support.pebble import PebbleServer
from tests.support.profiles import ProfileProxy
from tests.support.rest import bearer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers

URL = "/api/v1/certificates.php"
RATE_LIMITED = "urn:ietf:params:acme:error:rateLimited"


@pytest.fixture
def busy(ca: PebbleServer) -> Iterator[ProfileProxy]:
    """A CA that refuses every order: rate limited."""
    with ProfileProxy(ca, profiles={}, refuse_orders=RATE_LIMITED) as proxy:
        yield proxy


@pytest.fixture
def settings(tmp_path: Path, ca: PebbleServer, busy: ProfileProxy, bind_server: BindServer,
             port: int) -> Settings:
    base = casp_settings(tmp_path / "data", ca, bind_server, port)
    custom = Settings.from_env({
        "CASP_CUSTOM_CAS": "down,busy",
        "CASP_CA_DOWN_DIRECTORY": f"https://127.0.0.1:{free_port()}/dir",  # nobody listens
        "CASP_CA_BUSY_DIRECTORY": busy.directory_url}).custom_cas
    return dataclasses.replace(base, custom_cas=custom, fallback_after_seconds=0)


async def _requested(client: httpx.AsyncClient, token: str, ca_provider: str,
                     **body: object) -> dict[str, object]:
    name = unique("fb")
    await add_domain(client, token, name, "http-01")
    return await request_cert(client, token, domains=[name], challenge_type="http-01",
                              ca_provider=ca_provider, **body)


async def test_an_unreachable_ca_falls_back_to_the_next(settings: Settings, ca: PebbleServer,
                                                        port: int):
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        cert = await _requested(client, token, "down",
                                fallback_ca_providers=["letsencrypt"])
        assert cert["fallback_ca_providers"] == ["letsencrypt"]
        done = await wait_for(client, token, int(str(cert["id"])), within=90)
        assert done["status"] == "issued", done["last_error"]
        assert done["ca_provider"] == "letsencrypt"
        (left,) = done["previous_attempts"]
        assert left["ca"] == "down" and left["error"]["type"] == "casp:AcmeUnavailable"
        assert "cannot reach the CA" in left["error"]["detail"]
        verify_chain(f"{done['certificate_pem']}{done['chain_pem']}", ca.roots_pem(),
                     list(done["domains"]))
        note = (await client.get("/api/v1/notifications.php",
                                 headers=bearer(token))).json()["data"]["notifications"][0]
        assert "issued by letsencrypt (after down failed: cannot reach the CA" in note["message"]


async def test_a_rate_limited_ca_falls_back_by_the_users_default_order(
        settings: Settings, busy: ProfileProxy, port: int):
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        r = await client.post("/api/v1/account.php?action=ca-fallback", headers=bearer(token),
                              json={"fallback_ca_providers": ["letsencrypt"]})
        assert r.json()["data"] == {"fallback_ca_providers": ["letsencrypt"]}
        cert = await _requested(client, token, "busy")
        done = await wait_for(client, token, int(str(cert["id"])))
        assert done["status"] == "issued" and done["ca_provider"] == "letsencrypt"
        assert [(a["ca"], a["error"]["type"]) for a in done["previous_attempts"]] == [
            ("busy", RATE_LIMITED)]
        assert len(busy.orders) == 1

        seen = data_of(await gql(client, "query($id: Int!) { certificate(id: $id) { caName "
                                         "fallbackCaProviders previousAttempts { ca error } } }",
                                 token, id=done["id"]))["certificate"]
        assert seen["caName"] == "letsencrypt" and seen["fallbackCaProviders"] == ["letsencrypt"]
        assert seen["previousAttempts"][0]["error"]["type"] == RATE_LIMITED

        # Renewal starts with the CA that issued last: the busy CA is not asked again.
        r = await client.post(URL, params={"action": "renew"}, headers=bearer(token),
                              json={"id": done["id"]})
        assert r.status_code == 200, r.text
        renewed = await wait_for(client, token, int(str(done["id"])))
        assert renewed["serial"] != done["serial"] and renewed["ca_provider"] == "letsencrypt"
        assert renewed["previous_attempts"] == [] and len(busy.orders) == 1


async def test_a_failed_validation_does_not_fall_back(settings: Settings, busy: ProfileProxy,
                                                      port: int):
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        domain = unique("nx").replace(".example.test", "-casp.test")
        await add_domain(client, token, domain, "http-01")
        # www.<domain> is in no DNS: the CA's http-01 check fails, which is the user's
        cert = await request_cert(client, token, domains=[f"www.{domain}"],
                                  challenge_type="http-01", ca_provider="letsencrypt",
                                  fallback_ca_providers=["busy"])
        done = await wait_for(client, token, int(str(cert["id"])))
        assert done["status"] == "failed" and done["ca_provider"] == "letsencrypt"
        assert done["previous_attempts"] == [] and busy.orders == []
        assert done["last_error"]["challenge"]["type"] == "http-01"


async def test_a_renewal_falls_back_when_the_ca_that_issued_refuses(
        settings: Settings, busy: ProfileProxy, port: int):
    busy.refuse_orders = None  # it issues the first time ...
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        cert = await _requested(client, token, "busy", fallback_ca_providers=["letsencrypt"])
        done = await wait_for(client, token, int(str(cert["id"])))
        assert done["status"] == "issued" and done["ca_provider"] == "busy"
        assert done["previous_attempts"] == []

        busy.refuse_orders = RATE_LIMITED  # ... and is rate limited at the renewal
        r = await client.post(URL, params={"action": "renew"}, headers=bearer(token),
                              json={"id": done["id"]})
        assert r.status_code == 200, r.text
        renewed = await wait_for(client, token, int(str(done["id"])))
        assert renewed["serial"] != done["serial"] and renewed["ca_provider"] == "letsencrypt"
        assert [(a["ca"], a["error"]["type"]) for a in renewed["previous_attempts"]] == [
            ("busy", RATE_LIMITED)]
        assert len(busy.orders) == 2
        note = (await client.get("/api/v1/notifications.php",
                                 headers=bearer(token))).json()["data"]["notifications"][0]
        assert note["type"] == "renewal_succeeded"
        assert "renewed by letsencrypt (after busy failed:" in note["message"]
