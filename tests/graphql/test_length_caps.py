"""Every string argument of the GraphQL API has the length cap of its REST parameter: the
services own the caps, so both doors refuse an over-long value with the same
VALIDATION_ERROR naming the field (each in its own words: eab_kid, eabKid), and neither
echoes the value back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.graphql import in_graphql_words, user
from tests.support.rest import PASSWORD, bearer

HMAC = "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s"
TOKEN = "t" * 43


@dataclass(frozen=True)
class Case:
    id: str
    query: str
    variables: Callable[[str], dict[str, Any]]
    field: str  # as REST and the services name it; GraphQL's extensions say it in camelCase
    cap: int
    rest: Callable[[str], dict[str, Any]]  # httpx.request's keyword arguments
    message: str = ""

    @property
    def expected(self) -> str:
        return self.message or f"{self.field} must be at most {self.cap} characters"

    @property
    def argument(self) -> str:
        head, *rest = self.field.split("_")
        return head + "".join(part.title() for part in rest)


def auth(action: str, **body: Any) -> dict[str, Any]:
    return {"method": "POST", "url": "/api/v1/auth.php", "params": {"action": action},
            "json": body}


def post(url: str, action: str | None = None, **body: Any) -> dict[str, Any]:
    return {"method": "POST", "url": url, "params": {"action": action} if action else {},
            "json": body}


def get(url: str, **params: Any) -> dict[str, Any]:
    return {"method": "GET", "url": url, "params": params}


REGISTER = """mutation($e: String!, $p: String!, $n: String) {
  register(email: $e, password: $p, name: $n) { userId } }"""
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
RESET = """mutation($t: String!, $p: String!) {
  resetPassword(token: $t, password: $p) { userId } }"""
EAB = """mutation($k: String!, $h: String!) {
  setEabCredentials(caProvider: GOOGLE, eabKid: $k, eabHmacKey: $h) { eabKid } }"""
SETTINGS = """mutation($u: String, $s: String) {
  updateNotificationSettings(webhookUrl: $u, webhookSecret: $s) { webhookUrl } }"""
ACCOUNT, CERTS = "/api/v1/account.php", "/api/v1/certificates.php"
ME = "me@example.com"

CASES = [
    Case("register-email", REGISTER, lambda v: {"e": v, "p": PASSWORD}, "email", 254,
         lambda v: auth("register", email=v, password=PASSWORD)),
    Case("register-password", REGISTER, lambda v: {"e": "new@example.com", "p": v},
         "password", 256, lambda v: auth("register", email="new@example.com", password=v)),
    Case("register-name", REGISTER, lambda v: {"e": "new@example.com", "p": PASSWORD, "n": v},
         "name", 100, lambda v: auth("register", email="new@example.com", password=PASSWORD,
                                     name=v)),
    Case("login-email", LOGIN, lambda v: {"e": v, "p": PASSWORD}, "email", 254,
         lambda v: auth("login", email=v, password=PASSWORD)),
    Case("login-password", LOGIN, lambda v: {"e": ME, "p": v}, "password", 256,
         lambda v: auth("login", email=ME, password=v)),
    Case("forgotPassword-email", "mutation($e: String!) { forgotPassword(email: $e) { message } }",
         lambda v: {"e": v}, "email", 254, lambda v: auth("forgot-password", email=v)),
    Case("resetPassword-token", RESET, lambda v: {"t": v, "p": PASSWORD}, "token", 200,
         lambda v: auth("reset-password", token=v, password=PASSWORD)),
    Case("resetPassword-password", RESET, lambda v: {"t": TOKEN, "p": v}, "password", 256,
         lambda v: auth("reset-password", token=TOKEN, password=v)),
    Case("verifyEmail-token", "mutation($t: String!) { verifyEmail(token: $t) { userId } }",
         lambda v: {"t": v}, "token", 200, lambda v: auth("verify-email", token=v)),
    Case("setEabCredentials-eabKid", EAB, lambda v: {"k": v, "h": HMAC}, "eab_kid", 300,
         lambda v: post(ACCOUNT, "set-eab", ca_provider="google", eab_kid=v,
                        eab_hmac_key=HMAC)),
    Case("setEabCredentials-eabHmacKey", EAB, lambda v: {"k": "kid-1", "h": v},
         "eab_hmac_key", 500, lambda v: post(ACCOUNT, "set-eab", ca_provider="google",
                                             eab_kid="kid-1", eab_hmac_key=v)),
    Case("addDomain-domain", "mutation($d: String!) { addDomain(domain: $d) { id } }",
         lambda v: {"d": v}, "domain", 300, lambda v: post("/api/v1/domains.php", domain=v)),
    Case("requestCertificate-domains",
         "mutation($d: [String!]!) { requestCertificate(domains: $d, caProvider: LETSENCRYPT) "
         "{ id } }", lambda v: {"d": ["example.com", v]}, "domains", 300,
         lambda v: post(CERTS, ca_provider="letsencrypt", domains=["example.com", v]),
         "each name in domains must be at most 300 characters"),
    Case("updateNotificationSettings-webhookUrl", SETTINGS, lambda v: {"u": v}, "webhook_url",
         2000, lambda v: post(ACCOUNT, "notification-settings", webhook_url=v)),
    Case("updateNotificationSettings-webhookSecret", SETTINGS, lambda v: {"s": v},
         "webhook_secret", 200,
         lambda v: post(ACCOUNT, "notification-settings", webhook_secret=v)),
    Case("certificates-search", "query($s: String) { certificates(search: $s) { total } }",
         lambda v: {"s": v}, "search", 253, lambda v: get(CERTS, search=v)),
    Case("certificateDownload-password",
         "query($p: String) { certificateDownload(id: 1, password: $p) { filename } }",
         lambda v: {"p": v}, "password", 200,
         lambda v: get(CERTS, action="download", id=1, password=v)),
]



@pytest.fixture
async def token(quiet: httpx.AsyncClient) -> str:
    return await user(quiet, ME, "example.com")


@pytest.mark.parametrize("size", ["cap+1", "huge"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_an_overlong_argument_is_refused_naming_it(quiet: httpx.AsyncClient, token: str,
                                                         case: Case, size: str):
    value = "a" * (case.cap + 1 if size == "cap+1" else 500_000)
    r = await quiet.post("/graphql", json={"query": case.query,
                                           "variables": case.variables(value)},
                         headers=bearer(token))
    answer = r.json()
    assert answer["data"] is None, answer
    [error] = answer["errors"]
    assert error["message"] == in_graphql_words(case.expected)
    assert error["extensions"] == {"code": "VALIDATION_ERROR",
                                   "fields": {case.argument: error["message"]}}
    assert len(r.content) < 1000  # nothing echoed


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_rest_refuses_the_same_value_in_the_same_words(quiet: httpx.AsyncClient,
                                                            token: str, case: Case):
    value = "a" * (case.cap + 1)
    r = await quiet.request(**case.rest(value), headers=bearer(token))
    assert r.status_code == 400, r.text
    assert r.json()["error"]["details"]["fields"] == {case.field: case.expected}
    assert len(r.content) < 1000


async def test_at_the_cap_the_length_is_not_the_complaint(quiet: httpx.AsyncClient,
                                                          token: str):
    for case in CASES:
        r = await quiet.post("/graphql", headers=bearer(token), json={
            "query": case.query, "variables": case.variables("a" * case.cap)})
        assert "at most" not in r.text, (case.id, r.text)
