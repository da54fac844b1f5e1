"""The schema, and the ASGI app that serves it with our context."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionContext

from schema.context import Context
from schema.errors import ErrorCodes
from schema.mutation import Mutation
from schema.query import Query


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        """ErrorCodes already logged what was unexpected; client errors are not log noise."""


schema = Schema(query=Query, mutation=Mutation, extensions=[ErrorCodes])


class GraphQLApp(GraphQL[Context, None]):
    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(request=request, response=response)


def graphql_app() -> GraphQLApp:
    return GraphQLApp(schema, graphql_ide="graphiql")
