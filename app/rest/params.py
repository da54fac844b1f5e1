"""Lenient, safe input: JSON or form bodies, query strings, PHP-style arrays; typed by Param."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from app.errors import ValidationFailed

ParamType = Literal["string", "integer", "boolean", "array", "name_or_code", "object"]
# ASCII only: without re.ASCII, \d takes any Unicode digit ("١٢") and int() reads it.
_INT = re.compile(r"\s*-?\d{1,18}\s*", re.ASCII)
_SPACE = " \t\n\r\f\v"  # str.strip() alone would also take Unicode spaces
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}
MAX_STRING = 10_000
# Form and multipart bodies: a name repeated more often than any array may be long is
# refused naming it; past MAX_PARTS fields (files too) the body is refused as a whole. Both
# keep the work bounded, however many fields the body size limit lets through.
MAX_ITEMS = 1000
MAX_PARTS = 2 * MAX_ITEMS
NOT_UTF8 = "the request body is not valid UTF-8"


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType = "string"
    required: bool = False
    description: str = ""
    max_length: int = 1000  # characters for strings, items for arrays
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] | None = None
    examples: tuple[str, ...] | None = None  # documented values of an open vocabulary
    # A vocabulary known only once the app runs (the CAs, with the operator's): checked as
    # `enum` is, the `examples` documented
    choices: Callable[[], Iterable[str]] | None = None
    # Arrays whose service counts distinct items (certificate names): the documented
    # maxItems; max_length stays the parser's bound on entries, repeats included.
    distinct: int | None = None
    in_query: bool = False  # documented as a query parameter (ids of GET/DELETE)
    # A credential (email, password, token, key) is refused in the query string of a POST:
    # URLs end up in access logs, proxies' logs and browser history.
    credential: bool = False

    def __post_init__(self) -> None:
        # Longer arrays could not arrive as repeated form fields: _add refuses those first.
        if self.type == "array" and self.max_length >= MAX_ITEMS:
            raise ValueError(f"{self.name}: arrays must be shorter than {MAX_ITEMS} items")


def _add(raw: dict[str, Any], key: str, value: Any) -> None:
    """One form or query field into `raw`; repeated (or PHP-style domains[]=) ones make a
    list, which grows in place: copying it on each value would be quadratic."""
    php = key.endswith("[]")
    key = key[:-2] if php else key
    if key not in raw:
        raw[key] = [value] if php else value
        return
    items = raw[key] if isinstance(raw[key], list) else [raw[key]]
    if len(items) >= MAX_ITEMS:
        raise ValidationFailed(f"{key} is repeated more than {MAX_ITEMS} times", field=key)
    items.append(value)
    raw[key] = items


async def read_raw(request: Request) -> dict[str, Any]:
    """Query parameters, then the body's fields over them."""
    raw: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        _add(raw, key, value)
    if not _has_body(request):  # most GETs: no read (and no body deadline to arm)
        return raw
    body = await request.body()
    if not body.strip():
        return raw
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        return {**raw, **_multipart(request.headers.get("content-type", ""), body)}
    text = _decode(body)
    if ctype == "application/x-www-form-urlencoded" or (
        "json" not in ctype and not text.lstrip().startswith(("{", "["))
    ):
        return {**raw, **_form(text)}
    return {**raw, **_json(text)}


def _has_body(request: Request) -> bool:
    """Whether the request says it has a body: without Content-Length or Transfer-Encoding
    an HTTP/1.1 request has none (RFC 9112 section 6.3)."""
    headers = request.headers
    return "transfer-encoding" in headers or headers.get("content-length", "0") != "0"


class _Parts:
    """python-multipart's callbacks: the fields of a multipart body, UTF-8 like every other
    body (whatever charset is declared); file parts are not parameters and are skipped."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.ended = False
        self._parts = 0
        self._name: str | None = None  # the current part's field; None for a file
        self._header, self._value, self._disposition = b"", b"", b""
        self._data = bytearray()

    def callbacks(self) -> Any:  # python-multipart's MultipartCallbacks
        return {name: getattr(self, name) for name in (
            "on_part_begin", "on_header_field", "on_header_value", "on_header_end",
            "on_headers_finished", "on_part_data", "on_part_end", "on_end")}

    def on_part_begin(self) -> None:
        self._parts += 1
        _count(self._parts)
        self._disposition, self._data = b"", bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        if self._header.lower() == b"content-disposition":
            self._disposition = self._value
        self._header, self._value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise ValidationFailed("the multipart body cannot be read: a part has no name")
        self._name = None if b"filename" in options else _decode(options[b"name"])

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._name is not None:
            self._data += data[start:end]

    def on_part_end(self) -> None:
        if self._name is not None:
            _add(self.fields, self._name, _decode(bytes(self._data)))

    def on_end(self) -> None:
        self.ended = True


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Parsed here rather than by Starlette's request.form(), which decodes a field that
    is not UTF-8 as Latin-1 and spools file parts nobody reads."""
    boundary = parse_options_header(content_type)[1].get(b"boundary")
    if not boundary:
        raise ValidationFailed("the multipart body cannot be read: no boundary is given")
    parts = _Parts()
    try:
        parser = MultipartParser(boundary, parts.callbacks())
        parser.write(body)
        parser.finalize()
    except FormParserError as exc:
        raise ValidationFailed(f"the multipart body cannot be read: {exc}") from exc
    if not parts.ended:
        raise ValidationFailed("the multipart body cannot be read: it has no closing boundary")
    return parts.fields


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(NOT_UTF8) from exc


_FORM_FIELD = re.compile(r"[^&]+")


def _form(text: str) -> dict[str, Any]:
    """An urlencoded body, field by field as parse_qsl reads it, without first making the
    list of every field (_add stops at its limits)."""
    fields: dict[str, Any] = {}
    for parts, match in enumerate(_FORM_FIELD.finditer(text), start=1):
        _count(parts)
        name, _, value = match.group().partition("=")
        _add(fields, _unquote(name), _unquote(value))
    return fields


def _count(parts: int) -> None:
    if parts > MAX_PARTS:
        raise ValidationFailed(f"the request body has more than {MAX_PARTS} fields")


def _unquote(text: str) -> str:
    try:
        return unquote(text.replace("+", " "), errors="strict")
    except UnicodeDecodeError as exc:  # %ff, or a percent-encoded surrogate
        raise ValidationFailed("the form body cannot be read: a percent-encoded value is "
                               "not valid UTF-8") from exc


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
                 "array": _array, "name_or_code": _name_or_code, "object": _object}[spec.type]
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
    allowed = spec.enum if spec.choices is None else tuple(spec.choices())
    if allowed is not None and value not in allowed:
        raise _fail(spec, f"must be one of: {', '.join(allowed)}")
    return value


def _integer(spec: Param, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _fail(spec, "must be an integer")
    if isinstance(value, str):
        if not _INT.fullmatch(value):
            raise _fail(spec, "must be an integer")
        value = int(value)
    if spec.maximum is not None and not (spec.minimum or 0) <= value <= spec.maximum:
        raise _fail(spec, f"must be from {spec.minimum or 0} to {spec.maximum}")
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
    if isinstance(value, str) and value.strip(_SPACE).lower() in _TRUE | _FALSE:
        return value.strip(_SPACE).lower() in _TRUE
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


def _object(spec: Param, value: Any) -> dict[str, str]:
    """A JSON object of strings: as it is in a JSON body, or a JSON text in a form field."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise _fail(spec, "must be a JSON object of strings") from None
    if not isinstance(value, dict) or len(value) > spec.max_length:
        raise _fail(spec, f"must be a JSON object of at most {spec.max_length} strings")
    if not all(isinstance(v, str) and len(v) <= MAX_STRING for v in value.values()):
        raise _fail(spec, "must be a JSON object of strings")
    return value


def _no_credentials_in_query(request: Request, specs: tuple[Param, ...]) -> None:
    if request.method in {"GET", "HEAD"}:  # GET verify-email: the mailed link
        return
    sent = {key.removesuffix("[]") for key in request.query_params}
    for spec in specs:
        if spec.credential and spec.name in sent:
            raise _fail(spec, "must be sent in the request body, not in the query string")


async def parse(request: Request, specs: tuple[Param, ...]) -> dict[str, Any]:
    _no_credentials_in_query(request, specs)
    # Path parameters ({id} of an alias path) win over anything the query or body says.
    raw = await read_raw(request) | dict(request.path_params)
    return {spec.name: coerce(spec, raw.get(spec.name)) for spec in specs}
