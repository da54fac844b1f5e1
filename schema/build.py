"""The schema, and the ASGI app that serves it with our context."""

from __future__ import annotations

from typing import Any, cast

import orjson
import strawberry
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.unset import UnsetType

from app.errors import AppError
from schema import explorer, media, refusals
from schema.context import Context
from schema.documents import Documents
from schema.errors import NO_STORE, ErrorCodes, mark, rejection
from schema.lean import LeanExecution
from schema.mutation import Mutation
from schema.query import Query
from schema.subscription import Subscription
from schema.websocket import TextFrames, WebSocketHandler, handler_options


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        """Codes on every error, subscriptions' too (ErrorCodes covers queries and mutations
        but not each event of a subscription); client errors are not log noise."""
        for error in errors:
            mark(error)


schema = Schema(query=Query, mutation=Mutation, subscription=Subscription,
                extensions=[ErrorCodes, Documents], execution_context_class=LeanExecution)


class GraphQLApp(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = WebSocketHandler
    websocket_adapter_class = TextFrames

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's, but its refusals answer in the GraphQL shape (schema/refusals.py),
        not as bare text/plain, in the media type the client accepts (schema/media.py)."""
        if scope["type"] != "http":  # WebSocket subscriptions: Strawberry's own
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            if not media.acceptable(request.method, request.headers.get("accept")):
                raise HTTPException(406, refusals.NOT_ACCEPTABLE)
            response = await self.run(request)
        except HTTPException as exc:
            response = refusals.refusal(exc, media.of_headers(request.headers))
        response.headers["Cache-Control"] = NO_STORE  # any answer may carry a token or a key
        await response(scope, receive, send)

    async def get_sub_response(self, request: Request | Any) -> Response:
        """It carries the negotiated media type to create_response."""
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = media.of_headers(request.headers)
        return sub_response

    async def process_result(self, request: Request, result: ExecutionResult,
                             ) -> GraphQLHTTPResponse:
        body = process_result(result)
        if media.refused_before_running(result):
            shaped = media.shaped(dict(body), media.of_headers(request.headers))
            return cast(GraphQLHTTPResponse, shaped)
        return body

    def create_response(self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
                        sub_response: Response) -> Response:
        """Strawberry's, in the negotiated media type (it always says application/json)."""
        response = super().create_response(response_data, sub_response)
        response.media_type = sub_response.media_type
        response.headers["content-type"] = str(sub_response.media_type)
        return response

    def encode_json(self, data: object) -> bytes:
        """orjson: the same compact JSON as Strawberry's json.dumps, several times faster."""
        return orjson.dumps(data)

    def parse_json(self, data: str | bytes) -> Any:
        """Every unreadable body a 400, not only what raises JSONDecodeError."""
        try:
            return super().parse_json(data)
        except (RecursionError, UnicodeDecodeError) as exc:
            raise refusals.unreadable(exc) from exc

    async def execute_single(self, request: Request, request_adapter: AsyncHTTPRequestAdapter,
                             sub_response: Response, context: Context, root_value: None,
                             request_data: GraphQLRequestData) -> ExecutionResult:
        """No subscription over HTTP (refusals.execute); a request error is a 400 when the
        client accepts application/graphql-response+json (schema/media.py)."""
        result = await refusals.execute(self.schema, request_adapter.method, request_data,
                                        context, root_value)
        if sub_response.media_type == media.GRAPHQL_RESPONSE and (
                media.refused_before_running(result)):
            sub_response.status_code = 400
        return result

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(request=request, response=response)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL served from casp itself (schema/explorer.py), not Strawberry's CDN page."""
        return explorer.page_response(request)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A subscription needs a valid token from the start (header or init payload)."""
        try:
            await context.user()
        except AppError as exc:
            raise ConnectionRejectionError(rejection(exc)) from exc
        return UnsetType()  # UNSET itself (a singleton), typed: strawberry's UNSET is Any


def graphql_app() -> GraphQLApp:
    return GraphQLApp(schema, graphql_ide="graphiql", **handler_options())
