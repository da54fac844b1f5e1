"""100 requests a minute per token (or IP) across REST and GraphQL; stricter auth limits."""

from __future__ import annotations

import dataclasses
import time
import uuid

import httpx
import time_machine

from app.config import Settings
from tests.support.app import running
from tests.support.rest import PASSWORD, assert_error, bearer, login, register


async def _spend(client: httpx.AsyncClient, n: int, headers: dict[str, str]) -> list[int]:
    return [(await client.get("/api/v1/account.php", headers=headers)).status_code
            for _ in range(n)]


async def test_101st_request_is_refused_and_the_window_resets(settings: Settings):
    # In memory: time travel moves this process's clock, not a Redis server's key expiry
    # (the Redis storage is test_redis_storage's, and every test's on the PostgreSQL pass).
    in_memory = dataclasses.replace(settings, rate_limit_storage="memory://")
    with time_machine.travel(time.time(), tick=True) as traveller:
        async with running(in_memory) as client:
            await register(client)
            token = await login(client)
            first = await client.get("/api/v1/account.php", headers=bearer(token))
            assert first.headers["x-ratelimit-limit"] == "100"
            assert first.headers["x-ratelimit-remaining"] == "99"
            assert int(first.headers["x-ratelimit-reset"]) > time.time()
            assert set(await _spend(client, 99, bearer(token))) == {200}
            over = await client.get("/api/v1/account.php", headers=bearer(token))
            error = assert_error(over, 429, "RATE_LIMIT_EXCEEDED")
            assert 1 <= int(over.headers["retry-after"]) <= 60
            assert over.headers["x-ratelimit-remaining"] == "0"
            assert error["details"]["retry_after"] == int(over.headers["retry-after"])
            traveller.shift(61)
            again = await client.get("/api/v1/account.php", headers=bearer(token))
            assert again.status_code == 200
            assert again.headers["x-ratelimit-remaining"] == "99"


async def test_limit_is_shared_between_rest_and_graphql(settings: Settings):
    async with running(dataclasses.replace(settings, rate_limit="6/minute")) as client:
        await register(client)
        token = await login(client)
        statuses = []
        for i in range(6):
            if i % 2:
                r = await client.post("/graphql", json={"query": "{ me { email } }"},
                                      headers=bearer(token))
            else:
                r = await client.get("/api/v1/account.php", headers=bearer(token))
            statuses.append(r.status_code)
        assert statuses == [200] * 6
        r = await client.post("/graphql", json={"query": "{ me { email } }"},
                              headers=bearer(token))
        assert r.status_code == 429
        assert r.json()["errors"][0]["extensions"]["code"] == "RATE_LIMIT_EXCEEDED"
        assert "retry-after" in r.headers
        assert_error(await client.get("/api/v1/account.php", headers=bearer(token)),
                     429, "RATE_LIMIT_EXCEEDED")


async def test_tokens_and_ips_have_separate_buckets(settings: Settings):
    # Two apps in one process share Tortoise's state: no workers, whose queries would
    # outlive the first app's connection.
    limited = dataclasses.replace(settings, rate_limit="3/minute", embedded_worker=False)
    async with running(limited, ip="192.0.2.1") as a, running(limited, ip="192.0.2.2") as b:
        for _ in range(3):
            assert (await a.get("/api/v1/nothing.php")).status_code == 404
        assert_error(await a.get("/api/v1/nothing.php"), 429, "RATE_LIMIT_EXCEEDED")
        assert (await b.get("/api/v1/nothing.php")).status_code == 404
        # A made-up token buys no fresh budget: it counts against the IP.
        for made_up in ("x1", "x2"):
            r = await a.get("/api/v1/account.php", headers=bearer(made_up))
            assert_error(r, 429, "RATE_LIMIT_EXCEEDED")
        # A real token is its own bucket, even from the exhausted IP.
        await register(b)
        token = await login(b)
        r = await a.get("/api/v1/account.php", headers=bearer(token))
        assert r.status_code == 200 and r.headers["x-ratelimit-remaining"] == "2"


async def test_login_is_limited_per_email(settings: Settings):
    strict = dataclasses.replace(settings, auth_rate_limit="3/minute",
                                 auth_ip_rate_limit="100/minute")
    async with running(strict) as client:
        await register(client, "victim@example.com")
        for _ in range(3):
            r = await client.post("/api/v1/auth.php?action=login",
                                  json={"email": "victim@example.com", "password": "Wr0ngPass"})
            assert_error(r, 401, "UNAUTHORIZED")
        r = await client.post("/api/v1/auth.php?action=login",
                              json={"email": "VICTIM@example.com", "password": PASSWORD})
        assert_error(r, 429, "RATE_LIMIT_EXCEEDED")
        assert "login" in r.json()["error"]["message"]
        other = await client.post("/api/v1/auth.php?action=login",
                                  json={"email": "other@example.com", "password": PASSWORD})
        assert_error(other, 401, "UNAUTHORIZED")


async def test_account_actions_are_limited_per_ip(settings: Settings):
    strict = dataclasses.replace(settings, auth_ip_rate_limit="2/minute")
    async with running(strict) as client:
        for i in range(2):
            r = await client.post("/api/v1/auth.php?action=forgot-password",
                                  json={"email": f"u{i}@example.com"})
            assert r.status_code == 200
        r = await client.post("/api/v1/auth.php?action=forgot-password",
                              json={"email": "u9@example.com"})
        assert_error(r, 429, "RATE_LIMIT_EXCEEDED")


async def test_redis_storage(settings: Settings, redis_url: str):
    shared = dataclasses.replace(settings, rate_limit="6/minute", rate_limit_storage=redis_url,
                                 embedded_worker=False)  # two apps, one process: see above
    async with running(shared) as one, running(shared) as two:
        email = f"{uuid.uuid4().hex[:10]}@example.com"  # a fresh token: a fresh bucket
        await register(one, email)
        token = await login(one, email)
        statuses = [(await (one if i % 2 else two).get(
            "/api/v1/account.php", headers=bearer(token))).status_code for i in range(7)]
    assert statuses == [200] * 6 + [429]
