"""The envelope and each error code with its HTTP status; hostile bodies never give a 500."""

from __future__ import annotations

import logging

import httpx
import pytest

from app.services.accounts import users as accounts
from tests.support.rest import PASSWORD, assert_error, bearer

REGISTER = "/api/v1/auth.php?action=register"


async def test_unknown_path_under_api_v1(client: httpx.AsyncClient):
    error = assert_error(await client.get("/api/v1/nothing.php"), 404, "NOT_FOUND")
    assert "/api/v1/nothing.php" in error["message"]


async def test_unknown_action(client: httpx.AsyncClient):
    error = assert_error(await client.post("/api/v1/auth.php?action=explode"), 404, "NOT_FOUND")
    assert "explode" in error["message"] and "login" in error["message"]
    assert_error(await client.post("/api/v1/auth.php"), 404, "NOT_FOUND")


async def test_wrong_method_gets_an_envelope_and_allow(client: httpx.AsyncClient):
    r = await client.delete("/api/v1/auth.php?action=login")
    error = assert_error(r, 405, "NOT_FOUND")
    assert r.headers["allow"] == "POST"
    assert error["details"]["allowed_methods"] == ["POST"]
    assert_error(await client.put("/api/v1/openapi.json"), 405, "NOT_FOUND")


async def test_unauthorized(client: httpx.AsyncClient):
    assert_error(await client.get("/api/v1/account.php"), 401, "UNAUTHORIZED")


async def test_server_error_hides_the_traceback_and_logs_the_request_id(
        client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture):
    async def broken(**kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(accounts, "login", broken)
    with caplog.at_level(logging.ERROR):
        r = await client.post("/api/v1/auth.php?action=login",
                              json={"email": "a@example.com", "password": PASSWORD})
    error = assert_error(r, 500, "SERVER_ERROR")
    rid = r.headers["x-request-id"]
    assert error["details"] == {"request_id": rid} and rid in error["message"]
    assert "secret internal detail" not in r.text and "Traceback" not in r.text
    logged = [rec for rec in caplog.records if rec.exc_info]
    assert logged and "secret internal detail" in str(logged[0].exc_info[1])
    assert rid in logged[0].getMessage()


async def test_every_answer_carries_a_request_id(client: httpx.AsyncClient):
    r = await client.get("/api/v1/nothing.php")
    assert len(r.headers["x-request-id"]) == 32


@pytest.mark.parametrize(("content", "ctype", "what"), [
    (b'{"email": ', "application/json", "not valid JSON"),
    (b"[1, 2]", "application/json", "must be an object"),
    (b'"just a string"', "application/json", "must be an object"),
    (b"\xff\xfe\xfa", "application/json", "UTF-8"),
    (b"email=%FF%FE", "application/x-www-form-urlencoded", "cannot be read"),
    (b"[" * 100000 + b"]" * 100000, "application/json", "not valid JSON"),
])
async def test_malformed_bodies(client: httpx.AsyncClient, content: bytes, ctype: str, what: str):
    r = await client.post(REGISTER, content=content, headers={"content-type": ctype})
    assert what in assert_error(r, 400, "VALIDATION_ERROR")["message"]


async def test_body_over_the_limit(client: httpx.AsyncClient):
    big = b'{"email": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    r = await client.post(REGISTER, content=big, headers={"content-type": "application/json"})
    assert "larger than 1048576 bytes" in assert_error(r, 400, "VALIDATION_ERROR")["message"]


async def test_chunked_body_over_the_limit(client: httpx.AsyncClient):
    async def chunks():
        for _ in range(20):
            yield b"x" * 65536

    r = await client.post(REGISTER, content=chunks(),
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert_error(r, 400, "VALIDATION_ERROR")


async def test_over_long_string_field(client: httpx.AsyncClient):
    r = await client.post(REGISTER, json={"email": "a" * 5000, "password": PASSWORD})
    assert "at most 254" in assert_error(r, 400, "VALIDATION_ERROR")["message"]


async def test_success_envelope_shape(client: httpx.AsyncClient, token: str):
    r = await client.get("/api/v1/account.php", headers=bearer(token))
    assert set(r.json()) == {"success", "message", "data"}
    assert r.json()["success"] is True
    assert r.headers["content-type"].startswith("application/json")


async def test_multipart_without_a_boundary(client: httpx.AsyncClient):
    r = await client.post(REGISTER, content=b"email=a",
                          headers={"content-type": "multipart/form-data"})
    assert "multipart" in assert_error(r, 400, "VALIDATION_ERROR")["message"]
