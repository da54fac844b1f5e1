"""The schema, and the ASGI app that serves it with our context."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import ExecutionContext
from strawberry.types.unset import UNSET, UnsetType

from app.errors import AppError
from schema import explorer
from schema.context import Context
from schema.errors import ErrorCodes, mark
from schema.mutation import Mutation
from schema.query import Query
from schema.subscription import Subscription


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

schema = Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=[
    ErrorCodes, lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
    lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS)])


class GraphQLApp(GraphQL[Context, None]):
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
            raise ConnectionRejectionError({"code": exc.code, "message": exc.message}) from exc
        return UNSET


def graphql_app() -> GraphQLApp:
    return GraphQLApp(schema, graphql_ide="graphiql")
