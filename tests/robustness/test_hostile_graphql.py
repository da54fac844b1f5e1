"""Hostile input to /graphql, through the mutations that store what users type (addDomain,
requestCertificate, and the account ones): wrong-typed variables, injection strings, NUL,
lone surrogates, CR/LF, over-long text, 10,000 names, pages out of range, bodies too large,
too deep, not UTF-8 or not GraphQL requests at all. Each must be a VALIDATION_ERROR (in
extensions.code, with extensions.fields where an argument is at fault), never a
SERVER_ERROR or a 5xx, with nothing stored.

A case that fails today is marked xfail(strict=True) with the finding in its reason."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.rest import PASSWORD, bearer
from tests.support.robustness.harness import DEEP, SyncApp, Watch, chunks

ADD = """mutation($d: String!, $m: ChallengeType) {
  addDomain(domain: $d, verificationMethod: $m) { id domain } }"""
REQUEST = """mutation($d: [String!]!, $ca: CaProvider!, $k: KeyType, $a: Boolean) {
  requestCertificate(domains: $d, caProvider: $ca, keyType: $k, autoRenew: $a) { id } }"""
CERT = "query($id: Int!) { certificate(id: $id) { id } }"
REGISTER = """mutation($e: String!, $p: String!, $n: String) {
  register(email: $e, password: $p, name: $n) { userId } }"""
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
EAB = """mutation($k: String!) { setEabCredentials(caProvider: GOOGLE, eabKid: $k,
  eabHmacKey: "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s") { eabKid } }"""


def post(app: SyncApp, query: str, variables: dict[str, Any] | None = None,
         token: str | None = None) -> httpx.Response:
    """A JSON body written with ensure_ascii, so lone surrogates travel as \\ud800."""
    body = json.dumps({"query": query, "variables": variables or {}})
    return app.call("POST", "/graphql", content=body.encode(), headers={
        **bearer(token or app.token), "Content-Type": "application/json"})


def assert_validation_error(r: httpx.Response, field: str | None = None) -> None:
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer.get("data") is None, answer
    codes = {e.get("extensions", {}).get("code") for e in answer["errors"]}
    assert codes == {"VALIDATION_ERROR"}, answer
    if field is not None:
        assert answer["errors"][0]["extensions"].get("fields", {}).keys() == {field}, answer


# 1. Variables of the wrong type

WRONG_VARIABLES = {
    "domain-array": (ADD, {"d": ["x.example.com"]}),
    "domain-object": (ADD, {"d": {"a": "x.example.com"}}),
    "domain-int": (ADD, {"d": 5}),
    "domain-null": (ADD, {"d": None}),
    "domain-missing": (ADD, {}),
    "method-unknown": (ADD, {"d": "x.example.com", "m": "FTP_01"}),
    "method-rest-spelling": (ADD, {"d": "x.example.com", "m": "dns-01"}),
    "method-int": (ADD, {"d": "x.example.com", "m": 1}),
    "domains-ints": (REQUEST, {"d": [1, 2], "ca": "LETSENCRYPT"}),
    "domains-null-item": (REQUEST, {"d": [None], "ca": "LETSENCRYPT"}),
    "domains-object": (REQUEST, {"d": {"a": 1}, "ca": "LETSENCRYPT"}),
    "ca-lower-case": (REQUEST, {"d": ["example.com"], "ca": "letsencrypt"}),
    "ca-missing": (REQUEST, {"d": ["example.com"]}),
    "autorenew-string": (REQUEST, {"d": ["example.com"], "ca": "LETSENCRYPT", "a": "yes"}),
    "keytype-unknown": (REQUEST, {"d": ["example.com"], "ca": "LETSENCRYPT", "k": "RSA_1024"}),
    "id-string": (CERT, {"id": "abc"}),
    "id-float": (CERT, {"id": 1.5}),
    "id-2**31": (CERT, {"id": 2**31}),
    "id-2**70": (CERT, {"id": 2**70}),
    "id-object": (CERT, {"id": {"id": 1}}),
}


@pytest.mark.parametrize("case", list(WRONG_VARIABLES))
def test_a_variable_of_the_wrong_type(shared_app: SyncApp, case: str):
    query, variables = WRONG_VARIABLES[case]
    watch = Watch(shared_app)
    r = post(shared_app, query, variables)
    watch.assert_nothing_stored()
    assert_validation_error(r)


@pytest.mark.parametrize("literal", [
    'addDomain(domain: ["x.example.com"]) { id }', "addDomain(domain: 5) { id }",
    "addDomain(domain: null) { id }", 'addDomain(domain: "x", verificationMethod: FTP) { id }',
    'requestCertificate(domains: [1], caProvider: LETSENCRYPT) { id }',
    'requestCertificate(domains: ["a.example.com"], caProvider: "LETSENCRYPT") { id }',
    "verifyCertificate(id: 2147483648) { id }", 'verifyCertificate(id: "1") { id }',
])
def test_a_literal_of_the_wrong_type(shared_app: SyncApp, literal: str):
    watch = Watch(shared_app)
    r = post(shared_app, f"mutation {{ {literal} }}")
    watch.assert_nothing_stored()
    assert_validation_error(r)


def test_an_undeclared_variable(shared_app: SyncApp):
    r = post(shared_app, "mutation { addDomain(domain: $d) { id } }", {"d": "x.example.com"})
    assert_validation_error(r)


# 2. What users type: injection strings, NUL, lone surrogates, CR/LF, too long

CRLF = "\r\nSet-Cookie: casp=owned"
SURROGATE: tuple[()] = ()  # fixed: lone surrogates are refused naming the argument
EAB_KID: tuple[()] = ()  # fixed: control characters in eabKid are refused

TEXT_CASES = [
    # (id, query, variables with the hostile value, the argument to name, what may stand)
    *[pytest.param(ADD, {"d": v}, "domain", id=f"addDomain-{k}") for k, v in {
        "sql-or": "' OR 1=1 --", "sql-drop": "'; DROP TABLE users; --",
        "sql-quote": "x.example.com' OR '1'='1", "nul": "x.example.com\x00",
        "surrogate": "x.example.com\ud800", "crlf": f"x.example.com{CRLF}",
        "long": "a" * 301, "huge": "a" * 200_000, "labels": ".".join(["a"] * 200),
    }.items()],
    *[pytest.param(REQUEST, {"d": [v], "ca": "LETSENCRYPT"}, "domains",
                   id=f"requestCertificate-{k}") for k, v in {
        "sql-or": "' OR 1=1 --", "sql-drop": "'; DROP TABLE users; --",
        "nul": "example.com\x00", "surrogate": "example.com\ud800",
        "crlf": f"example.com{CRLF}", "huge": "a" * 200_000,
    }.items()],
    pytest.param(LOGIN, {"e": "owner@example.com", "p": "x\ud800"}, None,
                 id="login-password-surrogate", marks=SURROGATE),
    pytest.param(REGISTER, {"e": "s1@example.com", "p": PASSWORD + "\ud800"}, None,
                 id="register-password-surrogate", marks=SURROGATE),
    pytest.param(REGISTER, {"e": "s2@example.com", "p": PASSWORD, "n": "x\ud800"}, "name",
                 id="register-name-surrogate", marks=SURROGATE),
    pytest.param(REGISTER, {"e": "s3@example.com", "p": PASSWORD, "n": f"x{CRLF}"}, "name",
                 id="register-name-crlf"),
    pytest.param(REGISTER, {"e": "s4@example.com", "p": PASSWORD, "n": "x\x00"}, "name",
                 id="register-name-nul"),
    pytest.param(EAB, {"k": "kid\x00"}, "eabKid", id="eab-kid-nul", marks=EAB_KID),
    pytest.param(EAB, {"k": f"kid{CRLF}"}, "eabKid", id="eab-kid-crlf", marks=EAB_KID),
    pytest.param(EAB, {"k": "kid\ud800"}, "eabKid", id="eab-kid-surrogate", marks=SURROGATE),
]


@pytest.mark.parametrize(("query", "variables", "field"), TEXT_CASES)
def test_hostile_text(shared_app: SyncApp, query: str, variables: dict[str, Any],
                      field: str | None):
    watch = Watch(shared_app, ("\x00", "\ud800", "Set-Cookie: casp"))
    r = post(shared_app, query, variables)
    assert r.status_code == 200, r.text
    answer = r.json()
    codes = {e.get("extensions", {}).get("code") for e in answer.get("errors") or []}
    assert "SERVER_ERROR" not in codes, answer
    if field is None:  # a password: compared, never stored; refused or a wrong password
        assert codes <= {"VALIDATION_ERROR", "UNAUTHORIZED"} and codes, answer
        watch.assert_nothing_lost()
        return
    assert_validation_error(r, field)
    watch.assert_nothing_stored()


@pytest.mark.parametrize("search", ["' OR 1=1 --", "%", "_", "\\", "'; DROP TABLE users; --"])
def test_a_search_is_plain_text(shared_app: SyncApp, search: str):
    r = post(shared_app, "query($s: String) { certificates(search: $s) { total } }",
             {"s": search})
    assert r.json() == {"data": {"certificates": {"total": 0}}}, r.text


def test_a_search_with_nul(shared_app: SyncApp):
    # No certificate name holds a NUL: nothing found (PostgreSQL would refuse the NUL).
    r = post(shared_app, "query($s: String) { certificates(search: $s) { total } }",
             {"s": "a\x00"})
    assert r.json() == {"data": {"certificates": {"total": 0}}}, r.text


def test_a_request_for_10000_names(shared_app: SyncApp):
    watch = Watch(shared_app)
    r = post(shared_app, REQUEST, {"d": [f"n{i}.example.com" for i in range(10_000)],
                                   "ca": "LETSENCRYPT"})
    watch.assert_nothing_stored()
    assert_validation_error(r, "domains")


# 3. Pages out of range

@pytest.mark.parametrize(("query", "ok"), [
    pytest.param("{ certificates(page: -1) { total } }", False, id="certificates-page--1"),
    pytest.param("{ notifications(page: -1) { total } }", False, id="notifications-page--1"),
    pytest.param("{ certificates(page: 0) { total } }", None, id="certificates-page-0"),
    pytest.param("{ certificates(perPage: -1) { total } }", False, id="certificates-perPage--1"),
    pytest.param("{ certificates(perPage: 101) { total } }", False, id="perPage-101"),
    pytest.param("{ notifications(perPage: 0) { total } }", False, id="notifications-perPage-0"),
    pytest.param("{ certificates(page: 1000, perPage: 100) { total } }", True,
                 id="page-past-the-end"),
    pytest.param("{ certificates(page: 2147483647, perPage: 100) { total } }", None,
                 id="page-2**31-1"),
    pytest.param("{ certificates(page: 2147483648) { total } }", False, id="page-2**31"),
])
def test_a_page_out_of_range(shared_app: SyncApp, query: str, ok: bool | None):
    """ok None: either answer is fine (an empty page, or refused naming page)."""
    r = post(shared_app, query)
    if ok or (ok is None and "errors" not in r.json()):
        assert "errors" not in r.json(), r.text
    else:
        assert_validation_error(r)


# 4. Bodies and requests that are not what they claim

def refused(r: httpx.Response, status: int, message: str) -> None:
    """The GraphQL shape, {"data": null, "errors": [{"message", "extensions": {"code":
    "VALIDATION_ERROR"}}]}, as JSON: never Strawberry's bare text/plain or the REST envelope."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json"), r.text
    answer = r.json()
    assert answer.keys() == {"data", "errors"} and answer["data"] is None, answer
    (error,) = answer["errors"]
    assert error["extensions"] == {"code": "VALIDATION_ERROR"}, answer
    assert message in error["message"], answer


@pytest.mark.parametrize("how", ["content-length", "chunked"])
def test_a_body_over_the_limit(shared_app: SyncApp, how: str):
    limit = shared_app.settings.max_body_bytes
    body = json.dumps({"query": ADD, "variables": {"d": "a" * limit}}).encode()
    content = body if how == "content-length" else chunks(body)
    watch = Watch(shared_app)
    r = shared_app.call("POST", "/graphql", content=content, headers={
        **bearer(shared_app.token), "Content-Type": "application/json"})
    watch.assert_nothing_stored()
    assert how == "content-length" or "content-length" not in r.request.headers
    refused(r, 400, f"The request body is larger than {limit} bytes")


NOT_JSON = "Unable to parse request body as JSON"


@pytest.mark.parametrize(("body", "message"), [
    pytest.param(DEEP, f"{NOT_JSON}: nested too deeply", id="deep-array"),
    pytest.param(b'{"query": "mutation($d: String!) { addDomain(domain: $d) { id } }", '
                 b'"variables": {"d": ' + DEEP + b"}}", f"{NOT_JSON}: nested too deeply",
                 id="deep-variable"),
    pytest.param(b'{"query": "{ me { id } }", "x": "\xff"}', f"{NOT_JSON}: not valid UTF-8",
                 id="not-utf8"),
])
def test_a_body_that_cannot_be_read(shared_app: SyncApp, body: bytes, message: str):
    watch = Watch(shared_app)
    r = shared_app.call("POST", "/graphql", content=body, headers={
        **bearer(shared_app.token), "Content-Type": "application/json"})
    watch.assert_nothing_stored()
    refused(r, 400, message)


def test_deep_variables_in_a_get(shared_app: SyncApp):
    r = shared_app.call("GET", "/graphql", headers=bearer(shared_app.token), params={
        "query": "query($id: Int!) { certificate(id: $id) { id } }",
        "variables": DEEP.decode()})
    refused(r, 400, f"{NOT_JSON}: nested too deeply")


@pytest.mark.parametrize(("content_type", "body", "message"), [
    pytest.param("application/json", b'{"query": ', NOT_JSON, id="truncated-json"),
    pytest.param("application/json", b'{"query": ["{ me { id } }"]}',
                 "`query` must be a string or null", id="query-not-a-string"),
    pytest.param("application/json", b'{"query": "{ me { id } }", "variables": "x"}',
                 "`variables` must be an object or null", id="variables-not-an-object"),
    pytest.param("application/json", b'[{"query": "{ me { id } }"}]',
                 "Batching is not enabled", id="batch"),
    pytest.param("text/plain", b"{ me { id } }", "Unsupported content type", id="text-plain"),
    pytest.param("application/x-www-form-urlencoded", b"query=%7Bme%7Bid%7D%7D",
                 "Unsupported content type", id="form"),
    pytest.param("application/json", b'{"variables": {}}',
                 "No GraphQL query found in the request", id="no-query"),
    pytest.param("application/json", b'{"query": "query A { me { id } }", "operationName": "B"}',
                 'Unknown operation named "B".', id="unknown-operation"),
])
def test_a_request_that_is_not_graphql(shared_app: SyncApp, content_type: str, body: bytes,
                                       message: str):
    r = shared_app.call("POST", "/graphql", content=body, headers={
        **bearer(shared_app.token), "Content-Type": content_type})
    refused(r, 400, message)


def test_a_mutation_over_get(shared_app: SyncApp):
    watch = Watch(shared_app)
    r = shared_app.call("GET", "/graphql", headers=bearer(shared_app.token), params={
        "query": 'mutation { addDomain(domain: "get.example.com") { id } }'})
    watch.assert_nothing_stored()  # a GET never runs a mutation
    # GraphQL over HTTP: 405, POST allowed (the error's code is NOT_FOUND, as REST's 405)
    assert r.status_code == 405 and r.headers["allow"] == "POST", r.headers
    assert r.json()["errors"][0]["message"] == "mutations are not allowed when using GET"


def test_a_head_request(shared_app: SyncApp):
    r = shared_app.call("HEAD", "/graphql", headers=bearer(shared_app.token))
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST", r.headers
    assert r.headers["content-type"].startswith("application/json"), r.headers


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_subscription_over_http(shared_app: SyncApp, method: str):
    query = "subscription { certificateEvents { certificateId } }"
    if method == "GET":
        r = shared_app.call("GET", "/graphql", headers=bearer(shared_app.token),
                            params={"query": query})
    else:
        r = post(shared_app, query)
    refused(r, 200, "Subscriptions work over WebSocket only: connect to /graphql with the "
                    "graphql-transport-ws protocol")


def test_a_query_with_nul_outside_strings(shared_app: SyncApp):
    r = post(shared_app, "{ me { id } }\x00")
    assert_validation_error(r)
