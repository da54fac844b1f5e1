"""The OpenAPI document as client generators and linters read it: Redocly's recommended rules
find nothing; its limits are the ones the server validates with (read from the same
declarations, and tried at the edge); each alias path answers as its own operation says;
no two answers or bodies share a title."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import jsonschema

from app.rest.v1 import ALIASES
from app.services.certificates import acme_accounts, downloads, records
from app.services.certificates.cas import REGISTRY
from app.services.domains import names
from app.services.inputs import MAX_EMAIL, MAX_NAME, MAX_PAGE, MAX_PASSWORD, MAX_PER_PAGE, MAX_TOKEN
from app.services.notifications import webhooks
from app.services.notifications.inbox import TYPES
from app.services.notifications.settings import SECRET_MAX
from tests.support.rest import (
    PASSWORD,
    assert_error,
    bearer,
    body_branches,
    resolved,
    response_schema,
    spec,
    user,
)

REDOCLY = Path(__file__).resolve().parents[1] / "clients" / "node_modules" / ".bin" / "redocly"


async def test_redocly_recommended_rules_find_nothing(client: httpx.AsyncClient,
                                                      tmp_path: Path):
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(await spec(client)))
    run = await asyncio.to_thread(
        subprocess.run, [str(REDOCLY), "lint", "--extends", "recommended", "--format", "json",
                         str(document)], capture_output=True, text=True, timeout=120,
        check=False)
    report = json.loads(run.stdout)
    assert [(p["ruleId"], p["message"]) for p in report["problems"]] == []
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}
    assert run.returncode == 0, run.stderr


def _query(doc: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    op = doc["paths"][path][method]
    return dict(next(p for p in op["parameters"] if p["name"] == name)["schema"])


def _body(doc: dict[str, Any], path: str, method: str, action: str | None = None,
          ) -> dict[str, Any]:
    """The body schema of an alias (one), or of a seed action (by x-casp-action)."""
    branches = body_branches(doc, path, method)
    if action is None:
        (branch,) = branches
        return branch
    return next(b for b in branches if b["x-casp-action"] == action)


async def test_limits_are_the_ones_the_server_validates_with(client: httpx.AsyncClient):
    doc = await spec(client)
    for path in ("/api/v1/certificates.php", "/api/v1/certificates",
                 "/api/v1/notifications.php", "/api/v1/notifications"):
        assert _query(doc, path, "get", "per_page") | {"description": ""} == {
            "type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "description": ""}
        assert _query(doc, path, "get", "page")["maximum"] == MAX_PAGE
    for body in (_body(doc, "/api/v1/certificates.php", "post", "no action"),
                 _body(doc, "/api/v1/certificates", "post")):
        assert body["properties"]["domains"]["maxItems"] == records.MAX_NAMES
        # Any CA name (the operator's too): the six are its examples, not an enum.
        assert body["properties"]["ca_provider"]["examples"] == list(REGISTRY)
        assert "enum" not in body["properties"]["ca_provider"]
    lengths = {
        ("/api/v1/auth/register", "email"): MAX_EMAIL,
        ("/api/v1/auth/register", "password"): MAX_PASSWORD,
        ("/api/v1/auth/register", "name"): MAX_NAME,
        ("/api/v1/auth/verify-email", "token"): MAX_TOKEN,
        ("/api/v1/domains", "domain"): names.MAX_TYPED,
        ("/api/v1/account/eab", "eab_kid"): acme_accounts.MAX_KID,
        ("/api/v1/account/eab", "eab_hmac_key"): acme_accounts.MAX_HMAC_KEY,
        ("/api/v1/account/notification-settings", "webhook_url"): webhooks.MAX_URL,
        ("/api/v1/account/notification-settings", "webhook_secret"): SECRET_MAX,
    }
    for (path, field), limit in lengths.items():
        assert _body(doc, path, "post")["properties"][field]["maxLength"] == limit, field
    download = "/api/v1/certificates/{id}/download"
    assert _query(doc, download, "get", "password")["maxLength"] == downloads.MAX_PFX_PASSWORD
    assert _query(doc, download, "get", "format")["enum"] == list(downloads.FORMATS)
    assert _query(doc, "/api/v1/certificates", "get", "search")["maxLength"] == records.MAX_SEARCH
    assert _query(doc, "/api/v1/certificates", "get", "status")["enum"] == list(records.STATUSES)
    note = doc["components"]["schemas"]["Notification"]["properties"]["type"]
    assert note["enum"] == list(TYPES)


async def test_the_server_refuses_just_past_the_documented_limits(quiet: httpx.AsyncClient):
    me = await user(quiet, "edge@example.com", "example.com")
    doc = await spec(quiet)
    most = _query(doc, "/api/v1/certificates", "get", "per_page")["maximum"]
    assert (await quiet.get("/api/v1/certificates", params={"per_page": most},
                            headers=me)).status_code == 200
    r = await quiet.get("/api/v1/certificates.php", params={"per_page": most + 1}, headers=me)
    assert_error(r, 400, "VALIDATION_ERROR")
    assert r.json()["error"]["message"] == f"per_page must be from 1 to {most}"
    items = _body(doc, "/api/v1/certificates", "post")["properties"]["domains"]["maxItems"]
    many = [f"n{i}.example.com" for i in range(items + 1)]
    r = await quiet.post("/api/v1/certificates", headers=me,
                         json={"ca_provider": "letsencrypt", "domains": many})
    assert_error(r, 400, "VALIDATION_ERROR")
    assert r.json()["error"]["message"] == f"domains must list at most {items} names"


async def test_each_alias_answers_as_its_operation_says(client: httpx.AsyncClient):
    doc = await spec(client)
    r = await client.post("/api/v1/auth/register", json={
        "email": "alias@example.com", "password": PASSWORD, "name": "Alias"})
    calls = [("/api/v1/auth/register", "post", r)]
    r = await client.post("/api/v1/auth/login", data={"email": "alias@example.com",
                                                     "password": PASSWORD})  # a form body
    calls.append(("/api/v1/auth/login", "post", r))
    me = bearer(r.json()["data"]["token"])
    r = await client.post("/api/v1/domains", headers=me, json={"domain": "alias.example"})
    calls.append(("/api/v1/domains", "post", r))
    one = r.json()["data"]["id"]
    for path in ("/api/v1/domains", "/api/v1/domains/{id}", "/api/v1/certificates",
                 "/api/v1/account", "/api/v1/account/notification-settings",
                 "/api/v1/notifications", "/api/v1/renewal/stats"):
        r = await client.get(path.replace("{id}", str(one)), headers=me)
        calls.append((path, "get", r))
    calls.append(("/api/v1/notifications/{id}/read", "post", await client.post(
        "/api/v1/notifications/all/read", headers=me)))
    calls.append(("/api/v1/domains/{id}", "delete", await client.delete(
        f"/api/v1/domains/{one}", headers=me)))
    calls.append(("/api/v1/certificates/{id}", "get", await client.get(
        f"/api/v1/certificates/{one}", headers=me)))
    assert [r.status_code for *_, r in calls] == [200] * (len(calls) - 1) + [404]
    for path, method, response in calls:
        jsonschema.validate(response.json(),
                            response_schema(doc, path, method, response.status_code))
    assert calls[-2][2].json()["data"] is None
    wrong = await client.put(f"/api/v1/certificates/{one}/renew", headers=me)
    assert_error(wrong, 405, "NOT_FOUND")
    assert wrong.json()["error"]["details"] == {"allowed_methods": ["POST"]}


async def test_every_alias_is_one_operation_with_its_own_names(client: httpx.AsyncClient):
    doc = await spec(client)
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert {a.operation_id for a in ALIASES} <= set(ids)
    for ops in doc["paths"].values():
        for op in ops.values():
            assert op["description"] and op["summary"] and op["tags"], op["operationId"]
            assert all(p["description"] for p in op["parameters"]), op["operationId"]
            for answer in op["responses"].values():
                for content in resolved(doc, answer)["content"].values():
                    branches = content["schema"].get("anyOf", [content["schema"]])
                    titles = [resolved(doc, b).get("title") for b in branches]
                    assert len(set(titles)) == len(titles), (op["operationId"], titles)
    renew = doc["paths"]["/api/v1/certificates/{id}/renew"]["post"]["responses"]
    schemas = {s: renew[s]["content"]["application/json"]["schema"] for s in ("200", "202")}
    assert schemas["200"] != schemas["202"]
    titles = [s["title"] for s in doc["components"]["schemas"].values()]
    assert len(titles) == len(set(titles))
