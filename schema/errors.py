"""The one place errors become GraphQL errors: AppError's code in extensions.code; anything
unexpected masked as SERVER_ERROR with a request id, its traceback logged. Also the answer
for an AppError raised before an operation runs (a refusal, or the middleware's)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from starlette.responses import JSONResponse, Response
from strawberry.extensions import SchemaExtension

from app.errors import AppError
from app.logs import request_id
from app.wording import Action, spelled
from schema.media import JSON, shaped

log = logging.getLogger("casp.graphql")
NO_STORE = "no-store"  # on every /graphql answer: any of them may carry a token or a key


def translate(error: GraphQLError) -> GraphQLError:
    if error.extensions and "code" in error.extensions:  # already ours
        return error
    original = error.original_error
    if isinstance(original, AppError):
        message, extensions = in_graphql_words(original), extensions_of(original)
    elif original is None or isinstance(original, GraphQLError):
        # The query itself is wrong: syntax, unknown field, a variable of the wrong type
        # (graphql-core wraps variable coercion errors in another GraphQLError).
        message, extensions = error.message, {"code": "VALIDATION_ERROR"}
    else:
        rid = request_id.get()
        log.error("unhandled error in GraphQL resolver", exc_info=original)
        message = f"Internal server error (request id {rid})"
        extensions = {"code": "SERVER_ERROR", "request_id": rid}
    return GraphQLError(message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path, extensions=extensions)


# The mutation each action of a message is here (REST's spelling: app/wording.py).
MUTATIONS = {Action.ADD_DOMAIN: "addDomain", Action.VERIFY_DOMAIN: "verifyDomain",
             Action.SET_EAB: "setEabCredentials",
             Action.VERIFY_CERTIFICATE: "verifyCertificate"}


def graphql_word(kind: str, name: str) -> str:
    """An argument camelCase (Strawberry's rule), a value as its enum value (the rule of
    schema/types/enums.py), an action as its mutation."""
    if kind == "action":
        return f"the {MUTATIONS[Action[name]]} mutation"
    if kind == "value":
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).replace("-", "_").upper()
    return _camel(name)


def in_graphql_words(exc: AppError) -> str:
    return spelled(exc.marked, graphql_word)


def extensions_of(exc: AppError) -> dict[str, Any]:
    """extensions: the code and the details; per-field errors named as the GraphQL
    arguments are (camelCase), in GraphQL's words."""
    details = dict(exc.details or {})
    if "fields" in details:
        details["fields"] = {_camel(k): in_graphql_words(exc) if v == exc.message else v
                             for k, v in details["fields"].items()}
    return {"code": exc.code, **details}


def error_body(exc: AppError) -> dict[str, Any]:
    return {"data": None, "errors": [{"message": in_graphql_words(exc),
                                      "extensions": extensions_of(exc)}]}


def error_response(exc: AppError, media_type: str = JSON) -> Response:
    """An AppError met before any operation ran, as a GraphQL answer in the negotiated
    media type (schema/media.py)."""
    return JSONResponse(shaped(error_body(exc), media_type), status_code=exc.status,
                        headers={**exc.headers, "Cache-Control": NO_STORE},
                        media_type=media_type)


def rejection(exc: AppError) -> dict[str, Any]:
    """The payload of a refused graphql-transport-ws connection (its close reason)."""
    return {"code": exc.code, "message": in_graphql_words(exc)}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def mark(error: GraphQLError) -> None:
    """translate() in place, for the paths (subscriptions) that keep the error objects."""
    ours = translate(error)
    error.message, error.extensions = ours.message, ours.extensions


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [translate(e) for e in errors]
