"""The one place errors become GraphQL errors: AppError's code in extensions.code; anything
unexpected masked as SERVER_ERROR with a request id, its traceback logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from app.errors import AppError
from app.logs import request_id

log = logging.getLogger("casp.graphql")


def translate(error: GraphQLError) -> GraphQLError:
    if error.extensions and "code" in error.extensions:  # already ours
        return error
    original = error.original_error
    if isinstance(original, AppError):
        details = dict(original.details or {})
        if "fields" in details:  # per-field errors named as the GraphQL arguments are
            details["fields"] = {_camel(k): v for k, v in details["fields"].items()}
        message, extensions = original.message, {"code": original.code, **details}
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
