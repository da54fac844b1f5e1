"""The pieces both shapes of the OpenAPI document share: parameters, bodies, envelopes,
answers (JSON or a file), errors and headers."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from app.rest.dispatch import Action
from app.rest.params import Param
from app.rest.v1.schemas import ref

ERROR_CODES = ["UNAUTHORIZED", "VALIDATION_ERROR", "NOT_FOUND", "RATE_LIMIT_EXCEEDED",
               "SERVER_ERROR"]
ERRORS = {"400": ("ValidationError", "VALIDATION_ERROR: a parameter is missing or wrong"),
          "401": ("Unauthorized", "UNAUTHORIZED: no valid bearer token"),
          "404": ("NotFound", "NOT_FOUND: no such record of yours, or no such action"),
          "405": ("MethodNotAllowed", "NOT_FOUND: this method is not allowed here"),
          "429": ("RateLimited", "RATE_LIMIT_EXCEEDED: wait for the window to end"),
          "500": ("ServerError", "SERVER_ERROR: the server failed; see X-Request-ID")}
ERROR_SCHEMA = {
    "title": "Error", "description": "The error envelope",
    "type": "object", "required": ["success", "error"],
    "properties": {
        "success": {"const": False},
        "error": {"title": "ErrorBody", "type": "object", "required": ["code", "message"],
                  "properties": {
                      "code": {"type": "string", "enum": ERROR_CODES},
                      "message": {"type": "string"},
                      "details": {"type": "object"}}},
    },
}
RATE_LIMIT_HEADERS = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]
COMPONENT_HEADERS = {
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


def _headers(status: int) -> dict[str, Any]:
    """What the middleware adds: X-Request-ID to every answer, X-RateLimit-* to every one
    but a 500 (an error escaping the rate limiter's call leaves no place to add them)."""
    names = ["X-Request-ID", *([] if status == 500 else RATE_LIMIT_HEADERS)]
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


ERROR_RESPONSES = {
    name: {"description": text, "headers": _headers(int(status)),
           "content": {"application/json": {"schema": ref("Error")}}}
    for status, (name, text) in ERRORS.items()}


def stem(path: str) -> str:
    """certificates of /api/v1/certificates.php."""
    return path.rsplit("/", 1)[-1].removesuffix(".php")


def pascal(name: str) -> str:
    """renewCertificate, set-eab, notification_settings -> RenewCertificate, SetEab, ..."""
    parts = name.replace("-", "_").split("_")
    return "".join(p[:1].upper() + p[1:] for p in parts)


def param_schema(p: Param) -> dict[str, Any]:
    if p.type == "array":
        return {"type": "array", "items": {"type": "string"},
                "maxItems": p.distinct or p.max_length}
    if p.type == "object":
        return {"type": "object", "additionalProperties": {"type": "string"},
                "maxProperties": p.max_length}
    if p.type == "name_or_code":
        return {"type": ["string", "integer"], "maxLength": p.max_length}
    schema: dict[str, Any] = {"type": p.type}
    if p.type == "string":
        schema["maxLength"] = p.max_length
    if p.enum:
        schema["enum"] = list(p.enum)
    if p.examples:
        schema["examples"] = list(p.examples)
    if p.minimum is not None:
        schema["minimum"] = p.minimum
    if p.maximum is not None:
        schema["maximum"] = p.maximum
    return schema


def query_param(p: Param, where: str = "query") -> dict[str, Any]:
    return {"name": p.name, "in": where, "required": p.required or where == "path",
            "description": p.description, "schema": param_schema(p)}


def body_schema(fields: tuple[Param, ...], action: str) -> dict[str, Any]:
    return {
        "type": "object", "description": f"The fields of {action}", "x-casp-action": action,
        "properties": {p.name: param_schema(p) | {"description": p.description}
                       for p in fields},
        "required": [p.name for p in fields if p.required],
    }


def envelope_schema(action: Action, status: int, data: dict[str, Any]) -> dict[str, Any]:
    if action.bare:
        return {"type": "object", "required": ["success"], "description": action.summary,
                "properties": {"success": {"const": True}}, "additionalProperties": False}
    message = {"const": action.message} if action.message else {"type": "string"}
    return {
        "type": "object", "required": ["success", "message", "data"],
        "description": f"{action.summary} ({status})",
        "properties": {"success": {"const": True}, "message": message, "data": data},
    }


def responses(actions: list[Action], names: list[str],
              components: dict[str, Any]) -> dict[str, Any]:
    """The success answers of `actions` (each envelope the component `names[i]`Answer, or
    a file), then the errors."""
    answers: dict[str, Any] = {}
    for status in sorted({s for a in actions for s in a.statuses}):
        content: dict[str, Any] = {}
        branches = []
        for action, name in zip(actions, names, strict=True):
            if status in action.statuses and not action.files:
                title = f"{name}{'Accepted' if status == 202 else ''}Answer"
                assert title not in components, f"two answers named {title}"
                components[title] = {"title": title} | envelope_schema(
                    action, status, action.data_for(status))
                branches.append(ref(title))
        if branches:
            content["application/json"] = {
                "schema": {"anyOf": branches} if len(branches) > 1 else branches[0]}
        headers = _headers(status)
        for media_type in dict.fromkeys(m for a in actions if status in a.statuses
                                        for m in a.files):
            content[media_type] = {"schema": {"type": "string", "format": "binary"}}
            headers["Content-Disposition"] = {"$ref": "#/components/headers/Content-Disposition"}
        answers[str(status)] = {"description": HTTPStatus(status).phrase, "headers": headers,
                                "content": content}
    for error, (name, _) in ERRORS.items():
        answers[error] = {"$ref": f"#/components/responses/{name}"}
    return answers
