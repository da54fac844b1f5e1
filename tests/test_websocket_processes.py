"""A retired token and a user's budget across two `casp serve` processes on one PostgreSQL,
with rate limits and events in Redis (issue 13): a socket held by one process closes when
the token is regenerated through the other, and the budget spent on either is one budget."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.acme import Casp
from tests.support.cli import env_for
from tests.support.gqlws import subscriber
from tests.support.net import free_port
from tests.support.rest import PASSWORD, bearer

pytestmark = pytest.mark.slow  # two casp processes, PostgreSQL and Redis
ACCOUNT = "/api/v1/account.php"



@pytest.fixture
def pair(tmp_path: Path, pg_database: str, redis_url: str) -> Iterator[tuple[Casp, Casp]]:
    shared = {"CASP_DATABASE_URL": pg_database, "CASP_RATE_LIMIT_STORAGE": redis_url,
              "CASP_EVENTS": redis_url, "CASP_SECRET_KEY": uuid.uuid4().hex * 2,
              "CASP_EMBEDDED_WORKER": "false", "CASP_RATE_LIMIT": "8/minute"}
    processes = []
    for name in ("a", "b"):
        port = free_port()
        env = env_for(tmp_path / name, **shared, CASP_PORT=str(port))
        processes.append(Casp(env, port, tmp_path / f"{name}.log"))
    try:
        yield processes[0], processes[1]
    finally:
        for casp in processes:
            casp.stop()


async def test_retired_token_and_budget_cross_processes(pair: tuple[Casp, Casp]):
    a, b = pair
    for casp in pair:  # a first: it migrates the empty database
        casp.start().close()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{a.port}") as on_a, \
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{b.port}") as on_b:
        await retire_through_b(a, on_a, on_b)


async def retire_through_b(a: Casp, on_a: httpx.AsyncClient, on_b: httpx.AsyncClient) -> None:
    (await on_b.post("/api/v1/auth.php?action=register",
                     json={"email": "p@example.com", "password": PASSWORD})).raise_for_status()
    token = (await on_b.post("/api/v1/auth.php?action=login", json={
        "email": "p@example.com", "password": PASSWORD})).json()["data"]["token"]
    async with subscriber(f"http://127.0.0.1:{a.port}", token) as sub:
        assert (await sub.run("{ me { email } }"))["type"] == "next"  # 1 of 8, on a
        await sub.subscribe("subscription { certificateEvents { certificateId } }")  # 2
        for _ in range(5):  # 7 of 8, on b
            assert (await on_b.get(ACCOUNT, headers=bearer(token))).status_code == 200
        r = await on_b.post(f"{ACCOUNT}?action=regenerate-token", headers=bearer(token))
        assert r.status_code == 200, r.text  # 8 of 8
        assert await sub.closed() == 4401  # b's retirement reached a's socket
    fresh = r.json()["data"]["token"]
    refused = await on_a.get(ACCOUNT, headers=bearer(fresh))
    assert refused.status_code == 429, refused.text  # one budget, whatever the token
    assert (await on_a.get(ACCOUNT, headers=bearer(token))).status_code == 401
