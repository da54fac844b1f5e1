"""/api/v1/openapi.json, made from the same Action declarations that dispatch requests.

OpenAPI keys operations by path and method only, so the seed's ?action= variants of one
method share an operation: `action` is an enum parameter, and the body and answer are an
anyOf whose branches are titled by action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.rest.dispatch import Action, Resource
from app.rest.envelope import DEFAULT_MESSAGE
from app.rest.params import Param

ERROR_CODES = ["UNAUTHORIZED", "VALIDATION_ERROR", "NOT_FOUND", "RATE_LIMIT_EXCEEDED",
               "SERVER_ERROR"]
ERRORS = {"400": "VALIDATION_ERROR", "401": "UNAUTHORIZED", "404": "NOT_FOUND",
          "405": "NOT_FOUND (wrong method)", "429": "RATE_LIMIT_EXCEEDED", "500": "SERVER_ERROR"}
ERROR_SCHEMA = {
    "type": "object", "required": ["success", "error"],
    "properties": {
        "success": {"const": False},
        "error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"enum": ERROR_CODES}, "message": {"type": "string"},
            "details": {"type": "object"}}},
    },
}


RATE_LIMIT_HEADERS = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]
HEADERS = {
    "X-Request-ID": {"description": "This request's id, also in the server's log",
                     "required": True, "schema": {"type": "string"}},
    "X-RateLimit-Limit": {"description": "Requests allowed in the current window",
                          "required": True, "schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"description": "Requests left in the current window",
                              "required": True, "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {"description": "When the window ends (Unix time, seconds)",
                          "required": True, "schema": {"type": "integer"}},
    "Content-Disposition": {"description": "attachment; filename=\"...\" (download only)",
                            "schema": {"type": "string"}},
}


def param_schema(p: Param) -> dict[str, Any]:
    if p.type == "array":
        return {"type": "array", "items": {"type": "string"}, "maxItems": p.max_length}
    if p.type == "name_or_code":
        return {"type": ["string", "integer"]}
    schema: dict[str, Any] = {"type": p.type}
    if p.type == "string":
        schema["maxLength"] = p.max_length
    if p.enum:
        schema["enum"] = list(p.enum)
    if p.minimum is not None:
        schema["minimum"] = p.minimum
    return schema


def body_schema(action: Action) -> dict[str, Any]:
    fields = [p for p in action.params if not p.in_query]
    return {
        "title": f"action={action.name}" if action.name else "no action",
        "type": "object",
        "properties": {p.name: param_schema(p) | {"description": p.description}
                       for p in fields},
        "required": [p.name for p in fields if p.required],
    }


def envelope_schema(action: Action) -> dict[str, Any]:
    if action.bare:
        return {"title": f"action={action.name}", "type": "object", "required": ["success"],
                "properties": {"success": {"const": True}}, "additionalProperties": False}
    message = {"const": action.message} if action.message else {"type": "string"}
    return {
        "title": f"action={action.name}" if action.name else "no action",
        "type": "object", "required": ["success", "message", "data"],
        "properties": {"success": {"const": True}, "message": message,
                       "data": action.data or {}},
    }


def operation(resource: Resource, method: str, actions: list[Action]) -> dict[str, Any]:
    names = [a.name for a in actions]
    params: list[dict[str, Any]] = []
    if any(names):
        params.append({"name": "action", "in": "query", "required": None not in names,
                       "schema": {"enum": [n for n in names if n]}})
    seen = {"action"}
    for action in actions:
        for p in action.params:
            if (p.in_query or method in {"GET", "DELETE"}) and p.name not in seen:
                seen.add(p.name)
                params.append({"name": p.name, "in": "query", "required": p.required,
                               "description": p.description, "schema": param_schema(p)})
    op: dict[str, Any] = {
        "summary": "; ".join(f"{a.name or '(none)'}: {a.summary}" for a in actions),
        "operationId": f"{method.lower()}_{resource.path.rsplit('/', 1)[-1][:-4]}",
        "parameters": params,
        "security": [{"bearer": []}] if any(a.auth for a in actions) else [],
        "responses": _responses(actions),
    }
    if method not in {"GET", "DELETE"}:
        schema = {"anyOf": [body_schema(a) for a in actions]}
        op["requestBody"] = {"required": False, "content": {
            "application/json": {"schema": schema},
            "application/x-www-form-urlencoded": {"schema": schema}}}
    return op


def _responses(actions: list[Action]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in sorted({s for a in actions for s in a.statuses}):
        responses[str(status)] = _success(status, [a for a in actions if status in a.statuses])
    for error_status, code in ERRORS.items():
        responses[error_status] = {
            "description": code, "headers": _headers(int(error_status)),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return responses


def _success(status: int, actions: list[Action]) -> dict[str, Any]:
    """The envelope of the actions answering `status`, and the files of those that answer
    with a file (the download) instead."""
    content: dict[str, Any] = {}
    branches = [envelope_schema(a) for a in actions if not a.files]
    if branches:
        content["application/json"] = {
            "schema": {"anyOf": branches} if len(branches) > 1 else branches[0]}
    headers = _headers(status)
    for media_type in dict.fromkeys(m for a in actions for m in a.files):
        content[media_type] = {"schema": {"type": "string", "format": "binary"}}
        headers["Content-Disposition"] = {"$ref": "#/components/headers/Content-Disposition"}
    return {"description": HTTPStatus(status).phrase, "headers": headers, "content": content}


def _headers(status: int) -> dict[str, Any]:
    """What the middleware adds: X-Request-ID to every answer, X-RateLimit-* to every one
    but a 500 (an error escaping the rate limiter's call leaves no place to add them)."""
    names = ["X-Request-ID", *([] if status == 500 else RATE_LIMIT_HEADERS)]
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def document(resources: tuple[Resource, ...]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for resource in resources:
        methods = sorted({m for a in resource.actions for m in a.methods})
        paths[resource.path] = {
            m.lower(): operation(resource, m, [a for a in resource.actions if m in a.methods])
            for m in methods
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "casp REST v1", "version": "1",
                 "description": f"Envelope: success answers carry message {DEFAULT_MESSAGE!r} "
                                "unless stated; errors carry one of the five codes."},
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "headers": HEADERS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def endpoint(resources: tuple[Resource, ...]) -> Callable[[Request], Awaitable[JSONResponse]]:
    doc = document(resources)

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(doc)

    return openapi
