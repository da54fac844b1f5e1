"""schemathesis against /graphql: every query and mutation of the served schema (introspected
from the app), fed queries generated from it (positive and negative), as an authenticated
user with data. No 5xx; every answer is a GraphQL response that keeps the schema's
promises; every error carries one of the five codes in extensions.code and none is
SERVER_ERROR."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import graphql
import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.errors import AppError
from tests.support.rest import bearer
from tests.support.robustness import fuzz
from tests.support.robustness.harness import SyncApp, sync_app

pytestmark = pytest.mark.slow  # schemathesis fuzzing

# The JSON scalar as input (addDnsCredential's credentials): objects of strings, other
# values too (the service refuses what is not an object of strings).
_NAME = st.from_regex(r"[a-z_]{1,12}", fullmatch=True)
schemathesis.graphql.scalar("JSON", st.one_of(
    st.dictionaries(_NAME, st.text(max_size=20), max_size=3).map(
        lambda d: schemathesis.graphql.nodes.Object([
            graphql.ObjectFieldNode(name=graphql.NameNode(value=k),
                                    value=schemathesis.graphql.nodes.String(v))
            for k, v in d.items()])),
    st.text(max_size=20).map(schemathesis.graphql.nodes.String),
    st.integers().map(schemathesis.graphql.nodes.Int)))

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
# The five codes (app/errors.py): every AppError subclass's code.
CODES = {AppError.code} | {cls.code for cls in AppError.__subclasses__()}
_sdl = graphql.build_schema(SCHEMA_FILE.read_text())
# Every query and mutation of the committed schema (a test keeps it equal to the served one).
OPERATIONS = sorted(
    [("Query", name) for name in (_sdl.query_type.fields if _sdl.query_type else {})]
    + [("Mutation", name) for name in (_sdl.mutation_type.fields if _sdl.mutation_type
                                       else {})])


class BadCode(Failure):
    code = "CASP1"
    kind_title = "GraphQL error without one of the five codes, or SERVER_ERROR"


def casp_codes(ctx: Any, response: Any, case: Any) -> bool | None:
    """No 5xx; a JSON object; each error's extensions.code one of the five, never
    SERVER_ERROR."""
    if response.status_code >= 500:
        raise BadCode(operation=case.operation.label, message=f"HTTP {response.status_code}")
    payload = response.json()
    for error in payload.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code not in CODES or code == "SERVER_ERROR":
            raise BadCode(operation=case.operation.label,
                          message=f"extensions.code {code!r}: {error.get('message')}")
    return None


def test_codes_are_the_five():
    assert {"VALIDATION_ERROR", "UNAUTHORIZED", "NOT_FOUND", "RATE_LIMIT_EXCEEDED",
            "SERVER_ERROR"} == CODES


# Failures already reported, each pinned down by an xfail test (see fuzz.KnownFinding).
KNOWN: list[fuzz.KnownFinding] = []

_ID = re.compile(r"\bid: -?\d+")


def with_real_id(query: str, ident: int | None) -> str:
    return query if ident is None else _ID.sub(f"id: {ident}", query)


def introspected(app: SyncApp) -> schemathesis.BaseSchema:
    r = app.call("POST", "/graphql", json={"query": graphql.get_introspection_query()})
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    return schemathesis.graphql.from_dict(r.json())


def fuzz_operation(app: SyncApp, root: str, name: str, mode: schemathesis.GenerationMode,
                   examples: int) -> fuzz.Tally:
    operation = introspected(app)[root][name]
    owner = app.seeded
    assert owner is not None
    ids = [owner.pending_id, owner.issued_id, owner.domain_id, owner.note_id]
    tally = fuzz.Tally()

    @fuzz.budget(examples)
    @given(case=operation.as_strategy(generation_mode=mode),
           ident=st.sampled_from([None, *ids]))
    def run(case: Any, ident: int | None) -> None:
        if isinstance(case.body, str):
            case.body = with_real_id(case.body, ident)
        kwargs = fuzz.to_httpx(case.as_transport_kwargs(
            base_url="http://testserver/graphql", headers=bearer(app.token)))
        response = app.call(**kwargs)
        tally.answer(response)
        if name == "regenerateApiToken" and "errors" not in response.json():
            app.token = response.json()["data"]["regenerateApiToken"]["token"]
        fuzz.validate(tally, case, response, [response_schema_conformance, casp_codes],
                      f"{root}.{name}", KNOWN)

    run()
    return tally


@pytest.mark.parametrize("mode", fuzz.MODES, ids=str)
@pytest.mark.parametrize(("root", "name"), OPERATIONS, ids=[f"{r}.{n}" for r, n in OPERATIONS])
def test_operation_answers_as_documented(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         root: str, name: str,
                                         mode: schemathesis.GenerationMode):
    with sync_app(tmp_path, monkeypatch, renew_wait_seconds=0) as app:
        app.seed_owner()
        # Negative queries are refused by validation before any resolver runs: half the cases.
        examples = fuzz.EXAMPLES if mode.is_positive else fuzz.EXAMPLES // 2
        tally = fuzz_operation(app, root, name, mode, examples)
        assert tally.examples >= examples // 2, tally.report()
        assert not tally.unknown, tally.report()


def test_every_operation_is_fuzzed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The parametrization (schema.graphql) is the served schema's queries and mutations."""
    with sync_app(tmp_path, monkeypatch) as app:
        r = app.call("POST", "/graphql", json={"query": graphql.get_introspection_query()})
    served = graphql.build_client_schema(r.json()["data"])
    assert served.query_type is not None and served.mutation_type is not None
    assert sorted([("Query", n) for n in served.query_type.fields]
                  + [("Mutation", n) for n in served.mutation_type.fields]) == OPERATIONS
