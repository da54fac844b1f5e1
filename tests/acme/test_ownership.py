"""The takeover of issue 13, end to end against real Pebble and BIND: Alice points her name at
casp and adds it first; Bob adds the same name and asks for an http-01 certificate. casp
refuses the request; and with Bob's order forced past every check of casp's own (placed at
Pebble by the worker, its answers published), Pebble finds no answer for that Host, so Bob
never gets a certificate nor its key. Alice's certificate for the name is issued."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.config import Settings
from app.runtime import current
from app.services.certificates import issuance, jobs
from models.certificate import Certificate, HttpChallenge
from tests.support.acme import add_domain, casp_settings, request_cert, unique, user_token, wait_for
from tests.support.dns import BindServer
from tests.support.live import live_casp
from tests.support.pebble import PebbleServer
from tests.support.rest import assert_error, bearer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers

CERTS = "/api/v1/certificates.php"


@pytest.fixture
def settings(tmp_path: Path, ca: PebbleServer, bind_server: BindServer, port: int) -> Settings:
    return casp_settings(tmp_path / "data", ca, bind_server, port)


async def test_another_user_cannot_take_a_held_name(settings: Settings, ca: PebbleServer,
                                                    port: int,
                                                    monkeypatch: pytest.MonkeyPatch):
    name = unique("victim")
    async with live_casp(settings, port) as client:
        alice, bob = await user_token(client), await user_token(client)
        held = await add_domain(client, alice, name, "http-01")
        assert held["ownership"]["status"] == "held"
        waiting = await add_domain(client, bob, name, "http-01")
        assert waiting["ownership"]["status"] == "pending"

        # Bob asks: refused, with the TXT record that would prove the name his
        body = {"ca_provider": "letsencrypt", "domains": [name], "challenge_type": "http-01"}
        r = await client.post(CERTS, headers=bearer(bob), json=body)
        message = assert_error(r, 400, "VALIDATION_ERROR")["details"]["fields"]["domains"]
        assert waiting["ownership"]["record"]["value"] in message

        # Bob's order forced: a record written past the request, its job run past the
        # order's check, so the worker places a real order at Pebble and publishes its answer
        me = await client.get("/api/v1/account.php", headers=bearer(bob))
        now = current().clock.now()
        forced = await Certificate.create(
            user_id=me.json()["data"]["user_id"], domains=[name], search_text=f" {name} ",
            ca_provider="letsencrypt", challenge_type="http-01", key_type="ec-256",
            directory_url=ca.directory_url, created_at=now, updated_at=now)
        async def no_check(cert: Certificate) -> None:
            return None
        monkeypatch.setattr(issuance, "require_holder", no_check)
        # the answer of a challenge of his, as the worker publishes it, is a 404 for the Host
        await HttpChallenge.create(token="bobs-token", key_authorization="bobs-token.thumb",
                                   certificate_id=forced.id, created_at=now)
        for host in (name, f"{name}:{port}", name.upper()):
            r = await client.get("/.well-known/acme-challenge/bobs-token",
                                 headers={"Host": host})
            assert r.status_code == 404, host
        await jobs.ISSUE.schedule(forced.id, forced.user_id)
        done = await wait_for(client, bob, forced.id)
        assert done["status"] == "failed" and done["certificate_pem"] is None
        problem = json.dumps(done["last_error"])
        assert done["last_error"]["type"].startswith("urn:ietf:params:acme:error:"), problem
        assert "404" in problem, problem
        for fmt in ("key", "pem", "zip"):
            r = await client.get(CERTS, params={"id": forced.id, "action": "download",
                                                "format": fmt}, headers=bearer(bob))
            assert "nothing to download" in assert_error(r, 400, "VALIDATION_ERROR")["message"]
        row = await Certificate.get(id=forced.id)
        assert row.order_url  # the order was placed: Pebble itself refused it
        assert row.status == "failed" and row.certificate_pem is None

        # Alice, who holds the name, gets hers
        cert = await request_cert(client, alice, domains=[name], challenge_type="http-01")
        done = await wait_for(client, alice, cert["id"])
        assert done["status"] == "issued", done["last_error"]
