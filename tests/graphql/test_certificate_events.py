"""What certificateEvents tells a subscriber, through a real casp and its worker: the state
the certificate is in when subscribing, its request (queued), and a failed attempt that only
sets lastError (the CA unreachable: the stage stays where it was). The CA here is a closed
port; issuance to the end, and a renewal moment moved, run against Pebble in
tests/acme/test_certificate_events.py."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.support.gqlws import Subscriber, subscriber
from tests.support.live import live_casp
from tests.support.net import free_port
from tests.support.rest import bearer, login, register

pytestmark = pytest.mark.slow  # about 7 s: the ACME client retries the closed port

EVENTS = """subscription($id: Int) { certificateEvents(id: $id) {
  certificateId status stage lastError renewAt changed } }"""
CERTS = "/api/v1/certificates.php"


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """casp with its worker, every CA's directory on a port nobody listens on."""
    dead = f"http://127.0.0.1:{free_port()}/dir"
    unreachable = dataclasses.replace(settings, rate_limit="1000/minute", ca_directories={
        name: dead for name in ("letsencrypt", "zerossl", "litessl", "buypass", "google",
                                "sslcom")})
    async with live_casp(unreachable, free_port()) as client:
        yield client


async def requested(client: httpx.AsyncClient, token: str) -> int:
    r = await client.post("/api/v1/domains.php", headers=bearer(token),
                          json={"domain": "events.example", "verification_method": "dns-01"})
    assert r.status_code == 200, r.text
    r = await client.post(CERTS, headers=bearer(token), json={
        "domains": ["events.example"], "ca_provider": "letsencrypt"})
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


async def event(sub: Subscriber, op: str, within: float = 30) -> dict[str, Any]:
    message = await sub.receive(within=within)
    assert message["type"] == "next" and message["id"] == op, message
    assert "errors" not in message["payload"], message
    return dict(message["payload"]["data"]["certificateEvents"])


async def test_request_current_state_and_a_failed_attempt(live: httpx.AsyncClient):
    await register(live, "events@example.com")
    token = await login(live, "events@example.com")
    async with subscriber(str(live.base_url), token) as everything:
        op_all = await everything.subscribe(EVENTS)
        assert await everything.run("{ me { email } }")  # the subscription is registered
        cert_id = await requested(live, token)
        # The request itself: queued, nothing else set.
        assert await event(everything, op_all) == {
            "certificateId": cert_id, "status": "PENDING", "stage": "queued",
            "lastError": None, "renewAt": None, "changed": ["STATUS", "STAGE"]}
        seen = [await event(everything, op_all)]
        while seen[-1]["lastError"] is None:
            seen.append(await event(everything, op_all))
    # The key was made (a stage), then the CA could not be reached: lastError alone changed.
    assert [e["changed"] for e in seen] == [["STAGE"], ["LAST_ERROR"]], seen
    key_ready, failed = seen
    assert key_ready["stage"] == failed["stage"] == "key_ready"
    assert failed["status"] == "PENDING" and failed["lastError"]["type"] == "casp:AcmeUnavailable"
    # Subscribing later to this one certificate: its state now comes first, as it is.
    async with subscriber(str(live.base_url), token) as late:
        op = await late.subscribe(EVENTS, {"id": cert_id})
        assert await event(late, op, within=10) == {**failed, "changed": []}
    # Subscribing to all: each pending certificate's state comes first.
    async with subscriber(str(live.base_url), token) as late:
        op = await late.subscribe(EVENTS)
        assert await event(late, op, within=10) == {**failed, "changed": []}
