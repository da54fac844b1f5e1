"""What stops costly or abusive GraphQL requests: the depth, alias and token limits, the page
size, the rate limit shared with REST; and what a client sees of an unexpected failure (a
SERVER_ERROR with a request id, never the traceback)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from app.services.accounts import users
from app.services.certificates import records as certificates
from app.services.domains import ownership as domains
from schema.documents import MAX_TOKENS
from tests.support.app import OfflineAcme, quiet_settings, running
from tests.support.graphql import data_of, error_of, gql, rest, rest_error, user
from tests.support.rest import bearer, login, register


@pytest.fixture
async def token(quiet: httpx.AsyncClient) -> str:
    return await user(quiet, "limits@example.com", "example.com")


def codes(result: dict[str, Any]) -> set[str]:
    return {e["extensions"]["code"] for e in result["errors"]}


def nested(depth: int) -> str:
    """`{ me { f1 { f2 ... } } }` with `depth` levels of fields under the operation."""
    inner = "leaf"
    for level in range(depth - 1, 0, -1):
        inner = f"f{level} {{ {inner} }}"
    return "{ me { " + inner + " } }" if depth > 1 else "{ me }"


# Depth

async def test_a_query_deeper_than_10_is_refused(quiet: httpx.AsyncClient, token: str):
    result = await gql(quiet, nested(11), token)
    assert result.get("data") is None and codes(result) == {"VALIDATION_ERROR"}
    assert any("exceeds maximum operation depth of 10" in e["message"]
               for e in result["errors"]), result


async def test_depth_10_is_not_refused_for_its_depth(quiet: httpx.AsyncClient, token: str):
    # casp's types nest at most three levels, so a query this deep names unknown fields;
    # what matters is that the depth limit does not speak up at 10.
    result = await gql(quiet, nested(10), token)
    assert codes(result) == {"VALIDATION_ERROR"}
    assert not any("depth" in e["message"] for e in result["errors"]), result
    assert any("Cannot query field" in e["message"] for e in result["errors"])


async def test_fragments_count_towards_the_depth(quiet: httpx.AsyncClient, token: str):
    query = """{ me { ...A } }
      fragment A on Account { a { b { c { ...B } } } }
      fragment B on Account { d { e { f { g { h { i { j { k } } } } } } } }"""
    result = await gql(quiet, query, token)
    assert any("exceeds maximum operation depth of 10" in e["message"]
               for e in result["errors"]), result


async def test_the_deepest_real_queries_and_introspection_pass(quiet: httpx.AsyncClient,
                                                               token: str):
    deepest = """mutation { renewCertificate(id: 1) { certificate { domainRecords { id } } } }"""
    assert error_of(await gql(quiet, deepest, token))["extensions"]["code"] == "NOT_FOUND"
    introspection = """{ __schema { types { name fields { type { ofType { ofType { ofType {
      ofType { ofType { ofType { ofType { name } } } } } } } } } } } }"""
    types = data_of(await gql(quiet, introspection))["__schema"]["types"]
    assert {"Certificate", "Query", "Mutation"} <= {t["name"] for t in types}


# Aliases

def aliased(count: int, field: str = "me { id }") -> str:
    return "{ " + " ".join(f"a{i}: {field}" for i in range(count)) + " }"


async def test_30_aliases_pass(quiet: httpx.AsyncClient, token: str):
    result = data_of(await gql(quiet, aliased(30), token))
    assert len(result) == 30 and {v["id"] for v in result.values()} == {result["a0"]["id"]}


@pytest.mark.parametrize("query", [
    aliased(31),
    aliased(31, "certificates { total }"),
    "{ certificates { " + " ".join(f"t{i}: total" for i in range(31)) + " } }",
    "{ x: me { id } " + " ".join(f"a{i}: renewalStats {{ p: pendingRenewals }}"
                                 for i in range(15)) + " }",
])
async def test_31_aliases_are_refused(quiet: httpx.AsyncClient, token: str, query: str):
    result = await gql(quiet, query, token)
    error = error_of(result)
    assert error["extensions"] == {"code": "VALIDATION_ERROR"}
    assert error["message"] == "31 aliases found. Allowed: 30"


async def test_a_refused_aliased_mutation_changes_nothing(quiet: httpx.AsyncClient,
                                                          token: str):
    def adds(count: int) -> str:
        return "mutation { " + " ".join(
            f'a{i}: addDomain(domain: "d{i}.example.net") {{ id }}' for i in range(count)) + " }"

    assert error_of(await gql(quiet, adds(31), token))["extensions"]["code"] == (
        "VALIDATION_ERROR")
    assert (await rest(quiet, "GET", "/api/v1/domains.php", token))["total"] == 1
    assert len(data_of(await gql(quiet, adds(30), token))) == 30
    assert (await rest(quiet, "GET", "/api/v1/domains.php", token))["total"] == 31


# Tokens

def request_with(names: int) -> str:
    """A mutation of 16 tokens around a literal list of `names` strings."""
    listed = " ".join(f'"n{i}.example.com"' for i in range(names))
    return ("mutation { requestCertificate(domains: [" + listed
            + "], caProvider: LETSENCRYPT) { id } }")


async def test_the_token_limit_is_exact(quiet: httpx.AsyncClient, token: str):
    # MAX_TOKENS tokens get through parsing and validation to the service, which wants at
    # most 100 names; one token more and the document is not even parsed
    names = MAX_TOKENS - 16  # the mutation around the list takes 16 tokens
    fits = error_of(await gql(quiet, request_with(names), token))
    assert fits["extensions"] == {"code": "VALIDATION_ERROR", "fields": {
        "domains": "domains must list at most 100 names"}}
    over = error_of(await gql(quiet, request_with(names + 1), token))
    assert over["extensions"] == {"code": "VALIDATION_ERROR"}
    assert f"more than {MAX_TOKENS} tokens" in over["message"]
    assert (await rest(quiet, "GET", "/api/v1/certificates.php", token))["total"] == 0


# Page size

@pytest.mark.parametrize(("field", "rest_path"), [
    ("certificates", "/api/v1/certificates.php"),
    ("notifications", "/api/v1/notifications.php")])
async def test_pages_hold_at_most_100(quiet: httpx.AsyncClient, token: str, field: str,
                                      rest_path: str):
    fits = data_of(await gql(quiet, f"{{ {field}(perPage: 100) {{ perPage pages }} }}", token))
    assert fits[field] == {"perPage": 100, "pages": 1}
    error = error_of(await gql(quiet, f"{{ {field}(perPage: 101) {{ perPage }} }}", token))
    assert error["extensions"] == {"code": "VALIDATION_ERROR",
                                   "fields": {"perPage": "perPage must be from 1 to 100"}}
    assert error["message"] == "perPage must be from 1 to 100"
    status, rest_error_ = await rest_error(quiet, "GET", rest_path, token,
                                           params={"per_page": 101})
    assert status == 400 and rest_error_["message"] == "per_page must be from 1 to 100"


# The rate limit, one budget per token over REST and GraphQL

@pytest.fixture
async def limited(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    slow = dataclasses.replace(quiet_settings(settings), rate_limit="5/minute")
    async with running(slow, clock, acme=OfflineAcme()) as c:
        yield c


async def spend(client: httpx.AsyncClient, token: str, kinds: str) -> list[httpx.Response]:
    """One request per letter: R a REST read, G a GraphQL read."""
    answers = []
    for kind in kinds:
        if kind == "R":
            answers.append(await client.get("/api/v1/account.php", headers=bearer(token)))
        else:
            answers.append(await client.post("/graphql", json={"query": "{ me { id } }"},
                                             headers=bearer(token)))
    return answers


@pytest.mark.parametrize(("first_five", "sixth"), [
    ("RGRGR", "G"), ("GRGRR", "R"), ("RRRGG", "G"), ("GGRRR", "R")])
async def test_the_budget_is_shared_with_rest(limited: httpx.AsyncClient, first_five: str,
                                              sixth: str):
    await register(limited, "a@example.com")  # these two count against the client IP
    token = await login(limited, "a@example.com")
    allowed = await spend(limited, token, first_five)
    assert [r.status_code for r in allowed] == [200] * 5, [r.text for r in allowed]
    assert [r.headers["X-RateLimit-Remaining"] for r in allowed] == ["4", "3", "2", "1", "0"]
    assert all(r.headers["X-RateLimit-Limit"] == "5" for r in allowed)

    (refused,) = await spend(limited, token, sixth)
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    if sixth == "G":
        body = refused.json()
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["RATE_LIMIT_EXCEEDED"]
        # the same extensions as any AppError in GraphQL: the code and its details
        assert body["errors"][0]["extensions"]["retry_after"] == int(refused.headers[
            "Retry-After"])
        assert "Rate limit of 5 requests exceeded" in body["errors"][0]["message"]
    else:
        error = refused.json()["error"]
        assert error["code"] == "RATE_LIMIT_EXCEEDED"
        assert error["details"]["retry_after"] >= 1
    # and then the other kind is refused too
    (other,) = await spend(limited, token, "R" if sixth == "G" else "G")
    assert other.status_code == 429


async def test_each_token_has_its_own_budget(limited: httpx.AsyncClient):
    await register(limited, "a@example.com")
    await register(limited, "b@example.com")
    a = await login(limited, "a@example.com")
    b = await login(limited, "b@example.com")  # 4 requests on the IP's budget so far
    assert [r.status_code for r in await spend(limited, a, "GGGRR")] == [200] * 5
    assert [r.status_code for r in await spend(limited, a, "G")] == [429]
    assert [r.status_code for r in await spend(limited, b, "GRGRG")] == [200] * 5
    assert [r.status_code for r in await spend(limited, b, "R")] == [429]
    # without a token the IP's budget applies: one left of five
    anonymous = await limited.post("/graphql", json={"query": "{ caProviders { name } }"})
    assert anonymous.status_code == 200
    again = await limited.post("/graphql", json={"query": "{ caProviders { name } }"})
    assert again.status_code == 429
    assert again.json()["errors"][0]["extensions"]["code"] == "RATE_LIMIT_EXCEEDED"


# Unexpected errors

def boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("database password is hunter2")


def assert_masked(response: httpx.Response, result: dict[str, Any]) -> str:
    error = result["errors"][0]
    rid = error["extensions"]["request_id"]
    assert error["extensions"] == {"code": "SERVER_ERROR", "request_id": rid}
    assert response.headers["X-Request-ID"] == rid
    assert error["message"] == f"Internal server error (request id {rid})"
    for leak in ("hunter2", "RuntimeError", "Traceback", "File \"", ".py"):
        assert leak not in response.text, response.text
    return str(rid)


async def post(client: httpx.AsyncClient, query: str, token: str) -> httpx.Response:
    response = await client.post("/graphql", json={"query": query}, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize(("where", "query"), [
    ("list", "{ certificates { total } }"),
    ("mutation", 'mutation { addDomain(domain: "www.example.com") { id } }'),
    ("loader", "{ certificates { certificates { id history { serial } } } }"),
])
async def test_unexpected_errors_are_masked(quiet: httpx.AsyncClient, token: str,
                                            monkeypatch: pytest.MonkeyPatch,
                                            caplog: pytest.LogCaptureFixture,
                                            where: str, query: str):
    await rest(quiet, "POST", "/api/v1/certificates.php", token, status=201,
               body={"ca_provider": "letsencrypt", "domains": ["example.com"]})
    if where == "list":  # whole rows or summaries, as the query asks
        monkeypatch.setattr(certificates, "list_certificates", boom)
        monkeypatch.setattr(certificates, "list_summaries", boom)
    elif where == "mutation":
        monkeypatch.setattr(domains, "add_domain", boom)
    else:
        monkeypatch.setattr(certificates, "versions_of", boom)
    with caplog.at_level(logging.ERROR, logger="casp.graphql"):
        response = await post(quiet, query, token)
    result = response.json()
    assert result["data"] is None and len(result["errors"]) == 1
    assert_masked(response, result)
    # the traceback is in the log, for whoever holds the request id
    (record,) = [r for r in caplog.records if r.name == "casp.graphql"]
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


async def test_rest_and_graphql_mask_alike(quiet: httpx.AsyncClient, token: str,
                                           monkeypatch: pytest.MonkeyPatch,
                                           caplog: pytest.LogCaptureFixture):
    monkeypatch.setattr(certificates, "list_certificates", boom)  # GraphQL's whole rows
    monkeypatch.setattr(certificates, "list_summaries", boom)  # REST's, and GraphQL's lean
    with caplog.at_level(logging.CRITICAL):
        g_response = await post(quiet, "{ certificates { total } }", token)
        r = await quiet.get("/api/v1/certificates.php", headers=bearer(token))
    g_rid = assert_masked(g_response, g_response.json())
    assert r.status_code == 500 and "hunter2" not in r.text
    error = r.json()["error"]
    assert error["code"] == "SERVER_ERROR"
    assert error["details"] == {"request_id": r.headers["X-Request-ID"]}
    assert error["message"] == f"Internal server error (request id {r.headers['X-Request-ID']})"
    assert g_rid != r.headers["X-Request-ID"]


async def test_errors_raised_on_purpose_keep_their_code(quiet: httpx.AsyncClient,
                                                        token: str):
    # an AppError is never masked: NOT_FOUND stays NOT_FOUND, with its message
    error = error_of(await gql(quiet, "{ certificate(id: 4242) { id } }", token))
    assert error["extensions"] == {"code": "NOT_FOUND"}
    assert error["message"] == "certificate 4242 not found"


async def test_a_failure_before_graphql_runs_answers_in_the_graphql_shape(
        quiet: httpx.AsyncClient, token: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture):
    # the token look-up (app/auth.py, before any door) fails: the last-resort 500 on /graphql
    # is a GraphQL answer, on REST's paths the envelope
    monkeypatch.setattr(users, "user_of_token", boom)
    with caplog.at_level(logging.CRITICAL):
        g = await quiet.post("/graphql", json={"query": "{ me { id } }"}, headers=bearer(token))
        r = await quiet.get("/api/v1/certificates.php", headers=bearer(token))
    assert g.status_code == 500 and g.json()["data"] is None
    assert_masked(g, g.json())
    assert r.status_code == 500 and r.json()["error"]["code"] == "SERVER_ERROR"
    assert r.json()["error"]["details"] == {"request_id": r.headers["X-Request-ID"]}
