"""/graphql over HTTP as the GraphQL-over-HTTP spec words it: with Accept
application/graphql-response+json, that media type and a 4xx with no `data` for a request
refused before it ran, 200 once it ran; with application/json (or no Accept), 200 for every
well-formed request, as before; 405 for a mutation over GET; 406 for an Accept naming neither.
Also through gql's HTTP transports, a client nobody here wrote."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gql import Client, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport

from app.clock import ManualClock
from app.config import Settings
from schema.media import negotiated
from tests.support.app import OfflineAcme, quiet_settings, running
from tests.support.graphql import user
from tests.support.live import live_casp
from tests.support.net import free_port

NEW = "application/graphql-response+json"
LEGACY = "application/json"


async def post(client: httpx.AsyncClient, accept: str | None, body: Any = None, *,
               content: bytes | None = None, token: str | None = None) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if content is not None:
        headers["Content-Type"] = LEGACY
        return await client.post("/graphql", content=content, headers=headers)
    return await client.post("/graphql", json=body, headers=headers)


def media_type(r: httpx.Response) -> str:
    return r.headers["content-type"].split(";")[0]


# A request refused before it ran: (body or raw bytes, status as application/json)
REQUEST_ERRORS = [
    pytest.param(None, b'{"query": "{ __typename }"', 400, id="unparseable-json"),
    pytest.param({"variables": {}}, None, 400, id="no-query"),
    pytest.param({"query": "{ me { id "}, None, 200, id="parse-error"),
    pytest.param({"query": "{ nope }"}, None, 200, id="validation-error"),
    pytest.param({"query": "query($p: Int) { certificates(page: $p) { total } }",
                  "variables": {"p": "two"}}, None, 200, id="variable-of-the-wrong-type"),
    pytest.param({"query": "subscription { certificateEvents { at } }"}, None, 200,
                 id="subscription-over-http"),
    pytest.param({"query": "query A { me { id } } query B { me { id } }",
                  "operationName": "C"}, None, 400, id="unknown-operation-name"),
]


@pytest.mark.parametrize(("body", "raw", "legacy_status"), REQUEST_ERRORS)
async def test_a_request_error_is_a_4xx_without_data(quiet: httpx.AsyncClient, body: Any,
                                                     raw: bytes | None, legacy_status: int):
    r = await post(quiet, NEW, body, content=raw)
    assert r.status_code == 400, r.text
    assert media_type(r) == NEW
    answer = r.json()
    assert "data" not in answer and answer["errors"], answer
    assert answer["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(("body", "raw", "legacy_status"), REQUEST_ERRORS)
async def test_the_legacy_type_keeps_its_statuses(quiet: httpx.AsyncClient, body: Any,
                                                  raw: bytes | None, legacy_status: int):
    for accept in (LEGACY, None, "*/*"):
        r = await post(quiet, accept, body, content=raw)
        assert (r.status_code, media_type(r)) == (legacy_status, LEGACY), (accept, r.text)
        answer = r.json()
        assert answer["data"] is None and answer["errors"], answer


async def test_an_operation_that_ran_is_a_200_whatever_its_errors(quiet: httpx.AsyncClient):
    ok = await post(quiet, NEW, {"query": "{ caProviders { name } }"})
    assert (ok.status_code, media_type(ok)) == (200, NEW)
    assert "LETSENCRYPT" in {ca["name"] for ca in ok.json()["data"]["caProviders"]}
    # no token: the resolver refuses; it ran, so 200, with the data entry (null)
    refused = await post(quiet, NEW, {"query": "{ me { id } }"})
    assert (refused.status_code, media_type(refused)) == (200, NEW)
    answer = refused.json()
    assert answer["data"] is None and answer["errors"][0]["path"] == ["me"]
    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize("accept", [NEW, LEGACY])
async def test_a_mutation_over_get_is_a_405(quiet: httpx.AsyncClient, accept: str):
    r = await quiet.get("/graphql", params={"query": "mutation { regenerateApiToken { token } }"},
                        headers={"Accept": accept})
    assert r.status_code == 405 and r.headers["allow"] == "POST", r.text
    assert media_type(r) == accept
    assert "data" not in r.json() if accept == NEW else r.json()["data"] is None


async def test_a_query_over_get_answers_in_either_type(quiet: httpx.AsyncClient):
    for accept in (NEW, LEGACY):
        r = await quiet.get("/graphql", params={"query": "{ __typename }"},
                            headers={"Accept": accept})
        assert (r.status_code, media_type(r), r.json()) == (
            200, accept, {"data": {"__typename": "Query"}})


@pytest.mark.parametrize("accept", ["text/plain", "application/xml", "application/json;q=0",
                                    "image/*"])
async def test_an_accept_naming_neither_type_is_a_406(quiet: httpx.AsyncClient, accept: str):
    r = await post(quiet, accept, {"query": "{ __typename }"})
    assert r.status_code == 406, r.text
    assert media_type(r) == LEGACY  # what we can say, since nothing it names is ours
    assert NEW in r.json()["errors"][0]["message"]


async def test_a_refusal_before_graphql_answers_in_the_negotiated_type(
        quiet: httpx.AsyncClient, settings: Settings):
    big = b'{"query": "' + b" " * settings.max_body_bytes + b'{ __typename }"}'
    for accept, has_data in ((NEW, False), (LEGACY, True)):
        r = await post(quiet, accept, content=big)
        assert (r.status_code, media_type(r)) == (400, accept), r.text
        assert ("data" in r.json()) is has_data
        assert "larger than" in r.json()["errors"][0]["message"]


async def test_the_rate_limit_answers_in_the_negotiated_type(settings: Settings,
                                                              clock: ManualClock):
    tight = dataclasses.replace(quiet_settings(settings), rate_limit="2/minute")
    async with running(tight, clock, acme=OfflineAcme()) as client:
        for _ in range(2):
            assert (await post(client, NEW, {"query": "{ __typename }"})).status_code == 200
        for accept, has_data in ((NEW, False), (LEGACY, True)):
            r = await post(client, accept, {"query": "{ __typename }"})
            assert (r.status_code, media_type(r)) == (429, accept), r.text
            assert int(r.headers["retry-after"]) >= 1 and ("data" in r.json()) is has_data
            assert r.json()["errors"][0]["extensions"]["code"] == "RATE_LIMIT_EXCEEDED"


@pytest.mark.parametrize(("accept", "chosen"), [
    (None, LEGACY), ("", LEGACY), ("*/*", LEGACY), ("application/*", LEGACY),
    (NEW, NEW), (f"{NEW}, {LEGACY}", NEW), (f"{LEGACY}, {NEW}", LEGACY),
    (f"{LEGACY};q=0.9, {NEW}", NEW), (f"{NEW};q=0.5, */*;q=0.8", LEGACY),
    (f"text/html, {NEW};q=0.9", NEW), (f"{NEW};q=0", None), ("text/plain", None),
    (f"{NEW};charset=utf-8", NEW), (f"{NEW};q=nonsense, text/plain", None),
])
def test_negotiation(accept: str | None, chosen: str | None):
    assert negotiated(accept) == chosen


# gql's HTTP transports: a normal query works; a validation error is the query's error
# (TransportQueryError), not a protocol or server error, in either media type.

@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with live_casp(quiet_settings(settings), free_port()) as client:
        yield client


TRANSPORTS = {"aiohttp": AIOHTTPTransport, "httpx": HTTPXAsyncTransport}


@pytest.mark.parametrize("accept", [None, NEW])
@pytest.mark.parametrize("kind", list(TRANSPORTS))
async def test_gql_over_http(live: httpx.AsyncClient, kind: str, accept: str | None):
    token = await user(live, f"{kind}-http@example.com")
    headers = {"Authorization": f"Bearer {token}"} | ({"Accept": accept} if accept else {})
    transport = TRANSPORTS[kind](url=f"{live.base_url}/graphql", headers=headers)
    async with Client(transport=transport) as session:
        me = await session.execute(gql("{ me { email } }"))
        assert me == {"me": {"email": f"{kind}-http@example.com"}}
        with pytest.raises(TransportQueryError) as refused:
            await session.execute(gql("{ me { nope } }"))
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "VALIDATION_ERROR"
    assert "nope" in refused.value.errors[0]["message"]
