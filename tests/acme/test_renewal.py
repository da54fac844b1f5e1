"""Renewal against real Pebble with a clock the tests move: due at one third of the
lifetime, renewed in the same record with the old version in the history, the renew action
(on time and its 202 path), notifications and renewal.php; a manual dns-01 renewal finished
by verify."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from app.jobs.queue import enqueue
from tests.support.acme import (
    add_domain,
    casp_settings,
    issue_http01,
    request_cert,
    unique,
    user_token,
    wait_for,
    wait_renewed,
)
from tests.support.certs import verify_chain
from tests.support.dns import BindServer
from tests.support.graphql import data_of, gql
from tests.support.live import live_casp
from tests.support.pebble import PebbleServer
from tests.support.rest import assert_error, bearer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers

URL = "/api/v1/certificates.php"
VERIFY = "mutation($id: Int!) { verifyCertificate(id: $id) { status stage } }"


@pytest.fixture
def settings(tmp_path: Path, ca: PebbleServer, bind_server: BindServer, port: int) -> Settings:
    return casp_settings(tmp_path / "data", ca, bind_server, port)


async def test_renewed_on_its_own_at_one_third_of_the_lifetime(settings: Settings,
                                                               ca: PebbleServer, port: int):
    clock = ManualClock()
    async with live_casp(settings, port, clock) as client:
        token = await user_token(client)
        first = await issue_http01(client, token, "r")
        from models.certificate import Certificate

        row = await Certificate.get(id=first["id"])
        lifetime = row.expires_at - row.issued_at
        due = row.expires_at - lifetime / 3
        assert due - lifetime * 0.05 <= row.renew_at <= due  # jitter: up to 5 % earlier

        clock._now = row.renew_at - timedelta(seconds=1)
        await enqueue("sweep", {}, key="sweep")  # the tick runs now: nothing is due yet
        await asyncio.sleep(0.5)
        same = (await client.get(URL, params={"id": first["id"]}, headers=bearer(token)))
        assert same.json()["data"]["serial"] == first["serial"]

        clock._now = row.renew_at + timedelta(seconds=1)
        await enqueue("sweep", {}, key="sweep")
        renewed = await wait_renewed(client, token, first["id"], first["serial"])
        assert renewed["id"] == first["id"] and renewed["status"] == "issued"
        verify_chain(renewed["certificate_pem"] + renewed["chain_pem"], ca.roots_pem(),
                     renewed["domains"])
        assert [h["serial"] for h in renewed["history"]] == [first["serial"]]
        inbox = (await client.get("/api/v1/notifications.php",
                                  headers=bearer(token))).json()["data"]
        assert [n["type"] for n in inbox["notifications"]] == ["renewal_succeeded",
                                                               "certificate_issued"]
        stats = (await client.get("/api/v1/renewal.php", headers=bearer(token))).json()["data"]
        assert stats["successful_renewals"] == 1 and stats["failed_renewals"] == 0
        assert stats["by_ca"]["letsencrypt"]["successful_renewals"] == 1


async def test_renew_action_answers_like_the_seed(settings: Settings, port: int):
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        first = await issue_http01(client, token, "r")
        r = await client.post(f"{URL}?action=renew", headers=bearer(token),
                              json={"id": first["id"]})
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        assert data["id"] == first["id"] and data["status"] == "issued"
        datetime.strptime(data["expires_at"], "%Y-%m-%d")
        detail = (await client.get(URL, params={"id": first["id"]},
                                   headers=bearer(token))).json()["data"]
        assert detail["serial"] != first["serial"] and detail["expires_at"] == data["expires_at"]
        stats = (await client.get("/api/v1/renewal.php", headers=bearer(token))).json()["data"]
        assert stats["successful_renewals"] == 1 and stats["pending_renewals"] == 0
        assert stats["next_renewal_at"] is not None


async def test_renew_action_202_when_not_done_in_time(settings: Settings, port: int):
    async with live_casp(dataclasses.replace(settings, renew_wait_seconds=0), port) as client:
        token = await user_token(client)
        first = await issue_http01(client, token, "r")
        r = await client.post(f"{URL}?action=renew", headers=bearer(token),
                              data={"id": str(first["id"])})
        assert r.status_code == 202, r.text
        assert r.json()["data"]["status"] == "pending" and r.json()["data"]["id"] == first["id"]
        await wait_renewed(client, token, first["id"], first["serial"])


async def test_renew_refused_while_issuance_is_pending(settings: Settings, port: int):
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        name = unique("q")
        await add_domain(client, token, name)  # manual dns-01: stays pending
        cert = await request_cert(client, token, domains=[name])
        r = await client.post(f"{URL}?action=renew", headers=bearer(token),
                              json={"id": cert["id"]})
        assert "pending" in assert_error(r, 400, "VALIDATION_ERROR")["message"]
        other = await user_token(client)
        r = await client.post(f"{URL}?action=renew", headers=bearer(other),
                              json={"id": cert["id"]})
        assert_error(r, 404, "NOT_FOUND")


async def awaiting_records(client: httpx.AsyncClient, token: str, cert_id: int,
                           within: float = 30) -> dict[str, Any]:
    """The detail once the attempt has found the TXT records missing and stopped: its job
    waits for the next look (15 s at first), and last_error says why."""
    for _ in range(int(within * 10)):
        data = (await client.get(URL, params={"id": cert_id},
                                 headers=bearer(token))).json()["data"]
        if data["stage"] == "awaiting_dns" and data["last_error"]:
            return dict(data)
        await asyncio.sleep(0.1)
    raise AssertionError(f"certificate {cert_id} is not awaiting its records: {data}")


def publish(bind: BindServer, records: list[dict[str, str]]) -> None:
    """What the user does: the TXT records shown, in their DNS."""
    for record in records:
        bind.add_record(record["name"], "TXT", record["value"])


async def test_verify_finishes_a_manual_dns01_renewal(settings: Settings, ca: PebbleServer,
                                                      bind_server: BindServer, port: int):
    """An interop finding: a renewal awaiting the user's TXT records showed them, but verify
    answered "certificate 2 is issued, not pending" and the renewal waited for its next
    look (15 s growing to 30 min). verify (REST, then GraphQL) looks now."""
    name = unique("mr")
    async with live_casp(dataclasses.replace(settings, renew_wait_seconds=0), port) as client:
        token = await user_token(client)
        await add_domain(client, token, name)  # no CNAME: manual dns-01
        cert = await request_cert(client, token, domains=[name])
        publish(bind_server, (await awaiting_records(client, token, cert["id"]))["dns_records"])
        r = await client.post(f"{URL}?action=verify", headers=bearer(token),
                              json={"id": cert["id"]})
        assert r.status_code == 200, r.text
        first = await wait_for(client, token, cert["id"])
        assert first["status"] == "issued", first["last_error"]

        # A renewal: new records to publish, the certificate still issued meanwhile.
        r = await client.post(f"{URL}?action=renew", headers=bearer(token),
                              json={"id": cert["id"]})
        assert r.status_code == 202, r.text
        waiting = await awaiting_records(client, token, cert["id"])
        assert waiting["status"] == "issued" and waiting["serial"] == first["serial"]
        assert waiting["dns_records"] and waiting["dns_records"] != first["dns_records"]
        publish(bind_server, waiting["dns_records"])
        r = await client.post(f"{URL}?action=verify", headers=bearer(token),
                              json={"id": cert["id"]})
        assert r.status_code == 200, r.text
        assert r.json()["data"]["status"] == "issued"
        # Sooner than the next look (15 s after the attempt) would have found them.
        second = await wait_renewed(client, token, cert["id"], first["serial"], within=10)
        assert second["stage"] == "done" and second["dns_records"] is None
        verify_chain(second["certificate_pem"] + second["chain_pem"], ca.roots_pem(), [name])

        # Once more, finished through GraphQL's verifyCertificate.
        r = await client.post(f"{URL}?action=renew", headers=bearer(token),
                              json={"id": cert["id"]})
        assert r.status_code == 202, r.text
        publish(bind_server, (await awaiting_records(client, token, cert["id"]))["dns_records"])
        verified = data_of(await gql(client, VERIFY, token, id=cert["id"]))["verifyCertificate"]
        assert verified == {"status": "ISSUED", "stage": "awaiting_dns"}, verified
        third = await wait_renewed(client, token, cert["id"], second["serial"], within=10)
        assert [h["serial"] for h in third["history"]] == [second["serial"], first["serial"]]


async def test_verify_refuses_an_issued_certificate_with_no_renewal_waiting(
        settings: Settings, port: int):
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        done = await issue_http01(client, token, "mv")
        r = await client.post(f"{URL}?action=verify", headers=bearer(token),
                              json={"id": done["id"]})
        message = assert_error(r, 400, "VALIDATION_ERROR")["message"]
        assert message == (f"certificate {done['id']} is issued, not pending, and no renewal "
                           "of it awaits manual dns-01 records"), message
