"""Lenient, safe input: JSON or form bodies, query strings, PHP-style arrays; typed by Param."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request

from app.errors import ValidationFailed

ParamType = Literal["string", "integer", "boolean", "array", "name_or_code"]
_INT = re.compile(r"^\s*-?\d{1,18}\s*$")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}
MAX_STRING = 10_000


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType = "string"
    required: bool = False
    description: str = ""
    max_length: int = 1000  # characters for strings, items for arrays
    minimum: int | None = None
    enum: tuple[str, ...] | None = None
    in_query: bool = False  # documented as a query parameter (ids of GET/DELETE)


def _add(raw: dict[str, Any], key: str, value: Any) -> None:
    if key.endswith("[]"):  # PHP-style arrays: domains[]=a&domains[]=b
        key = key[:-2]
        raw.setdefault(key, [])
        if not isinstance(raw[key], list):
            raw[key] = [raw[key]]
    if key in raw:
        prev = raw[key]
        raw[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
    else:
        raw[key] = value


async def read_raw(request: Request) -> dict[str, Any]:
    """Query parameters, then the body's fields over them."""
    raw: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        _add(raw, key, value)
    body = await request.body()
    if not body.strip():
        return raw
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        return {**raw, **await _multipart(request)}
    text = _decode(body)
    if ctype == "application/x-www-form-urlencoded" or (
        "json" not in ctype and not text.lstrip().startswith(("{", "["))
    ):
        return {**raw, **_form(text)}
    return {**raw, **_json(text)}


async def _multipart(request: Request) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    try:
        async with request.form() as form:  # closes uploaded files' temporary storage
            for key, value in form.multi_items():
                if isinstance(value, str):  # file parts are not parameters
                    _add(fields, key, value)
    except HTTPException as exc:  # Starlette's own 400 for a malformed multipart body
        raise ValidationFailed(f"the multipart body cannot be read: {exc.detail}") from exc
    return fields


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("the request body is not valid UTF-8") from exc


def _form(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False,
                          errors="strict", max_num_fields=1000)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"the form body cannot be read: {exc}") from exc
    for key, value in pairs:
        _add(fields, key, value)
    return fields


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValidationFailed(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValidationFailed("the JSON body must be an object")
    return data


def coerce(spec: Param, value: Any) -> Any:
    """One raw value to the declared type, or a VALIDATION_ERROR naming the field."""
    if value is None:
        if spec.required:
            raise ValidationFailed(f"{spec.name} is required", field=spec.name)
        return None
    converter = {"string": _string, "integer": _integer, "boolean": _boolean,
                 "array": _array, "name_or_code": _name_or_code}[spec.type]
    result = converter(spec, value)
    if spec.required and result in ("", []):
        raise ValidationFailed(f"{spec.name} is required", field=spec.name)
    return result


def _fail(spec: Param, what: str) -> ValidationFailed:
    return ValidationFailed(f"{spec.name} {what}", field=spec.name)


def _string(spec: Param, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(spec, "must be a string")
    if len(value) > spec.max_length:
        raise _fail(spec, f"must be at most {spec.max_length} characters")
    if spec.enum is not None and value not in spec.enum:
        raise _fail(spec, f"must be one of: {', '.join(spec.enum)}")
    return value


def _integer(spec: Param, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _fail(spec, "must be an integer")
    if isinstance(value, str):
        if not _INT.match(value):
            raise _fail(spec, "must be an integer")
        value = int(value)
    if spec.minimum is not None and value < spec.minimum:
        raise _fail(spec, f"must be at least {spec.minimum}")
    if abs(value) > 2**53:
        raise _fail(spec, "is out of range")
    return value


def _name_or_code(spec: Param, value: Any) -> str:
    """A name or its number code (revocation reasons): numbers arrive as digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _string(spec, value)


def _boolean(spec: Param, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _fail(spec, "must be true or false")


def _array(spec: Param, value: Any) -> list[str]:
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:  # a JSON array sent inside a form field
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise _fail(spec, "must be an array of strings") from None
    items = value if isinstance(value, list) else [value]
    if len(items) > spec.max_length:
        raise _fail(spec, f"must have at most {spec.max_length} items")
    if not all(isinstance(item, str) and len(item) <= MAX_STRING for item in items):
        raise _fail(spec, "must be an array of strings")
    return items


async def parse(request: Request, specs: tuple[Param, ...]) -> dict[str, Any]:
    raw = await read_raw(request)
    return {spec.name: coerce(spec, raw.get(spec.name)) for spec in specs}
