"""schema/lean.py answers plain leaf fields itself: every answer, errors included, must be
what Strawberry's own execution gives."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry

from app.services.certificates.view import CertificateSummary
from schema.lean import LeanExecution
from schema.types.certificate import Certificate


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    id: int
    name: str
    note: str | None
    colour: Colour
    tags: list[str]
    maybe_tags: list[str | None] | None
    at: datetime

    @strawberry.field
    def shout(self, suffix: str = "!") -> str:
        return self.name.upper() + suffix


def _item(**changes: Any) -> Item:
    values: dict[str, Any] = {
        "id": 1, "name": "one", "note": None, "colour": Colour.RED, "tags": ["a", "b"],
        "maybe_tags": ["x", None], "at": datetime(2026, 12, 4, 12, 0, tzinfo=UTC)}
    return Item(**values | changes)


# Each case makes fresh items (a generator is used up by one run).
ITEMS: dict[str, Callable[[], list[Item]]] = {
    "plain": lambda: [_item(), _item(id=2, note="n", colour=Colour.BLUE, maybe_tags=None)],
    # Values that are not plainly valid: graphql-core must report them as it always did.
    "null where the type forbids it": lambda: [_item(name=None)],
    "a value the enum does not know": lambda: [_item(colour="purple")],
    "an int where a string list is due": lambda: [_item(tags=5)],
    "a null inside a non-null list": lambda: [_item(tags=["a", None])],
    "a tuple for a list": lambda: [_item(tags=("a", "b"))],
    "a generator for a list": lambda: [_item(tags=(t for t in ["a"]))],
    "a string where an int is due": lambda: [_item(id="seven")],
}
QUERIES = [
    "{ items { id name note colour tags maybeTags at } }",
    "{ items { id shout shoutAgain: shout(suffix: \"?\") } }",
    "{ items { ... on Item { id renamed: name } ...F } } fragment F on Item { colour at }",
    "query($skip: Boolean!) { items { id name @skip(if: $skip) } }",
]


def _schema(items: list[Item], lean: bool) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def items(self) -> list[Item]:
            return items

    return strawberry.Schema(query=Query, **(
        {"execution_context_class": LeanExecution} if lean else {}))


@pytest.mark.parametrize("case", list(ITEMS))
@pytest.mark.parametrize("query", QUERIES)
def test_lean_answers_as_strawberry_does(case: str, query: str) -> None:
    variables = {"skip": True}
    lean = _schema(ITEMS[case](), lean=True).execute_sync(query, variables)
    plain = _schema(ITEMS[case](), lean=False).execute_sync(query, variables)
    assert lean.data == plain.data
    assert [(e.message, e.path) for e in lean.errors or []] == [
        (e.message, e.path) for e in plain.errors or []]


def test_invalid_values_are_still_errors() -> None:
    result = _schema(ITEMS["null where the type forbids it"](), lean=True).execute_sync(
        "{ items { id name } }")
    assert result.data is None
    assert result.errors and "Cannot return null for non-nullable field Item.name" in (
        result.errors[0].message)
    result = _schema(ITEMS["a value the enum does not know"](), lean=True).execute_sync(
        "{ items { colour } }")
    assert result.errors and result.errors[0].path == ["items", 0, "colour"]


def test_certificate_of_sets_every_field() -> None:
    """Certificate.of fills the dataclass without its __init__: no field may be missed."""
    names = {f.name for f in dataclasses.fields(CertificateSummary)}
    view = CertificateSummary(**{n: None for n in names} | {
        "id": 3, "domains": ["a.example"], "ca_provider": "letsencrypt",
        "challenge_type": "http-01", "key_type": "ec-256", "status": "issued",
        "dns_records": []})
    made = Certificate.of(view)
    missing = [f.name for f in dataclasses.fields(Certificate)
               if f.init and f.name not in vars(made)]
    assert missing == []
    assert made.id == 3 and made.status.value == "issued"


def test_plain_fields_skip_graphql_core(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path is taken: graphql-core's execute_field runs only for `items` and the
    field with a resolver, not for the 2 x 7 plain fields."""
    from graphql.execution.executor import Executor

    names: list[str] = []
    original = Executor.execute_field

    def counting(self: Any, parent_type: Any, source: Any, details: Any, *rest: Any) -> Any:
        names.append(details[0].node.name.value)
        return original(self, parent_type, source, details, *rest)

    monkeypatch.setattr(Executor, "execute_field", counting)
    result = _schema(ITEMS["plain"](), lean=True).execute_sync(
        "{ items { id name note colour tags maybeTags at shout } }")
    assert result.errors is None
    assert names == ["items", "shout", "shout"]


def test_objects_of_plain_fields_are_answered_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """When every field asked of an object is plain, graphql-core's execute_fields runs for
    the root only: not once per item."""
    from graphql.execution.executor import Executor

    calls: list[str] = []
    original = Executor.execute_fields

    def counting(self: Any, parent_type: Any, *rest: Any) -> Any:
        calls.append(parent_type.name)
        return original(self, parent_type, *rest)

    monkeypatch.setattr(Executor, "execute_fields", counting)
    result = _schema(ITEMS["plain"](), lean=True).execute_sync(
        "{ items { id name note colour tags maybeTags at } }")
    assert result.errors is None and result.data is not None
    assert len(result.data["items"]) == 2
    assert calls == ["Query"]


def test_selections_kept_across_requests_follow_each_document_and_variables() -> None:
    """collect_subfields' cache across requests: per parsed document (node identity), and
    not used when variables may change what is selected."""
    from strawberry.extensions import ParserCache

    @strawberry.type
    class Query:
        @strawberry.field
        def items(self) -> list[Item]:
            return ITEMS["plain"]()

    schema = strawberry.Schema(query=Query, execution_context_class=LeanExecution,
                               extensions=[lambda: ParserCache(maxsize=8)])
    for _ in range(2):  # the second run of each text hits the cache
        assert schema.execute_sync("{ items { id } }").data == {"items": [{"id": 1}, {"id": 2}]}
        assert schema.execute_sync("{ items { name } }").data == {
            "items": [{"name": "one"}, {"name": "one"}]}
    query = "query($with: Boolean!) { items { id name @include(if: $with) } }"
    assert schema.execute_sync(query, {"with": True}).data == {
        "items": [{"id": 1, "name": "one"}, {"id": 2, "name": "one"}]}
    assert schema.execute_sync(query, {"with": False}).data == {"items": [{"id": 1}, {"id": 2}]}


@pytest.mark.parametrize("value", [2**31 - 1, 2**31, -(2**31), -(2**31) - 1, True])
def test_ints_out_of_range_are_still_refused(value: int) -> None:
    """The fast path returns an int as is only within GraphQL's 32 bits (and never a bool)."""
    items = lambda: [_item(id=value)]  # noqa: E731
    lean = _schema(items(), lean=True).execute_sync("{ items { id } }")
    plain = _schema(items(), lean=False).execute_sync("{ items { id } }")
    assert lean.data == plain.data
    assert [e.message for e in lean.errors or []] == [e.message for e in plain.errors or []]
