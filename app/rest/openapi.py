"""/api/v1/openapi.json, made from the same Action declarations that dispatch requests.

Two shapes of the same actions. The seed's *.php paths choose the action with ?action=;
OpenAPI keys operations by path and method only, so each method of a *.php path is one
operation whose body and answers are anyOf one branch per action (named components): a
typed client cannot tell which branch an answer is (verify's and revoke's are alike) and
reads every 200 of GET certificates.php, the download's too, as JSON. The alias paths
(openapi_aliases.py) give each action its own operation: what a generated client calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.rest.dispatch import Action, Alias, Resource
from app.rest.envelope import DEFAULT_MESSAGE
from app.rest.openapi_aliases import alias_operation
from app.rest.openapi_parts import (
    COMPONENT_HEADERS,
    ERROR_RESPONSES,
    ERROR_SCHEMA,
    body_schema,
    pascal,
    query_param,
    responses,
    stem,
)
from app.rest.v1.schemas import COMPONENTS, ref

TAGS = {
    "auth": "Sign up, confirm the email, log in, reset a password (no token needed)",
    "account": "Your account, API token, EAB credentials and notification deliveries",
    "domains": "The domains you prove yours before certificates name them",
    "certificates": "Request, list, renew, revoke, download and delete certificates",
    "renewal": "Renewal statistics",
    "notifications": "Your inbox of notifications",
}


def seed_operation(resource: Resource, method: str, actions: list[Action],
                   components: dict[str, Any]) -> dict[str, Any]:
    names = [a.name for a in actions]
    name = stem(resource.path)
    params: list[dict[str, Any]] = []
    if any(names):
        params.append({"name": "action", "in": "query", "required": None not in names,
                       "description": "Which action: " + "; ".join(
                           f"{a.name}: {a.summary}" for a in actions if a.name),
                       "schema": {"type": "string", "enum": [n for n in names if n]}})
    seen = {"action"}
    for action in actions:
        for p in action.params:
            if (p.in_query or method in {"GET", "DELETE"}) and p.name not in seen:
                seen.add(p.name)
                params.append(query_param(p))
    prefix = f"{method.capitalize()}{pascal(name)}Php"
    titles = [prefix + pascal(a.name or "") for a in actions]
    op: dict[str, Any] = {
        "tags": [name],
        "summary": f"{name}.php, the seed's shape: {method} with ?action=",
        "description": "\n".join(f"- `{a.name or '(no action)'}`: {a.summary}"
                                 for a in actions)
        + "\n\nOne operation for several actions: prefer the alias paths in a typed client.",
        "operationId": f"{method.lower()}{pascal(name)}Php",
        "parameters": params,
        "security": [{"bearer": []}] if any(a.auth for a in actions) else [],
        "responses": responses(actions, titles, components),
    }
    if method not in {"GET", "DELETE"}:
        branches = []
        for a, title in zip(actions, titles, strict=True):
            fields = tuple(p for p in a.params if not p.in_query)
            assert f"{title}Body" not in components, title
            components[f"{title}Body"] = body_schema(
                fields, f"action={a.name}" if a.name else "no action") | {
                    "title": f"{title}Body"}
            branches.append(ref(f"{title}Body"))
        schema = {"anyOf": branches} if len(branches) > 1 else branches[0]
        op["requestBody"] = {"required": False, "description": "The action's fields",
                             "content": {m: {"schema": schema} for m in BODY_TYPES}}
    return op


BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")


def document(resources: tuple[Resource, ...],
             aliases: tuple[Alias, ...] = ()) -> dict[str, Any]:
    components: dict[str, Any] = {"Error": ERROR_SCHEMA, **COMPONENTS}
    paths: dict[str, Any] = {}
    for resource in resources:
        methods = sorted({m for a in resource.actions for m in a.methods})
        paths[resource.path] = {m.lower(): seed_operation(
            resource, m, [a for a in resource.actions if m in a.methods], components)
            for m in methods}
    for alias in aliases:
        paths.setdefault(alias.path, {})[alias.method.lower()] = alias_operation(
            alias, _tag(resources, alias), components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "casp REST v1", "version": "1",
                 "license": {"name": "MIT", "identifier": "MIT"},
                 "description": f"Envelope: success answers carry message {DEFAULT_MESSAGE!r} "
                                "unless stated; errors carry one of the five codes. The seed's "
                                "*.php paths pick an action with ?action=; each action also "
                                "has a path of its own, for generated clients."},
        "servers": [{"url": "/", "description": "The casp that serves this document"}],
        "tags": [{"name": n, "description": d} for n, d in TAGS.items()],
        "paths": paths,
        "components": {
            "schemas": components,
            "responses": ERROR_RESPONSES,
            "headers": COMPONENT_HEADERS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "The token login answers"}},
        },
    }


def _tag(resources: tuple[Resource, ...], alias: Alias) -> str:
    return next(stem(r.path) for r in resources if alias.action in r.actions)


def endpoint(resources: tuple[Resource, ...], aliases: tuple[Alias, ...] = (),
             ) -> Callable[[Request], Awaitable[JSONResponse]]:
    doc = document(resources, aliases)

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(doc)

    return openapi
