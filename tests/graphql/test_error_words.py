"""GraphQL's error messages speak GraphQL: its argument names (perPage, not per_page), its
enum values (DNS_01, PENDING), its mutations (addDomain, not POST domains.php). REST says
the same sentences in its own words, unchanged (the REST tests assert them)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from app.wording import Action
from schema.build import schema
from schema.errors import MUTATIONS
from tests.support.graphql import gql, user
from tests.support.rest import bearer

CERTS, DOMAINS = "/api/v1/certificates.php", "/api/v1/domains.php"
SETTINGS_URL = "/api/v1/account.php?action=notification-settings"
REQUEST = ("mutation($d: [String!]!, $ca: CaProvider!, $ch: ChallengeType) { "
           "requestCertificate(domains: $d, caProvider: $ca, challengeType: $ch) { id } }")
EAB = ("mutation($k: String!, $h: String!) { setEabCredentials(caProvider: GOOGLE, "
       "eabKid: $k, eabHmacKey: $h) { eabKid } }")
SETTINGS = ("mutation($u: String, $s: String) { updateNotificationSettings(webhookUrl: $u, "
            "webhookSecret: $s) { webhookUrl } }")
HMAC = "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s"

# What REST says and GraphQL must not: its paths and actions, snake_case names, the
# vocabulary strings where GraphQL has enum values.
REST_WORDS = re.compile(r"\.php|action=|\b(?:GET|POST|DELETE) |\b[a-z][a-z0-9]*_[a-z0-9_]+\b|"
                        r"\b(?:dns|http|dns-persist)-01\b|\b(?:ec|rsa)-\d+\b|"
                        r"\b(?:is|not|an) (?:pending|issued|failed|expired|revoked)\b")

# Bad input, one operation each: (query, variables), sent by a user holding example.com
# with one pending certificate (id 1).
SWEEP: list[tuple[str, dict[str, Any]]] = [
    ("{ certificates(perPage: 101) { total } }", {}),
    ("{ certificates(perPage: 0, page: 0) { total } }", {}),
    ("{ certificates(page: 0) { total } }", {}),
    ("{ notifications(perPage: 500) { total } }", {}),
    ("query($s: String) { certificates(search: $s) { total } }", {"s": "x" * 254}),
    ("{ certificateDownload(id: 1) { filename } }", {}),
    ("query($p: String) { certificateDownload(id: 1, password: $p) { filename } }",
     {"p": "p" * 201}),
    ("{ certificate(id: 99) { id } }", {}),
    ("{ domain(id: 99) { id } }", {}),
    (REQUEST, {"d": ["shop.example.net"], "ca": "LETSENCRYPT"}),
    (REQUEST, {"d": ["*.example.com"], "ca": "LETSENCRYPT", "ch": "HTTP_01"}),
    (REQUEST, {"d": [], "ca": "LETSENCRYPT"}),
    (REQUEST, {"d": ["192.0.2.1"], "ca": "LETSENCRYPT"}),
    (REQUEST, {"d": ["8.8.8.8"], "ca": "LETSENCRYPT"}),  # an address needs http-01
    (REQUEST, {"d": ["8.8.8.8"], "ca": "LETSENCRYPT", "ch": "DNS_01"}),
    (REQUEST, {"d": ["example.com"], "ca": "SSLCOM"}),
    (REQUEST, {"d": ["example.com"], "ca": "BUYPASS"}),
    (REQUEST, {"d": ["x" * 301], "ca": "LETSENCRYPT"}),
    (EAB, {"k": "", "h": HMAC}),
    (EAB, {"k": "k", "h": ""}),
    (EAB, {"k": "k", "h": "c2hvcnQ"}),
    (EAB, {"k": "k", "h": "not base64!"}),
    (EAB, {"k": "k" * 301, "h": HMAC}),
    (EAB, {"k": "k\x01k", "h": HMAC}),
    (SETTINGS, {"s": "secret-long-enough-1234"}),
    (SETTINGS, {"u": "https://example.com/hook", "s": "short"}),
    (SETTINGS, {"u": "ftp://example.com/hook"}),
    (SETTINGS, {"u": "u" * 2001}),
    ("mutation { addDomain(domain: \"co.uk\") { id } }", {}),
    ("mutation { addDomain(domain: \"8.8.8.8\") { id } }", {}),
    ("mutation { addDomain(domain: \"::1\", verificationMethod: HTTP_01) { id } }", {}),
    ("mutation { addDomain(domain: \"1.2.3\", verificationMethod: HTTP_01) { id } }", {}),
    ("mutation { addDomain(domain: \"example.com\") { id } }", {}),
    ("mutation { addDomain(domain: \"\") { id } }", {}),
    ("mutation { deleteDomain(id: 1) { message } }", {}),
    ("mutation { verifyCertificate(id: 99) { id } }", {}),
    ("mutation { renewCertificate(id: 1) { finished } }", {}),
    ("mutation { revokeCertificate(id: 1, reason: KEY_COMPROMISE) { id } }", {}),
    ("mutation { markNotificationRead(id: 99) { updated } }", {}),
    ("mutation($e: String!, $p: String!) { register(email: $e, password: $p) { userId } }",
     {"e": "not-an-email", "p": "Password1"}),
    ("mutation($e: String!, $p: String!) { register(email: $e, password: $p) { userId } }",
     {"e": "new@example.com", "p": "weak"}),
    ("mutation { register(email: \"n@example.com\", password: \"Password1\", "
     "name: \"a\\u0001\") { userId } }", {}),
    ("mutation { resetPassword(token: \"nope\", password: \"Password1\") { message } }", {}),
    ("mutation { verifyEmail(token: \"\") { userId } }", {}),
    ("mutation { login(email: \"sweep@example.com\", password: \"wrong\") { token } }", {}),
    ("{ nope }", {}),
    ("{ certificates(status: pending) { total } }", {}),
    ("subscription { certificateEvents { at } }", {}),
]


@pytest.fixture
async def token(quiet: httpx.AsyncClient) -> str:
    token = await user(quiet, "sweep@example.com", "example.com")
    r = await quiet.post(CERTS, headers=bearer(token),
                         json={"domains": ["example.com"], "ca_provider": "letsencrypt"})
    assert r.status_code == 201, r.text
    return token


def words_of(answer: dict[str, Any]) -> list[str]:
    """Every message of an answer, those in extensions.fields too."""
    errors = answer.get("errors") or []
    return [e["message"] for e in errors] + [
        text for e in errors for text in (e.get("extensions", {}).get("fields") or {}).values()]


async def test_no_graphql_error_speaks_rest(quiet: httpx.AsyncClient, token: str):
    said: list[str] = []
    for query, variables in SWEEP:
        answer = await gql(quiet, query, token, **variables)
        assert answer.get("errors"), (query, answer)
        said += words_of(answer)
    rest_worded = [text for text in said if REST_WORDS.search(text)]
    assert rest_worded == []
    assert len(said) > len(SWEEP)  # and the sweep met the field messages it was meant to


def test_the_rest_words_pattern_catches_each_kind():
    # the checker itself: a test that cannot fail proves nothing
    for rest_worded in ("per_page must be from 1 to 100", "add it with POST domains.php first",
                        "verify it (domains.php?action=verify)", "need challenge_type dns-01",
                        "certificate 1 is pending, not issued", "key ec-256"):
        assert REST_WORDS.search(rest_worded), rest_worded
    for fine in ("perPage must be from 1 to 100", "the TXT record _casp-verify.example.com",
                 "certificate 1 is PENDING", "CASP_EAB_GOOGLE_KID and _HMAC_KEY"):
        assert not REST_WORDS.search(fine), fine


# Each rewritten message, as GraphQL says it and as REST still says it.
REWORDED = [
    pytest.param("{ certificates(perPage: 101) { total } }", {},
                 "perPage must be from 1 to 100", "GET", CERTS, {"per_page": 101},
                 "per_page must be from 1 to 100", id="perPage"),
    pytest.param(REQUEST, {"d": ["shop.example.net"], "ca": "LETSENCRYPT"},
                 "shop.example.net is not one of your domains nor under one; add it with the "
                 "addDomain mutation first", "POST", CERTS,
                 {"domains": ["shop.example.net"], "ca_provider": "letsencrypt"},
                 "shop.example.net is not one of your domains nor under one; add it with "
                 "POST domains.php first", id="addDomain"),
    pytest.param(REQUEST, {"d": ["*.example.com"], "ca": "LETSENCRYPT", "ch": "HTTP_01"},
                 "*.example.com: wildcard names need challengeType DNS_01 or DNS_PERSIST_01",
                 "POST", CERTS,
                 {"domains": ["*.example.com"], "ca_provider": "letsencrypt",
                  "challenge_type": "http-01"},
                 "*.example.com: wildcard names need challenge_type dns-01 or dns-persist-01",
                 id="wildcard"),
    pytest.param(REQUEST, {"d": ["example.com"], "ca": "ZEROSSL", "ch": "DNS_PERSIST_01"},
                 "ZeroSSL does not offer DNS_PERSIST_01; the CAs that do: LETSENCRYPT",
                 "POST", CERTS, {"domains": ["example.com"], "ca_provider": "zerossl",
                                 "challenge_type": "dns-persist-01"},
                 "ZeroSSL does not offer dns-persist-01; the CAs that do: letsencrypt",
                 id="dnsPersist"),
    pytest.param(REQUEST, {"d": ["example.com"], "ca": "GOOGLE"},
                 "Google Trust Services requires External Account Binding: set eabKid and "
                 "eabHmacKey with the setEabCredentials mutation (or CASP_EAB_GOOGLE_KID and "
                 "_HMAC_KEY for everyone)", "POST", CERTS,
                 {"domains": ["example.com"], "ca_provider": "google"},
                 "Google Trust Services requires External Account Binding: set eab_kid and "
                 "eab_hmac_key with POST account.php?action=set-eab (or CASP_EAB_GOOGLE_KID "
                 "and _HMAC_KEY for everyone)", id="setEabCredentials"),
    pytest.param(EAB, {"k": "k", "h": "not base64!"}, "eabHmacKey must be base64url", "POST",
                 "/api/v1/account.php?action=set-eab",
                 {"ca_provider": "google", "eab_kid": "k", "eab_hmac_key": "not base64!"},
                 "eab_hmac_key must be base64url", id="eabHmacKey"),
    pytest.param(SETTINGS, {"s": "secret-long-enough-1234"},
                 "webhookSecret needs a webhookUrl", "POST", SETTINGS_URL,
                 {"webhook_secret": "secret-long-enough-1234"},
                 "webhook_secret needs a webhook_url", id="webhookSecret"),
    pytest.param("{ certificateDownload(id: 1) { filename } }", {},
                 "certificate 1 is PENDING: nothing to download yet", "GET", CERTS,
                 {"action": "download", "id": 1},
                 "certificate 1 is pending: nothing to download yet", id="status"),
    pytest.param("mutation { renewCertificate(id: 1) { finished } }", {},
                 "certificate 1 is PENDING; only an ISSUED (or EXPIRED) certificate can be "
                 "renewed", "POST", f"{CERTS}?action=renew", {"id": 1},
                 "certificate 1 is pending; only an issued (or expired) certificate can be "
                 "renewed", id="renew-status"),
]


@pytest.mark.parametrize(("query", "variables", "graphql_says", "method", "path", "params",
                          "rest_says"), REWORDED)
async def test_each_reworded_message(quiet: httpx.AsyncClient, token: str, query: str,
                                     variables: dict[str, Any], graphql_says: str, method: str,
                                     path: str, params: dict[str, Any], rest_says: str):
    [error] = (await gql(quiet, query, token, **variables))["errors"]
    assert error["message"] == graphql_says
    assert set(error["extensions"]["fields"].values()) == {graphql_says}
    sent = {"params": params} if method == "GET" else {"json": params}
    r = await quiet.request(method, path, headers=bearer(token), **sent)
    assert r.status_code == 400 and r.json()["error"]["message"] == rest_says, r.text


def test_each_action_a_message_names_is_a_mutation():
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    assert set(MUTATIONS) == set(Action)
    assert set(MUTATIONS.values()) <= set(mutation_type.fields)


async def test_a_domains_instructions_name_the_mutation(quiet: httpx.AsyncClient, token: str):
    """Not an error but the same kind of sentence: manual dns-01's instructions send the user
    to an action, REST's by its path, GraphQL's by its mutation."""
    add = 'mutation { addDomain(domain: "manual.example.org", verificationMethod: DNS_01) ' \
          '{ instructions } }'
    how = (await gql(quiet, add, token))["data"]["addDomain"]["instructions"]["how"]
    assert "(or when you call the verifyCertificate mutation)" in how
    assert not REST_WORDS.search(how) and "\x00" not in how
    r = await quiet.get(DOMAINS, headers=bearer(token))
    (rest,) = [d for d in r.json()["data"]["domains"] if d["domain"] == "manual.example.org"]
    assert rest["instructions"]["how"] == how.replace("the verifyCertificate mutation",
                                                      "certificates.php?action=verify")
