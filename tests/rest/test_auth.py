"""auth.php: every action, its success shape and each way it refuses."""

from __future__ import annotations

import httpx
import pytest

from tests.support.rest import PASSWORD, assert_error, bearer, login, register

REGISTER = "/api/v1/auth.php?action=register"
LOGIN = "/api/v1/auth.php?action=login"


async def test_register_answers_the_seed_shape_and_normalises_email(client: httpx.AsyncClient):
    r = await client.post(REGISTER, json={"email": "  Alice@Example.COM ", "password": PASSWORD,
                                          "name": "Alice"})
    body = r.json()
    assert r.status_code == 200
    assert body["success"] is True and body["message"]
    assert set(body["data"]) == {"user_id", "verify_token"}
    assert isinstance(body["data"]["user_id"], int) and len(body["data"]["verify_token"]) >= 32
    token = await login(client, "alice@example.com")
    me = await client.get("/api/v1/account.php", headers=bearer(token))
    assert me.json()["data"]["email"] == "alice@example.com"
    assert me.json()["data"]["name"] == "Alice"


async def test_register_with_form_body_and_without_name(client: httpx.AsyncClient):
    r = await client.post(REGISTER, data={"email": "form@example.com", "password": PASSWORD})
    assert r.status_code == 200, r.text
    me = await client.get("/api/v1/account.php", headers=bearer(await login(client,
                                                                               "form@example.com")))
    assert me.json()["data"]["name"] == ""


async def test_register_multipart_form(client: httpx.AsyncClient):
    r = await client.post(REGISTER, files={"email": (None, "mp@example.com"),
                                           "password": (None, PASSWORD)})
    assert r.status_code == 200, r.text


async def test_duplicate_email_is_a_validation_error(client: httpx.AsyncClient):
    await register(client, "dup@example.com")
    r = await client.post(REGISTER, json={"email": "DUP@example.com", "password": PASSWORD})
    error = assert_error(r, 400, "VALIDATION_ERROR")
    assert "email" in error["details"]["fields"]


@pytest.mark.parametrize(("password", "needs"), [
    ("Sh0rt", "at least 8 characters"),
    ("alllowercase1", "an upper-case letter"),
    ("ALLUPPERCASE1", "a lower-case letter"),
    ("NoDigitsHere", "a digit"),
    ("A1" + "a" * 300, "at most 256 characters"),
])
async def test_password_policy(client: httpx.AsyncClient, password: str, needs: str):
    r = await client.post(REGISTER, json={"email": "p@example.com", "password": password})
    error = assert_error(r, 400, "VALIDATION_ERROR")
    assert needs in error["message"]
    assert error["details"]["fields"].keys() == {"password"}


@pytest.mark.parametrize(("body", "field"), [
    ({"password": PASSWORD}, "email"),
    ({"email": "x@example.com"}, "password"),
    ({"email": "not-an-email", "password": PASSWORD}, "email"),
    ({"email": "a" * 250 + "@example.com", "password": PASSWORD}, "email"),
    ({"email": "n@example.com", "password": PASSWORD, "name": "n" * 101}, "name"),
    ({"email": "n@example.com", "password": PASSWORD, "name": "bad\x00name"}, "name"),
    ({"email": ["a@example.com"], "password": PASSWORD}, "email"),
    ({"email": 12, "password": PASSWORD}, "email"),
    ({"email": "n@example.com", "password": {"x": 1}}, "password"),
])
async def test_register_bad_fields_are_named(client: httpx.AsyncClient, body: dict, field: str):
    r = await client.post(REGISTER, json=body)
    error = assert_error(r, 400, "VALIDATION_ERROR")
    assert field in error["details"]["fields"]


async def test_verify_email_by_post_and_by_mailed_link(client: httpx.AsyncClient):
    data = await register(client, "v@example.com")
    token = await login(client, "v@example.com")
    account = await client.get("/api/v1/account.php", headers=bearer(token))
    assert account.json()["data"]["email_verified"] is False
    r = await client.post("/api/v1/auth.php?action=verify-email",
                          json={"token": data["verify_token"]})
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {"user_id": data["user_id"], "email": "v@example.com",
                                "email_verified": True}
    account = await client.get("/api/v1/account.php", headers=bearer(token))
    assert account.json()["data"]["email_verified"] is True
    again = await client.get("/api/v1/auth.php",
                             params={"action": "verify-email", "token": data["verify_token"]})
    assert_error(again, 400, "VALIDATION_ERROR")


async def test_verify_email_with_unknown_token(client: httpx.AsyncClient):
    r = await client.post("/api/v1/auth.php?action=verify-email", json={"token": "nope"})
    assert assert_error(r, 400, "VALIDATION_ERROR")["details"]["fields"].keys() == {"token"}


async def test_login_answers_seed_fields_plus_token(client: httpx.AsyncClient):
    data = await register(client)
    r = await client.post(LOGIN, json={"email": "USER@example.com", "password": PASSWORD})
    assert r.status_code == 200
    assert r.json()["data"]["user_id"] == data["user_id"]
    assert r.json()["data"]["email"] == "user@example.com"
    assert r.json()["data"]["token"].startswith("casp_")


async def test_wrong_password_and_unknown_email_answer_alike(client: httpx.AsyncClient):
    await register(client)
    wrong = await client.post(LOGIN, json={"email": "user@example.com", "password": "Wr0ngPass"})
    unknown = await client.post(LOGIN, json={"email": "who@example.com", "password": PASSWORD})
    assert assert_error(wrong, 401, "UNAUTHORIZED") == assert_error(unknown, 401, "UNAUTHORIZED")


async def test_login_missing_password(client: httpx.AsyncClient):
    r = await client.post(LOGIN, data={"email": "user@example.com"})
    assert assert_error(r, 400, "VALIDATION_ERROR")["details"]["fields"].keys() == {"password"}


CREDENTIALS_IN_QUERY = [
    ("register", "email", {"password": PASSWORD}),
    ("register", "password", {"email": "q@example.com"}),
    ("login", "email", {"password": PASSWORD}),
    ("login", "password", {"email": "user@example.com"}),
    ("forgot-password", "email", {}),
    ("reset-password", "token", {"password": PASSWORD}),
    ("reset-password", "password", {"token": "t" * 40}),
    ("verify-email", "token", {}),
]


@pytest.mark.parametrize(("action", "field", "body"), CREDENTIALS_IN_QUERY,
                         ids=[f"{a}-{f}" for a, f, _ in CREDENTIALS_IN_QUERY])
async def test_a_credential_in_the_query_string_of_a_post_is_refused(
        client: httpx.AsyncClient, action: str, field: str, body: dict[str, str]):
    """Even with the body complete: URLs reach access logs and browser history."""
    await register(client)
    value = {"email": "user@example.com", "password": PASSWORD}.get(field, "t" * 40)
    r = await client.post("/api/v1/auth.php", params={"action": action, field: value},
                          json=body | {field: value})
    error = assert_error(r, 400, "VALIDATION_ERROR")
    expected = f"{field} must be sent in the request body, not in the query string"
    assert error["message"] == expected and error["details"]["fields"] == {field: expected}


async def test_a_credential_as_a_php_array_in_the_query_is_refused(client: httpx.AsyncClient):
    r = await client.post("/api/v1/auth.php?action=login&password[]=x",
                          data={"email": "user@example.com", "password": PASSWORD})
    assert assert_error(r, 400, "VALIDATION_ERROR")["details"]["fields"].keys() == {"password"}


async def test_nothing_happens_when_a_credential_is_refused(client: httpx.AsyncClient):
    r = await client.post("/api/v1/auth.php", params={"action": "register",
                                                       "email": "late@example.com"},
                          json={"password": PASSWORD})
    assert_error(r, 400, "VALIDATION_ERROR")
    r = await client.post(LOGIN, json={"email": "late@example.com", "password": PASSWORD})
    assert_error(r, 401, "UNAUTHORIZED")
