"""JSON Schemas of answers' `data`, shared by handlers' docs and the OpenAPI document."""

from __future__ import annotations

from typing import Any


def obj(required: bool = True, **props: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(props)
    return schema


INT = {"type": "integer"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time"}
NULL = {"type": "null"}
