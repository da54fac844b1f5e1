"""Parsing and validation with casp's limits and caches, as one Strawberry extension.

It does what MaxTokensLimiter, AddValidationRules, ParserCache and ValidationCache did as four:
Strawberry makes each extension anew for every request and runs four hook managers over all of
them, and the four cost about as much as the list's own fields (docs/benchmarks.md, issue 15).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import ASTValidationRule, parse
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.schema import validate_document

# Limits against costly queries: nesting, aliases (each alias is another resolver run)
# and overall size; pages are capped at 100 by the services themselves.
MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 1000  # the full introspection query is about 200
CACHED_DOCUMENTS = 256  # bounded: made-up documents cannot grow the caches

# Built once: the validation cache is keyed on the rules, so new rule classes per request
# (what QueryDepthLimiter and MaxAliasesLimiter make) would defeat it.
LIMIT_RULES: tuple[type[ASTValidationRule], ...] = (depth_rule(MAX_DEPTH, None, None),
                                                     aliases_rule(MAX_ALIASES))
_parse = lru_cache(maxsize=CACHED_DOCUMENTS)(parse)  # one document object per query text
_validate = lru_cache(maxsize=CACHED_DOCUMENTS)(validate_document)


class Documents(SchemaExtension):
    """At most MAX_TOKENS tokens, parsed once per query text; the limit rules added to
    GraphQL's, and a document validated once per text and rules."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = MAX_TOKENS
        context.validation_rules = context.validation_rules + LIMIT_RULES
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = _parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = _validate(
            context.schema._schema, context.graphql_document, context.validation_rules)
        yield
