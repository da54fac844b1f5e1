"""GraphQL, first part: the account operations, the bearer token, extensions.code."""

from __future__ import annotations

from typing import Any

import httpx

from app.config import Settings
from tests.support.graphql import code_of, gql
from tests.support.mail import outbox, reset_token_in
from tests.support.rest import PASSWORD, bearer

REGISTER = """mutation($email: String!, $password: String!, $name: String) {
  register(email: $email, password: $password, name: $name) { userId verifyToken } }"""
LOGIN = """mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { userId email token } }"""
ME = "{ me { id email name emailVerified apiToken createdAt } }"


async def signed_up(client: httpx.AsyncClient) -> tuple[dict[str, Any], str]:
    reg = await gql(client, REGISTER, email="G@Example.com", password=PASSWORD, name="Gee")
    data = reg["data"]["register"]
    logged = await gql(client, LOGIN, email="g@example.com", password=PASSWORD)
    return data, logged["data"]["login"]["token"]


async def test_register_login_me(client: httpx.AsyncClient):
    data, token = await signed_up(client)
    me = (await gql(client, ME, token))["data"]["me"]
    assert me["id"] == data["userId"] and me["email"] == "g@example.com"
    assert me["name"] == "Gee" and me["emailVerified"] is False and me["apiToken"] == token
    rest = await client.get("/api/v1/account.php", headers=bearer(token))
    assert rest.json()["data"]["user_id"] == me["id"]


async def test_verify_email(client: httpx.AsyncClient):
    data, token = await signed_up(client)
    q = "mutation($t: String!) { verifyEmail(token: $t) { userId emailVerified } }"
    result = await gql(client, q, t=data["verifyToken"])
    assert result["data"]["verifyEmail"] == {"userId": data["userId"], "emailVerified": True}
    assert (await gql(client, ME, token))["data"]["me"]["emailVerified"] is True
    assert code_of(await gql(client, q, t=data["verifyToken"])) == "VALIDATION_ERROR"


async def test_forgot_and_reset_password(client: httpx.AsyncClient, settings: Settings):
    await signed_up(client)
    q = "mutation($e: String!) { forgotPassword(email: $e) { message } }"
    for address in ("g@example.com", "nobody@example.com"):
        result = await gql(client, q, e=address)
        assert result["data"]["forgotPassword"]["message"].startswith("If the email exists")
    await client.app.state.runtime.drain()  # type: ignore[attr-defined]
    token = reset_token_in(outbox(settings)[-1])
    reset = """mutation($t: String!, $p: String!) {
      resetPassword(token: $t, password: $p) { message } }"""
    weak = await gql(client, reset, t=token, p="weak")
    assert code_of(weak) == "VALIDATION_ERROR"
    assert weak["errors"][0]["extensions"]["fields"].keys() == {"password"}
    assert "resetPassword" in (await gql(client, reset, t=token, p="N3w-Password"))["data"]
    logged = await gql(client, LOGIN, email="g@example.com", password="N3w-Password")
    assert logged["data"]["login"]["token"].startswith("casp_")


async def test_regenerate_api_token(client: httpx.AsyncClient):
    _, token = await signed_up(client)
    result = await gql(client, "mutation { regenerateApiToken { token } }", token)
    new = result["data"]["regenerateApiToken"]["token"]
    assert new != token
    assert code_of(await gql(client, ME, token)) == "UNAUTHORIZED"
    assert (await gql(client, ME, new))["data"]["me"]["apiToken"] == new


async def test_error_codes_match_rest(client: httpx.AsyncClient):
    assert code_of(await gql(client, ME)) == "UNAUTHORIZED"
    assert code_of(await gql(client, ME, "bogus")) == "UNAUTHORIZED"
    bad = await gql(client, LOGIN, email="g@example.com", password="nope")
    assert code_of(bad) == "UNAUTHORIZED"
    dup = await gql(client, REGISTER, email="not-an-email", password=PASSWORD)
    assert code_of(dup) == "VALIDATION_ERROR"
    assert code_of(await gql(client, "{ nope }")) == "VALIDATION_ERROR"


async def test_unexpected_errors_are_masked(client: httpx.AsyncClient, monkeypatch: Any):
    from app.services.accounts import users as accounts

    async def broken(**kwargs: Any) -> None:
        raise RuntimeError("db password is hunter2")

    monkeypatch.setattr(accounts, "login", broken)
    result = await gql(client, LOGIN, email="g@example.com", password=PASSWORD)
    error = result["errors"][0]
    assert error["extensions"]["code"] == "SERVER_ERROR"
    assert "hunter2" not in str(result) and error["extensions"]["request_id"] in error["message"]


async def test_graphiql_on_a_browser_get(client: httpx.AsyncClient):
    r = await client.get("/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "graphiql" in r.text.lower()
