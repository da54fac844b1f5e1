"""certificateEvents with clients nobody here wrote, against real Pebble: gql over both of its
WebSocket transports (websockets, aiohttp) and graphql-ws, the protocol's reference client
(Node, tests/clients/subscribe.mjs). Each subscribes to a certificate just requested, is
told its state (queued: the worker starts only after), then follows it to issued."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client
from gql.graphql_request import GraphQLRequest
from gql.transport.aiohttp_websockets import AIOHTTPWebsocketsTransport
from gql.transport.websockets import WebsocketsTransport

from app.jobs.tasks import make_worker
from app.runtime import current
from tests.support.acme import add_domain, casp_settings, request_cert, unique, user_token
from tests.support.dns import BindServer
from tests.support.live import live_casp
from tests.support.pebble import PebbleFactory

pytestmark = pytest.mark.slow  # real Pebble and BIND servers

CLIENTS = Path(__file__).resolve().parents[1] / "clients"
TRANSPORTS = {"websockets": WebsocketsTransport, "aiohttp": AIOHTTPWebsocketsTransport}
EVENTS = """subscription($id: Int) { certificateEvents(id: $id) {
  certificateId status stage lastError renewAt changed certificate { serial } } }"""


@pytest.fixture
async def casp(tmp_path: Path, pebble_factory: PebbleFactory, bind_server: BindServer,
               port: int) -> AsyncIterator[httpx.AsyncClient]:
    """casp against Pebble, its worker held back until the test starts it."""
    settings = casp_settings(tmp_path / "data", pebble_factory(http_port=port), bind_server,
                             port, embedded_worker=False)
    async with live_casp(settings, port) as client:
        yield client


@asynccontextmanager
async def worker() -> AsyncIterator[None]:
    runner = make_worker(current())
    task = asyncio.create_task(runner.run())
    try:
        yield
    finally:
        await runner.stop(task)


async def requested(client: httpx.AsyncClient) -> tuple[str, int]:
    """A new user's token and their http-01 request's id."""
    token = await user_token(client)
    name = unique("std")
    await add_domain(client, token, name, "http-01")
    made = await request_cert(client, token, domains=[name], challenge_type="http-01")
    return token, int(made["id"])


def ws_url(client: httpx.AsyncClient) -> str:
    return str(client.base_url).replace("http://", "ws://") + "/graphql"


def assert_queued_to_issued(seen: list[dict[str, Any]], cert_id: int) -> None:
    """The state on subscribing (queued), the steps, then issued with its renewal set."""
    assert {e["certificateId"] for e in seen} == {cert_id}, seen
    assert seen[0] == {"certificateId": cert_id, "status": "PENDING", "stage": "queued",
                       "lastError": None, "renewAt": None, "changed": [],
                       "certificate": {"serial": None}}, seen[0]
    assert all(e["status"] == "PENDING" for e in seen[:-1]), seen
    stages = [e["stage"] for e in seen]
    assert stages[1:3] == ["key_ready", "authorizing"] and stages[-1] == "done", stages
    issued = seen[-1]
    assert issued["status"] == "ISSUED" and issued["certificate"]["serial"], issued
    assert issued["renewAt"] and {"STATUS", "STAGE", "RENEW_AT"} <= set(issued["changed"])


@pytest.mark.parametrize("kind", list(TRANSPORTS))
async def test_gql_follows_a_certificate_to_issued(casp: httpx.AsyncClient, kind: str):
    token, cert_id = await requested(casp)
    transport = TRANSPORTS[kind](url=ws_url(casp), subprotocols=["graphql-transport-ws"],
                                 init_payload={"Authorization": f"Bearer {token}"})
    seen: list[dict[str, Any]] = []
    async with Client(transport=transport) as session:
        events = session.subscribe(GraphQLRequest(EVENTS, variable_values={"id": cert_id}))
        seen.append((await asyncio.wait_for(anext(events), 10))["certificateEvents"])
        async with worker():
            while seen[-1]["status"] == "PENDING":
                seen.append((await asyncio.wait_for(anext(events), 60))["certificateEvents"])
        await events.aclose()  # type: ignore[attr-defined]
    assert_queued_to_issued(seen, cert_id)


async def test_graphql_ws_follows_a_certificate_to_issued(casp: httpx.AsyncClient):
    node = shutil.which("node")
    assert node, "Node.js is needed for the graphql-ws client (./dev test installs it)"
    token, cert_id = await requested(casp)
    proc = await asyncio.create_subprocess_exec(
        node, str(CLIENTS / "subscribe.mjs"), ws_url(casp), token, EVENTS,
        json.dumps({"id": cert_id}), env={"UNTIL_STATUS": "ISSUED"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdout and proc.stderr
    try:
        first = await asyncio.wait_for(proc.stdout.readline(), 20)
        assert first, (await proc.stderr.read()).decode()
        async with worker():
            rest, errors = await asyncio.wait_for(proc.communicate(), 90)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, errors.decode()
    lines = [first, *rest.splitlines()]
    payloads = [json.loads(line) for line in lines]
    assert all("errors" not in p for p in payloads), payloads
    assert_queued_to_issued([p["data"]["certificateEvents"] for p in payloads], cert_id)
