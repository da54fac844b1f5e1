"""What /graphql answers over HTTP when it runs no operation: a request it cannot take
(not JSON, not UTF-8, nested too deeply, a wrong content type, a batch, a mutation over
GET, an Accept it cannot answer) or a subscription, which only the WebSocket carries. Always
the GraphQL shape with a code in extensions.code, as every other GraphQL error, in the
negotiated media type (schema/media.py); never Strawberry's bare text/plain."""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from app.errors import AppError, NotFound, ValidationFailed
from schema.errors import error_response
from schema.media import GRAPHQL_RESPONSE, JSON

SUBSCRIPTIONS_OVER_WEBSOCKET = ("Subscriptions work over WebSocket only: connect to /graphql "
                                "with the graphql-transport-ws protocol")

# What each method may run. Strawberry would also take a subscription over HTTP (for its
# multipart and SSE transports, not enabled here) and run it as a query: a SERVER_ERROR.
HTTP_OPERATIONS = {"GET": frozenset({OperationType.QUERY}),
                   "POST": frozenset({OperationType.QUERY, OperationType.MUTATION})}


class OnlyPost(HTTPException):
    """A mutation over GET: GraphQL over HTTP says 405, allowing POST."""

    def __init__(self, reason: str):
        super().__init__(405, reason)


NOT_ACCEPTABLE = (f"Accept names no media type /graphql answers with: ask for {GRAPHQL_RESPONSE}"
                  f" or {JSON}")


def refusal(exc: HTTPException, media_type: str = JSON) -> Response:
    """One of Strawberry's refusals in the GraphQL shape, with its reason and status: 400;
    405 for HEAD (Starlette routes it here with GET) and a mutation over GET; 404 for a
    disabled explorer; 406 for an Accept naming neither of our media types."""
    if exc.status_code in {404, 405}:  # NOT_FOUND, as REST's MethodNotAllowed
        error: AppError = NotFound(exc.reason)
    else:
        error = ValidationFailed(exc.reason)
    response = error_response(error, media_type)
    response.status_code = exc.status_code
    if exc.status_code == 405:
        response.headers["Allow"] = "POST" if isinstance(exc, OnlyPost) else "GET, POST"
    return response


def unreadable(exc: RecursionError | UnicodeDecodeError) -> HTTPException:
    """A JSON body Strawberry's parse_json lets through (it catches JSONDecodeError only)."""
    if isinstance(exc, RecursionError):
        return HTTPException(400, "Unable to parse request body as JSON: nested too deeply")
    return HTTPException(400, "Unable to parse request body as JSON: not valid UTF-8")


async def execute(schema: BaseSchema, method: str, data: GraphQLRequestData, context: Any,
                  root_value: Any) -> ExecutionResult:
    """Strawberry's execute_single with HTTP_OPERATIONS: a subscription is refused with a
    validation error like any other before anything runs (200 in application/json, 400 in
    application/graphql-response+json: schema/media.py)."""
    try:
        return await schema.execute(
            data.query, variable_values=data.variables, context_value=context,
            root_value=root_value, operation_name=data.operation_name,
            allowed_operation_types=HTTP_OPERATIONS[method], operation_extensions=data.extensions)
    except InvalidOperationTypeError as exc:
        if exc.operation_type is OperationType.SUBSCRIPTION:
            error = GraphQLError(SUBSCRIPTIONS_OVER_WEBSOCKET,
                                 extensions={"code": "VALIDATION_ERROR"})
            return ExecutionResult(data=None, errors=[error])
        raise OnlyPost(exc.as_http_error_reason(method)) from exc
    except CannotGetOperationTypeError as exc:  # an operationName the document lacks
        raise HTTPException(400, exc.as_http_error_reason()) from exc
    except MissingQueryError as exc:
        raise HTTPException(400, "No GraphQL query found in the request") from exc
