"""GraphQL over HTTP's two answers (https://graphql.github.io/graphql-over-http/draft/).

A client that accepts `application/graphql-response+json` gets it, and with it statuses that
say what happened: 4xx with no `data` when the request was refused before it ran (a body
that is not JSON, no query, a parse or validation error, variables of the wrong type, a
subscription over HTTP), 200 once it ran, whatever its field errors. Any other client (no
Accept, `*/*`, `application/json`) gets the legacy `application/json`: 200 for every request
that is well-formed JSON with a query, the errors in the body, as before. An Accept that
names neither is refused with 406 (but a browser's GET: acceptable())."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
ANY_JSON = {JSON: JSON, "application/*": JSON, "*/*": JSON, GRAPHQL_RESPONSE: GRAPHQL_RESPONSE}


def negotiated(accept: str | None) -> str | None:
    """The media type to answer with: the client's most preferred of the two (the order of
    its Accept breaks ties); None when Accept names neither."""
    if not accept or not accept.strip():
        return JSON
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept.split(",")):
        kind, *params = (part.strip() for part in item.split(";"))
        ours = ANY_JSON.get(kind.lower())
        if ours is not None and (weight := _quality(params)) > 0:
            ranked.append((-weight, position, ours))
    return min(ranked)[2] if ranked else None


def acceptable(method: str, accept: str | None) -> bool:
    """Whether we can answer at all: a browser's GET (text/html) gets the explorer, or JSON
    for a query in the address bar, as the spec allows instead of a 406."""
    if method == "GET" and accept and "text/html" in accept:
        return True
    return negotiated(accept) is not None


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def of_headers(headers: Mapping[str, str]) -> str:
    """The media type of an error answer: the negotiated one, else (406 or not) JSON."""
    return negotiated(headers.get("accept")) or JSON


def refused_before_running(result: ExecutionResult) -> bool:
    """A request error in the spec's sense: no data, and no error from a field (a field's
    error has a path; a parse, validation or variable error has none)."""
    return result.data is None and bool(result.errors) and all(
        error.path is None for error in result.errors or [])


def shaped(body: dict[str, Any], media_type: str) -> dict[str, Any]:
    """A request error's body: with `data: null` in the legacy type (as casp always sent),
    without `data` in the new one, whose request errors have no data entry."""
    if media_type == GRAPHQL_RESPONSE:
        return {key: value for key, value in body.items() if key != "data"}
    return body
