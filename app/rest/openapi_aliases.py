"""The alias paths in the OpenAPI document: one action an operation, its id in the path,
its body and answers components of their own (what openapi-python-client names its
functions and models after)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from app.rest.dispatch import Alias
from app.rest.openapi_parts import body_schema, pascal, query_param, responses
from app.rest.v1.schemas import ref

_PATH_PARAM = re.compile(r"{(\w+)}")


def alias_operation(alias: Alias, tag: str, components: dict[str, Any]) -> dict[str, Any]:
    in_path = set(_PATH_PARAM.findall(alias.path))
    action = alias.action
    if alias.data is not None:  # the path narrows the answer (a list, or one item)
        action = dataclasses.replace(action, data=alias.data)
    params, fields = [], []
    for p in alias.specs:
        if p.name in in_path:
            params.append(query_param(p, "path"))
        elif p.in_query or alias.method in {"GET", "DELETE"}:
            params.append(query_param(p))
        else:
            fields.append(p)
    name = pascal(alias.operation_id)
    op: dict[str, Any] = {
        "tags": [tag], "summary": alias.summary or action.summary,
        "description": f"{alias.summary or action.summary}. The same action as the seed's "
                       f"{alias.method} {tag}.php"
                       + (f"?action={action.name}" if action.name else "") + ".",
        "operationId": alias.operation_id, "parameters": params,
        "security": [{"bearer": []}] if action.auth else [],
        "responses": responses([action], [name], components),
    }
    if fields:
        components[f"{name}Request"] = body_schema(tuple(fields), alias.operation_id) | {
            "title": f"{name}Request"}
        schema = ref(f"{name}Request")
        # JSON only, though form and multipart bodies are read alike (the seed's paths list
        # all three): given one schema under three media types, openapi-python-client 0.29
        # makes the body optional and writes code that cannot be imported (`Unset`).
        op["requestBody"] = {
            "required": any(p.required for p in fields),
            "description": "The action's fields (a form or multipart body is read alike)",
            "content": {"application/json": {"schema": schema}}}
    return op
