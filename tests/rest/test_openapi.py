"""/api/v1/openapi.json is a valid document, lists every route and action, and real answers
match the shapes it promises."""

from __future__ import annotations

import httpx
import jsonschema
from openapi_spec_validator import validate

from app.rest.dispatch import ALL_METHODS
from app.rest.v1 import ALIASES, RESOURCES
from tests.support.rest import bearer, body_branches, register, response_schema, spec


async def test_document_is_valid_openapi(client: httpx.AsyncClient):
    validate(await spec(client))


async def test_every_route_method_and_action_is_documented(client: httpx.AsyncClient):
    doc = await spec(client)
    served = {r.path for r in client.app.routes if r.path.startswith("/api/v1/")}  # type: ignore[attr-defined]
    assert set(doc["paths"]) == served - {"/api/v1/openapi.json"}
    assert {(a.method.lower(), a.path) for a in ALIASES} == {
        (m, p) for p, ops in doc["paths"].items() for m in ops if not p.endswith(".php")}
    for resource in RESOURCES:
        for action in resource.actions:
            for method in action.methods:
                op = doc["paths"][resource.path][method.lower()]
                if action.name:
                    enum = next(p for p in op["parameters"] if p["name"] == "action")
                    assert action.name in enum["schema"]["enum"]
                names = {p["name"] for p in op["parameters"]}
                body_names = {n for b in body_branches(doc, resource.path, method.lower())
                              for n in b["properties"]}
                for param in action.params:
                    assert param.name in names | body_names, (resource.path, param.name)
    for path, ops in doc["paths"].items():
        for method in ops:
            assert method.upper() in ALL_METHODS, (path, method)


async def test_answers_match_the_documented_shapes(client: httpx.AsyncClient):
    doc = await spec(client)
    calls = []
    data = await register(client)
    calls.append(("/api/v1/auth.php", "post", await client.post(
        "/api/v1/auth.php?action=login",
        json={"email": "user@example.com", "password": "Corr3ct-Horse"})))
    token = calls[-1][2].json()["data"]["token"]
    calls.append(("/api/v1/auth.php", "get", await client.get(
        "/api/v1/auth.php", params={"action": "verify-email", "token": data["verify_token"]})))
    calls.append(("/api/v1/auth.php", "post", await client.post(
        "/api/v1/auth.php?action=forgot-password", json={"email": "user@example.com"})))
    calls.append(("/api/v1/account.php", "get", await client.get(
        "/api/v1/account.php", headers=bearer(token))))
    from app.services.notifications.inbox import notify

    note = await notify(user_id=data["user_id"], type="expired", title="t", message="m")
    assert note is not None
    calls.append(("/api/v1/notifications.php", "get", await client.get(
        "/api/v1/notifications.php", headers=bearer(token))))
    calls.append(("/api/v1/notifications.php", "post", await client.post(
        "/api/v1/notifications.php?action=mark-read", json={"id": note.id},
        headers=bearer(token))))
    calls.append(("/api/v1/account.php", "post", await client.post(
        "/api/v1/account.php?action=regenerate-token", headers=bearer(token))))
    calls.append(("/api/v1/account.php", "get", await client.get("/api/v1/account.php")))
    calls.append(("/api/v1/auth.php", "post", await client.post("/api/v1/auth.php?action=x")))
    assert [r.status_code for _, _, r in calls] == [200] * 7 + [401, 404]
    for path, method, response in calls:
        schema = response_schema(doc, path, method, response.status_code)
        jsonschema.validate(response.json(), schema)
