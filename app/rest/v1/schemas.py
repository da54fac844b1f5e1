"""JSON Schemas of answers' `data`, shared by handlers' docs and the OpenAPI document.

Resources are named component schemas (`named`), made from the services' view dataclasses
(`fields_of`) so that a field added to a view reaches the document; REST's renames and its
enums are stated next to the view they change."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from typing import Any

COMPONENTS: dict[str, dict[str, Any]] = {}


def obj(required: bool = True, **props: dict[str, Any]) -> dict[str, Any]:
    # Closed objects: an answer with an undocumented field fails the OpenAPI test.
    schema: dict[str, Any] = {"type": "object", "properties": props,
                              "additionalProperties": False}
    if required:
        schema["required"] = list(props)
    return schema


def record(props: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """obj() of properties made elsewhere (fields_of): closed, all required."""
    return {"type": "object", "properties": props, "additionalProperties": False,
            "required": list(props)}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def named(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` as components/schemas/`name`; its $ref."""
    assert name not in COMPONENTS, name
    COMPONENTS[name] = {"title": name, "description": description, **schema}
    return ref(name)


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if isinstance(schema.get("type"), str) and "enum" not in schema and "const" not in schema:
        return schema | {"type": [schema["type"], "null"]}
    return {"anyOf": [schema, NULL]}


# A CA's name: one of the six, or one the operator declared (CASP_CUSTOM_CAS), which no
# document built ahead of the settings can list: the six are its examples.
MAX_CA_NAME = 20
CA_PARAM = ("The CA: letsencrypt, zerossl, litessl, buypass, google, sslcom, or a CA this "
            "server's operator declared (certificates.php?action=ca-providers lists them all)")
SIX_CAS = ("letsencrypt", "zerossl", "litessl", "buypass", "google", "sslcom")
CA_NAME = {"type": "string", "maxLength": MAX_CA_NAME, "pattern": "^[a-z][a-z0-9_]*$",
           "examples": list(SIX_CAS), "description": CA_PARAM}
INT = {"type": "integer", "format": "int64"}
ID = {"type": "integer", "format": "int32", "minimum": 1}  # the id columns are 32-bit
STR = {"type": "string"}
BOOL = {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
EMAIL = {"type": "string", "format": "email"}
URI = {"type": "string", "format": "uri"}
NULL = {"type": "null"}
OBJECT = {"type": "object"}
_PLAIN: dict[Any, dict[str, Any]] = {int: INT, str: STR, bool: BOOL, datetime: DATETIME}


def type_schema(hint: Any) -> dict[str, Any]:
    """The JSON Schema of a view field's annotation (the few kinds views use)."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        return nullable(type_schema(inner))
    origin = typing.get_origin(hint)
    if origin is list:
        return {"type": "array", "items": type_schema(args[0])}
    if origin is dict or hint is dict:
        return OBJECT
    if hint in _PLAIN:
        return _PLAIN[hint]
    raise TypeError(f"no JSON Schema for {hint!r}: give it in `override`")


def fields_of(view: type, *, drop: tuple[str, ...] = (), rename: dict[str, str] | None = None,
              override: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """The properties of a view dataclass as REST shows it: `drop` what REST leaves out,
    `rename` to the seed's names, `override` where REST narrows a type (enums, dates)."""
    hints = typing.get_type_hints(view)
    rename, override = rename or {}, override or {}
    return {rename.get(f.name, f.name): override.get(f.name) or type_schema(hints[f.name])
            for f in dataclasses.fields(view) if f.name not in drop}


def enum(values: typing.Iterable[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}
