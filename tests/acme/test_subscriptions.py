"""certificateEvents over graphql-transport-ws against real Pebble: a subscriber sees its
certificate go from pending to issued live, in one process and with the worker in another
process (events through Redis pub/sub or PostgreSQL LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosedError

from tests.support.acme import (
    CASP,
    Casp,
    add_domain,
    casp_env,
    casp_settings,
    signed_up,
    unique,
    user_token,
)
from tests.support.dns import BindServer
from tests.support.gqlws import Subscriber, subscriber
from tests.support.live import live_casp
from tests.support.net import free_port
from tests.support.pebble import PebbleFactory, PebbleServer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers

EVENTS = """subscription($id: Int) { certificateEvents(id: $id) {
  certificateId status stage lastError renewAt changed at certificate { id status serial } } }"""
REQUEST = """mutation($names: [String!]!, $challenge: ChallengeType) {
  requestCertificate(domains: $names, caProvider: LETSENCRYPT, challengeType: $challenge) {
    id status } }"""


async def gql(client: httpx.AsyncClient, token: str, query: str, **variables: Any) -> dict:  # type: ignore[type-arg]
    r = await client.post("/graphql", json={"query": query, "variables": variables},
                          headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def events_until_issued(sub: Subscriber, op: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["status"] not in ("ISSUED", "FAILED"):
        message = await sub.receive(within=60)
        assert message["type"] == "next" and message["id"] == op, message
        assert "errors" not in message["payload"], message
        seen.append(message["payload"]["data"]["certificateEvents"])
    return seen


def assert_pending_to_issued(seen: list[dict[str, Any]], cert_id: int) -> None:
    assert {e["certificateId"] for e in seen} == {cert_id}
    assert seen[-1]["status"] == "ISSUED", seen
    assert all(e["status"] == "PENDING" for e in seen[:-1]) and len(seen) >= 2
    stages = [e["stage"] for e in seen]
    assert "done" == stages[-1] and "authorizing" in stages, stages
    assert seen[-1]["certificate"]["serial"]
    # The request (queued) comes first; the issuance schedules the renewal.
    assert seen[0]["stage"] == "queued" and seen[0]["changed"] == ["STATUS", "STAGE"], seen
    assert seen[-1]["renewAt"] and "RENEW_AT" in seen[-1]["changed"], seen[-1]
    assert all(e["lastError"] is None for e in seen), seen


@pytest.fixture
def port() -> int:
    return free_port()


async def test_a_subscriber_sees_pending_to_issued(tmp_path: Path,
                                                   pebble_factory: PebbleFactory,
                                                   bind_server: BindServer, port: int):
    ca = pebble_factory(http_port=port)
    settings = casp_settings(tmp_path / "data", ca, bind_server, port)
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        name = unique("sub")
        await add_domain(client, token, name, "http-01")
        async with subscriber(str(client.base_url), token) as sub:
            op = await sub.subscribe(EVENTS)
            await asyncio.sleep(0.2)  # the subscription is registered before the request
            made = await gql(client, token, REQUEST, names=[name], challenge="HTTP_01")
            cert_id = made["data"]["requestCertificate"]["id"]
            assert_pending_to_issued(await events_until_issued(sub, op), cert_id)


async def test_subscriptions_need_a_token_and_see_only_their_own(tmp_path: Path,
                                                                 pebble_factory: PebbleFactory,
                                                                 bind_server: BindServer,
                                                                 port: int):
    ca = pebble_factory(http_port=port)
    settings = casp_settings(tmp_path / "data", ca, bind_server, port)
    async with live_casp(settings, port) as client:
        with pytest.raises((ConnectionClosedError, AssertionError)):
            async with subscriber(str(client.base_url), "made-up-token") as sub:
                await sub.receive(within=5)
        owner, other = await user_token(client), await user_token(client)
        name = unique("own")
        await add_domain(client, owner, name, "http-01")
        made = await gql(client, owner, REQUEST, names=[name], challenge="HTTP_01")
        cert_id = made["data"]["requestCertificate"]["id"]
        async with subscriber(str(client.base_url), other) as sub:
            op = await sub.subscribe(EVENTS, {"id": cert_id})
            message = await sub.receive()
            assert message["id"] == op and message["type"] in ("error", "next"), message
            errors = message["payload"] if message["type"] == "error" else \
                message["payload"]["errors"]
            assert errors[0]["extensions"]["code"] == "NOT_FOUND"
            # Subscribed to all of its own: none of the owner's events arrive.
            op = await sub.subscribe(EVENTS)
            with pytest.raises(TimeoutError):
                message = await sub.receive(within=3)
                if message == {"id": "1", "type": "complete"}:  # the refused one ends
                    message = await sub.receive(within=3)
                raise AssertionError(f"another user's event arrived: {message}")



@pytest.fixture(params=["redis", "postgres"])
def transport(request: pytest.FixtureRequest, redis_url: str) -> Iterator[dict[str, str]]:
    """The settings that carry events between the API and the worker process."""
    if request.param == "redis":
        yield {"CASP_EVENTS": redis_url}
    else:
        yield {"CASP_EVENTS": "postgres",
               "CASP_DATABASE_URL": request.getfixturevalue("pg_database")}


def start_worker(worker: Casp) -> None:
    with worker.log.open("ab") as out:
        worker.proc = subprocess.Popen([CASP, "worker"], env=worker.env, stdout=out,
                                       stderr=subprocess.STDOUT)


async def test_events_cross_from_a_worker_process(tmp_path: Path, pebble: PebbleServer,
                                                  bind_server: BindServer,
                                                  transport: dict[str, str]):
    port = free_port()
    env = casp_env(tmp_path / "data", pebble, bind_server, port) | transport
    api = Casp(env | {"CASP_EMBEDDED_WORKER": "false"}, port, tmp_path / "api.log")
    worker = Casp(env, port, tmp_path / "worker.log", command="worker")
    try:
        sync_client = await asyncio.to_thread(api.start)
        token, name = await asyncio.to_thread(signed_up, sync_client, bind_server,
                                              f"{uuid.uuid4().hex[:6]}@example.com")
        sync_client.close()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client, \
                subscriber(f"http://127.0.0.1:{port}", token) as sub:
            op = await sub.subscribe(EVENTS)
            await asyncio.sleep(0.3)
            made = await gql(client, token, REQUEST, names=[name])
            cert_id = made["data"]["requestCertificate"]["id"]
            await asyncio.to_thread(start_worker, worker)
            try:
                seen = await events_until_issued(sub, op)
            except TimeoutError:
                raise AssertionError(worker.log.read_text()[-3000:]) from None
            assert_pending_to_issued(seen, cert_id)
    finally:
        worker.stop()
        api.stop()
