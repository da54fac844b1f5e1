"""Cache-Control: no-store on every /graphql answer: any of them may carry a token or a key
(me.apiToken, login, notificationSettings.webhookSecret, certificateDownload), errors and
refusals too."""

from __future__ import annotations

import httpx

from tests.support.graphql import user
from tests.support.rest import PASSWORD, bearer

LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"


async def test_a_query_and_a_mutation(client: httpx.AsyncClient):
    token = await user(client, "me@example.com")
    r = await client.post("/graphql", json={"query": "{ me { apiToken } }"},
                          headers=bearer(token))
    assert r.json()["data"]["me"]["apiToken"] == token
    assert r.headers["cache-control"] == "no-store"
    r = await client.post("/graphql", json={"query": LOGIN, "variables": {
        "e": "me@example.com", "p": PASSWORD}})
    assert r.json()["data"]["login"]["token"] and r.headers["cache-control"] == "no-store"


async def test_an_error_and_a_get(client: httpx.AsyncClient):
    r = await client.post("/graphql", json={"query": "{ me { apiToken } }"})
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"
    assert r.headers["cache-control"] == "no-store"
    r = await client.get("/graphql", params={"query": "{ caProviders { name } }"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    r = await client.get("/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"


async def test_refusals(client: httpx.AsyncClient):
    r = await client.post("/graphql", content=b"{not json",
                          headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.headers["cache-control"] == "no-store"
    big = b'{"query": "' + b" " * 2_000_000 + b'{ me { id } }"}'
    r = await client.post("/graphql", content=big, headers={"content-type": "application/json"})
    assert r.json()["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    assert r.headers["cache-control"] == "no-store"
