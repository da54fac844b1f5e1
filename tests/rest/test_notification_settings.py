"""account.php?action=notification-settings: defaults, each field, the input rules (private
hosts too), the secret encrypted at rest, one user's settings hidden from another, OpenAPI."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest

from app.config import Settings
from app.services.notifications.inbox import TYPES
from models.notification import NotificationSettings
from tests.support.app import raw_database
from tests.support.rest import assert_error, body_branches, response_schema, spec, user

URL = "/api/v1/account.php?action=notification-settings"
HOOK = "https://hooks.example.com/casp"
Headers = dict[str, str]
DEFAULTS = {"email_enabled": True, "email": "user@example.com", "webhook_url": None,
            "webhook_secret": None, "types": list(TYPES)}


async def _set(client: httpx.AsyncClient, headers: Headers, **body: Any) -> dict[str, Any]:
    r = await client.post(URL, headers=headers, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["success"] is True
    return dict(r.json()["data"])


async def _shown(client: httpx.AsyncClient, headers: Headers) -> dict[str, Any]:
    r = await client.get(URL, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


def _field_error(response: httpx.Response, field: str) -> str:
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in error["details"]["fields"], error
    return str(error["details"]["fields"][field])


async def test_defaults_mail_every_type_and_no_webhook(app: httpx.AsyncClient):
    me = await user(app)
    assert await _shown(app, me) == DEFAULTS
    assert await NotificationSettings.all().count() == 0  # defaults need no row


async def test_each_field_changes_alone(app: httpx.AsyncClient):
    me = await user(app)
    off = await _set(app, me, email_enabled=False)
    assert off["email_enabled"] is False and off["types"] == list(TYPES)
    hooked = await _set(app, me, webhook_url=HOOK)
    assert hooked["webhook_url"] == HOOK and hooked["email_enabled"] is False
    generated = hooked["webhook_secret"]
    assert isinstance(generated, str) and len(generated) >= 40  # token_urlsafe(32)
    moved = await _set(app, me, webhook_url="http://hooks.example.com:8080/v2?x=1")
    assert moved["webhook_secret"] == generated  # a new URL keeps the secret
    mine = await _set(app, me, webhook_secret="my-own-secret-of-24-chars")
    assert mine["webhook_secret"] == "my-own-secret-of-24-chars"
    typed = await _set(app, me, types=["revoked", "expired"])
    assert typed["types"] == ["expired", "revoked"]  # in TYPES order
    assert typed["webhook_url"] == "http://hooks.example.com:8080/v2?x=1"
    assert (await _set(app, me, email_enabled="true"))["email_enabled"] is True
    assert await _shown(app, me) == {
        "email_enabled": True, "email": "user@example.com",
        "webhook_url": "http://hooks.example.com:8080/v2?x=1",
        "webhook_secret": "my-own-secret-of-24-chars", "types": ["expired", "revoked"]}
    removed = await _set(app, me, webhook_url="")
    assert removed["webhook_url"] is None and removed["webhook_secret"] is None
    assert removed["types"] == ["expired", "revoked"]


async def test_types_as_form_fields_comma_string_or_nothing(app: httpx.AsyncClient):
    me = await user(app)
    r = await app.post(URL, headers=me, data={"types": ["expiring", "renewal_failed"]})
    assert r.json()["data"]["types"] == ["renewal_failed", "expiring"]
    r = await app.post(URL, headers=me, data={"types": "revoked, certificate_issued"})
    assert r.json()["data"]["types"] == ["certificate_issued", "revoked"]
    r = await app.post(URL, headers=me, json={"types": []})  # the inbox only
    assert r.json()["data"]["types"] == []


@pytest.mark.parametrize(("body", "field", "says"), [
    ({"webhook_url": "ftp://hooks.example.com/x"}, "webhook_url", "http"),
    ({"webhook_url": "javascript:alert(1)"}, "webhook_url", "http"),
    ({"webhook_url": "https://user:pw@hooks.example.com/"}, "webhook_url", "user name"),
    ({"webhook_url": "https:///no-host"}, "webhook_url", "host"),
    ({"webhook_url": "https://hooks.example.com:99999/"}, "webhook_url", "port"),
    ({"webhook_url": "https://hooks.example.com/a b"}, "webhook_url", "spaces"),
    ({"webhook_url": HOOK + "/" + "a" * 2000}, "webhook_url", "2000"),
    ({"webhook_url": 5}, "webhook_url", "string"),
    ({"types": ["expired", "bogus"]}, "types", "'bogus'"),
    ({"types": "expired,nope"}, "types", "'nope'"),
    ({"types": [1]}, "types", "strings"),
    ({"email_enabled": "maybe"}, "email_enabled", "true or false"),
    ({"webhook_url": HOOK, "webhook_secret": "too-short"}, "webhook_secret", "16"),
    ({"webhook_url": HOOK, "webhook_secret": "x" * 201}, "webhook_secret", "200"),
    ({"webhook_secret": "a-long-enough-secret"}, "webhook_secret", "webhook_url"),
])
async def test_bad_input_names_the_field(app: httpx.AsyncClient, body: dict[str, Any],
                                         field: str, says: str):
    me = await user(app)
    r = await app.post(URL, headers=me, json=body)
    assert says in _field_error(r, field)
    assert await _shown(app, me) == DEFAULTS  # nothing was saved


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "https://[::1]/hook",
    "http://10.1.2.3/hook", "http://192.168.0.10/hook", "http://169.254.169.254/latest",
    "http://[::ffff:127.0.0.1]/hook", "http://0.0.0.0/hook", "http://100.64.0.1/hook",
    "http://[fe80::1]/hook", "http://[64:ff9b::a00:1]/hook", "http://[2002:808:808::1]/hook",
    "http://[fec0::1]/hook",
])
async def test_private_hosts_refused_without_the_flag(quiet: httpx.AsyncClient, url: str):
    me = await user(quiet)
    r = await quiet.post(URL, headers=me, json={"webhook_url": url})
    host = httpx.URL(url).host
    # the user sees the rule, not what the name resolved to
    assert _field_error(r, "webhook_url") == (
        f"webhook_url: {host} does not point at a public address")


async def test_public_address_accepted_without_the_flag(quiet: httpx.AsyncClient):
    me = await user(quiet)
    data = await _set(quiet, me, webhook_url="https://93.184.215.14/hook")
    assert data["webhook_url"] == "https://93.184.215.14/hook"


async def test_secret_is_encrypted_at_rest(app: httpx.AsyncClient, settings: Settings):
    me = await user(app)
    secret = "a-webhook-secret-nobody-may-read"
    await _set(app, me, webhook_url=HOOK, webhook_secret=secret)
    row = await NotificationSettings.get()
    assert row.webhook_secret_encrypted and secret not in row.webhook_secret_encrypted
    raw = await raw_database(settings)
    assert HOOK.encode() in raw  # the row is on disk ...
    assert secret.encode() not in raw  # ... and its secret is not readable there


async def test_one_users_settings_are_not_anothers(app: httpx.AsyncClient):
    alice, bob = await user(app, "alice@example.com"), await user(app, "bob@example.com")
    await _set(app, alice, webhook_url=HOOK, email_enabled=False, types=["expired"])
    seen = await _shown(app, bob)
    assert seen["webhook_url"] is None and seen["webhook_secret"] is None
    assert seen["email"] == "bob@example.com" and seen["email_enabled"] is True
    await _set(app, bob, webhook_url="https://bob.example.net/hook")
    theirs = await _shown(app, alice)
    assert theirs["webhook_url"] == HOOK and theirs["types"] == ["expired"]
    assert theirs["webhook_secret"] != (await _shown(app, bob))["webhook_secret"]


async def test_needs_a_token(app: httpx.AsyncClient):
    assert_error(await app.get(URL), 401, "UNAUTHORIZED")
    assert_error(await app.post(URL, json={"email_enabled": False}), 401, "UNAUTHORIZED")


async def test_openapi_documents_both_actions(app: httpx.AsyncClient):
    doc = await spec(app)
    for method in ("get", "post"):
        op = doc["paths"]["/api/v1/account.php"][method]
        action = next(p for p in op["parameters"] if p["name"] == "action")
        assert "notification-settings" in action["schema"]["enum"]
    branch = next(b for b in body_branches(doc, "/api/v1/account.php", "post")
                  if b["x-casp-action"] == "action=notification-settings")
    assert set(branch["properties"]) == {"email_enabled", "webhook_url", "webhook_secret",
                                         "types"}
    me = await user(app)
    answers = [("get", await app.get(URL, headers=me)),
               ("post", await app.post(URL, headers=me, json={"webhook_url": HOOK})),
               ("get", await app.get(URL, headers=me))]
    for method, response in answers:
        assert response.status_code == 200
        jsonschema.validate(response.json(),
                            response_schema(doc, "/api/v1/account.php", method, 200))
    unknown = {"success": True, "message": "x", "data": {
        **answers[-1][1].json()["data"], "user_id": 1}}
    with pytest.raises(jsonschema.ValidationError):  # closed: no undocumented field
        jsonschema.validate(unknown, response_schema(doc, "/api/v1/account.php", "get", 200))


async def test_the_secret_in_the_query_string_is_refused(app: httpx.AsyncClient):
    me = await user(app)
    r = await app.post("/api/v1/account.php", headers=me, params={
        "action": "notification-settings", "webhook_secret": "s" * 24},
                       json={"webhook_url": HOOK})
    assert _field_error(r, "webhook_secret") == ("webhook_secret must be sent in the request "
                                                 "body, not in the query string")
    assert await _shown(app, me) == DEFAULTS


async def test_an_unknown_long_type_is_not_echoed_whole(app: httpx.AsyncClient):
    me = await user(app)
    r = await app.post(URL, headers=me, json={"types": ["x" * 5000]})
    message = _field_error(r, "types")
    assert message.startswith(f"unknown notification type {'x' * 64!r}... (5000 characters);")
    assert len(r.content) < 1000
