"""JSON Schemas of answers' `data`, shared by handlers' docs and the OpenAPI document."""

from __future__ import annotations

from typing import Any


def obj(required: bool = True, **props: dict[str, Any]) -> dict[str, Any]:
    # Closed objects: an answer with an undocumented field fails the OpenAPI test.
    schema: dict[str, Any] = {"type": "object", "properties": props,
                              "additionalProperties": False}
    if required:
        schema["required"] = list(props)
    return schema


INT = {"type": "integer"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time"}
NULL = {"type": "null"}
