"""REST v1 as the tests speak it: sign a user up and in (with domains), the bearer header,
an error envelope checked, a certificate requested; the OpenAPI document and the schema it
gives an answer."""

from __future__ import annotations

from typing import Any

import httpx

PASSWORD = "Corr3ct-Horse"
CERTS = "/api/v1/certificates.php"
DOMAINS = "/api/v1/domains.php"
Headers = dict[str, str]


async def register(client: httpx.AsyncClient, email: str = "user@example.com",
                   password: str = PASSWORD, name: str = "User") -> dict[str, Any]:
    r = await client.post("/api/v1/auth.php?action=register",
                          json={"email": email, "password": password, "name": name})
    assert r.status_code == 200, r.text
    return r.json()["data"]


async def login(client: httpx.AsyncClient, email: str = "user@example.com",
                password: str = PASSWORD) -> str:
    r = await client.post("/api/v1/auth.php?action=login",
                          json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["data"]["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


async def user(client: httpx.AsyncClient, email: str = "user@example.com",
               *domains: str) -> Headers:
    """A user signed up and logged in, with `domains` added: its bearer header."""
    await register(client, email)
    headers = bearer(await login(client, email))
    for domain in domains:
        r = await client.post(DOMAINS, headers=headers, json={"domain": domain})
        assert r.status_code == 200, r.text
    return headers


async def request(client: httpx.AsyncClient, headers: Headers, *names: str,
                  **extra: Any) -> dict[str, Any]:
    """A certificate requested for `names` (201, pending): its record."""
    body = {"ca_provider": "letsencrypt", "domains": list(names)} | extra
    r = await client.post(CERTS, headers=headers, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["success"] is True
    return r.json()["data"]


async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.json()


def resolved(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """`node`, or what its $ref (#/components/...) names."""
    if "$ref" not in node:
        return node
    found: Any = doc
    for key in node["$ref"].removeprefix("#/").split("/"):
        found = found[key]
    return dict(found)


def response_schema(doc: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    answer = resolved(doc, doc["paths"][path][method]["responses"][str(status)])
    schema = answer["content"]["application/json"]
    return {**schema["schema"], "components": doc["components"]}


def body_branches(doc: dict[str, Any], path: str, method: str) -> list[dict[str, Any]]:
    """The JSON body schemas of a seed operation, one per action (`x-casp-action` names it:
    "action=verify", or "no action")."""
    op = doc["paths"][path][method]
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get(
        "schema")
    if schema is None:
        return []
    return [resolved(doc, b) for b in schema.get("anyOf", [schema])]
