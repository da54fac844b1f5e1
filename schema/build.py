"""The schema, and the ASGI app that serves it with our context."""

from __future__ import annotations

from typing import Any

import orjson
import strawberry
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import ASTValidationRule, GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.unset import UnsetType

from app.errors import AppError
from schema import explorer, refusals
from schema.context import Context
from schema.errors import NO_STORE, ErrorCodes, mark, rejection
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


# Limits against costly queries: nesting, aliases (each alias is another resolver run)
# and overall size; pages are capped at 100 by the services themselves.
MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 1000  # the full introspection query is about 200

# The depth and alias rules are built once: QueryDepthLimiter and MaxAliasesLimiter make a
# new rule class per instance, which would defeat the validation cache (keyed on the rules).
LIMIT_RULES: list[type[ASTValidationRule]] = [depth_rule(MAX_DEPTH, None, None),
                                               aliases_rule(MAX_ALIASES)]
CACHED_DOCUMENTS = 256  # bounded: made-up documents cannot grow the caches

schema = Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=[
    ErrorCodes, lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    lambda: AddValidationRules(LIMIT_RULES),
    lambda: ParserCache(maxsize=CACHED_DOCUMENTS),
    lambda: ValidationCache(maxsize=CACHED_DOCUMENTS)])


class GraphQLApp(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = WebSocketHandler
    websocket_adapter_class = TextFrames

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's, but its refusals answer in the GraphQL shape (schema/refusals.py),
        not as bare text/plain."""
        if scope["type"] != "http":  # WebSocket subscriptions: Strawberry's own
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as exc:
            response = refusals.refusal(exc)
        response.headers["Cache-Control"] = NO_STORE  # any answer may carry a token or a key
        await response(scope, receive, send)

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
        """No subscription over HTTP (refusals.execute)."""
        return await refusals.execute(self.schema, request_adapter.method, request_data,
                                      context, root_value)

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
