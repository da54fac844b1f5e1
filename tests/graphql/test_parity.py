"""GraphQL against REST v1 on the same data: every query and mutation answers what the REST
route answers (snake_case there, camelCase here; enums UPPER_SNAKE here, the REST strings
there; REST's expires_at is the date part of GraphQL's DateTime), with the same error codes
and the same per-field input errors. The app runs without its worker, so certificates stay
pending unless a test writes an issued one itself."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import io
import zipfile
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from app.acme.errors import AcmeProblem
from app.acme.interface import Account, ChallengeHooks, IssueRequest
from app.clock import ManualClock
from app.config import Settings
from app.services.certificates.cas import REGISTRY
from app.services.domains import checks as domain_checks
from app.services.notifications.inbox import notify
from models.certificate import Certificate, CertificateVersion, RenewalEvent
from tests.support.app import OfflineAcme, quiet_settings, running
from tests.support.graphql import (
    DETAIL,
    DOMAIN,
    NOTE,
    SUMMARY,
    cert_as_rest,
    data_of,
    date_part,
    domain_as_rest,
    error_of,
    gql,
    in_graphql_words,
    make_issued,
    note_as_rest,
    page_as_rest,
    rest,
    rest_enum,
    rest_error,
    snake,
    snake_to_camel,
    stats_as_rest,
    user,
)
from tests.support.lookup import FakeLookup
from tests.support.mail import outbox, reset_token_in
from tests.support.rest import PASSWORD, bearer, login, register

CERTS = "/api/v1/certificates.php"
DOMAINS = "/api/v1/domains.php"
NOTES = "/api/v1/notifications.php"
ACCOUNT = "/api/v1/account.php"
AUTH = "/api/v1/auth.php"

PAGE = "total page perPage pages"


# The two APIs, as a client sees them

class RevokingAcme(OfflineAcme):
    """No CA, but a revocation is accepted (and remembered) so revoke can be compared."""

    def __init__(self) -> None:
        self.revoked: list[tuple[str, int]] = []

    async def revoke(self, account: Account, cert_pem: str, reason: int) -> None:
        self.revoked.append((cert_pem, reason))


@pytest.fixture
def acme() -> RevokingAcme:
    return RevokingAcme()


@pytest.fixture
async def quiet(settings: Settings, clock: ManualClock,
                acme: RevokingAcme) -> AsyncIterator[httpx.AsyncClient]:
    async with running(quiet_settings(settings), clock, acme=acme) as c:
        yield c


# Data

async def rest_request(client: httpx.AsyncClient, token: str, *names: str,
                       **extra: Any) -> dict[str, Any]:
    body = {"ca_provider": "letsencrypt", "domains": list(names)} | extra
    return dict(await rest(client, "POST", CERTS, token, body=body, status=201))


REQUEST = """mutation($d: [String!]!, $ca: CaProvider!, $ch: ChallengeType, $k: KeyType,
  $a: Boolean) { requestCertificate(domains: $d, caProvider: $ca, challengeType: $ch,
  keyType: $k, autoRenew: $a) { """ + DETAIL + " } }"


async def gql_request(client: httpx.AsyncClient, token: str, *names: str,
                      **extra: Any) -> dict[str, Any]:
    extra.setdefault("ca", "LETSENCRYPT")
    return dict(data_of(await gql(client, REQUEST, token, d=list(names),
                                  **extra))["requestCertificate"])


# Account

ME = "{ me { id email name emailVerified apiToken createdAt } }"
G_REGISTER = """mutation($e: String!, $p: String!, $n: String) {
  register(email: $e, password: $p, name: $n) { userId verifyToken } }"""
G_LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  userId email token } }"""


async def test_me_answers_what_account_php_answers(quiet: httpx.AsyncClient):
    token = await user(quiet, "Me@Example.com")
    account = await rest(quiet, "GET", ACCOUNT, token)
    me = data_of(await gql(quiet, ME, token))["me"]
    assert {"user_id": me["id"], "email": me["email"], "name": me["name"],
            "email_verified": me["emailVerified"], "token": me["apiToken"],
            "created_at": me["createdAt"]} == account


async def test_an_account_made_through_graphql_works_through_rest(quiet: httpx.AsyncClient):
    made = data_of(await gql(quiet, G_REGISTER, e="Gee@Example.com", p=PASSWORD,
                             n="Gee"))["register"]
    r = await quiet.post(f"{AUTH}?action=login",
                         json={"email": "gee@example.com", "password": PASSWORD})
    rest_login = r.json()["data"]
    g_login = data_of(await gql(quiet, G_LOGIN, e="gee@example.com", p=PASSWORD))["login"]
    assert rest_login == {"user_id": made["userId"], "email": g_login["email"],
                          "token": g_login["token"]}
    assert g_login["userId"] == made["userId"]
    account = await rest(quiet, "GET", ACCOUNT, g_login["token"])
    assert (account["name"], account["email_verified"]) == ("Gee", False)

    verify = "mutation($t: String!) { verifyEmail(token: $t) { userId email emailVerified } }"
    verified = data_of(await gql(quiet, verify, t=made["verifyToken"]))["verifyEmail"]
    assert verified == {"userId": made["userId"], "email": "gee@example.com",
                        "emailVerified": True}
    assert (await rest(quiet, "GET", ACCOUNT, g_login["token"]))["email_verified"] is True
    # the token is used up for both APIs alike
    again = error_of(await gql(quiet, verify, t=made["verifyToken"]))
    status, rest_again = await rest_error(quiet, "POST", f"{AUTH}?action=verify-email", None,
                                          body={"token": made["verifyToken"]})
    assert status == 400 and again["extensions"] == {
        "code": rest_again["code"], "fields": rest_again["details"]["fields"]}
    assert again["message"] == rest_again["message"]


async def test_an_account_made_through_rest_logs_in_through_graphql(quiet: httpx.AsyncClient):
    made = await register(quiet, "rest@example.com", name="Rest")
    g_login = data_of(await gql(quiet, G_LOGIN, e="REST@example.com", p=PASSWORD))["login"]
    assert g_login["userId"] == made["user_id"]
    assert g_login["token"] == await login(quiet, "rest@example.com")
    r = await quiet.post(f"{AUTH}?action=verify-email", json={"token": made["verify_token"]})
    assert r.json()["data"] == {"user_id": made["user_id"], "email": "rest@example.com",
                                "email_verified": True}
    assert data_of(await gql(quiet, ME, g_login["token"]))["me"]["emailVerified"] is True


async def test_forgot_and_reset_password_answer_as_rest(quiet: httpx.AsyncClient,
                                                        settings: Settings):
    await register(quiet, "forgot@example.com")
    forgot = "mutation($e: String!) { forgotPassword(email: $e) { message } }"
    for address in ("forgot@example.com", "nobody@example.com"):
        g = data_of(await gql(quiet, forgot, e=address))["forgotPassword"]["message"]
        r = await quiet.post(f"{AUTH}?action=forgot-password", json={"email": address})
        assert r.json() == {"success": True, "message": g, "data": None}
    reset = "mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) {" \
            " message } }"
    old, latest = await reset_tokens(quiet, settings)
    # a newer request voids the older token, for both APIs alike
    await same_field_error(quiet, None, reset, {"t": old, "p": "N3w-Password"}, "POST",
                           f"{AUTH}?action=reset-password",
                           body={"token": old, "password": "N3w-Password"})
    g = data_of(await gql(quiet, reset, t=latest, p="N3w-Password"))["resetPassword"]
    assert await login(quiet, "forgot@example.com", "N3w-Password")
    await gql(quiet, forgot, e="forgot@example.com")
    newest = (await reset_tokens(quiet, settings))[-1]
    r = await quiet.post(f"{AUTH}?action=reset-password",
                         json={"token": newest, "password": "N3w-Passw0rd"})
    assert r.json() == {"success": True, "message": g["message"],
                        "data": {"user_id": (await login_data(quiet))["user_id"]}}


async def reset_tokens(client: httpx.AsyncClient, settings: Settings) -> list[str]:
    await client.app.state.runtime.drain()  # type: ignore[attr-defined]
    return [reset_token_in(m) for m in outbox(settings)
            if m["To"] == "forgot@example.com" and "usable once" in m.get_payload()]


async def login_data(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.post(f"{AUTH}?action=login",
                          json={"email": "forgot@example.com", "password": "N3w-Passw0rd"})
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


async def test_regenerate_api_token_works_for_both_apis(quiet: httpx.AsyncClient):
    token = await user(quiet, "regen@example.com")
    new = data_of(await gql(quiet, "mutation { regenerateApiToken { token } }",
                            token))["regenerateApiToken"]["token"]
    assert new != token
    status, error = await rest_error(quiet, "GET", ACCOUNT, token)
    assert (status, error["code"]) == (401, "UNAUTHORIZED")
    assert (await rest(quiet, "GET", ACCOUNT, new))["token"] == new
    newer = (await rest(quiet, "POST", f"{ACCOUNT}?action=regenerate-token", new))["token"]
    assert error_of(await gql(quiet, ME, new))["extensions"]["code"] == "UNAUTHORIZED"
    assert data_of(await gql(quiet, ME, newer))["me"]["apiToken"] == newer


SET_EAB = """mutation($ca: CaProvider!, $kid: String!, $key: String!) {
  setEabCredentials(caProvider: $ca, eabKid: $kid, eabHmacKey: $key) { caProvider eabKid } }"""
HMAC = base64.urlsafe_b64encode(b"0123456789abcdef0123456789abcdef").decode().rstrip("=")


async def test_eab_credentials_set_through_either_api_serve_both(quiet: httpx.AsyncClient):
    token = await user(quiet, "eab@example.com", "example.com")
    # without credentials both refuse the CA, naming the same field
    g = error_of(await gql(quiet, REQUEST, token, d=["example.com"], ca="LITESSL"))
    status, r = await rest_error(quiet, "POST", CERTS, token,
                                 body={"domains": ["example.com"], "ca_provider": "litessl"})
    assert status == 400 and g["message"] == in_graphql_words(r["message"])
    assert "setEabCredentials" in g["message"] and "eab_kid" in r["message"]
    assert g["extensions"] == {"code": "VALIDATION_ERROR",
                               "fields": {"caProvider": g["message"]}}

    saved = data_of(await gql(quiet, SET_EAB, token, ca="LITESSL", kid=" kid-1 ",
                              key=HMAC))["setEabCredentials"]
    rest_saved = await rest(quiet, "POST", f"{ACCOUNT}?action=set-eab", token,
                            body={"ca_provider": "google", "eab_kid": " kid-2 ",
                                  "eab_hmac_key": HMAC})
    assert saved == {"caProvider": "LITESSL", "eabKid": "kid-1"}
    assert rest_saved == {"ca_provider": "google", "eab_kid": "kid-2"}
    by_rest = await rest_request(quiet, token, "example.com", ca_provider="litessl")
    by_gql = await gql_request(quiet, token, "example.com", ca="GOOGLE")
    assert (by_rest["ca_provider"], by_gql["caProvider"]) == ("litessl", "GOOGLE")


# Domains

ADD_DOMAIN = """mutation($d: String!, $m: ChallengeType) {
  addDomain(domain: $d, verificationMethod: $m) { """ + DOMAIN + " } }"


async def test_domains_match_rest(quiet: httpx.AsyncClient, clock: ManualClock):
    token = await user(quiet, "dom@example.com")
    by_rest = await rest(quiet, "POST", DOMAINS, token,
                         body={"domain": "Zeta.Example.COM.", "verification_method": "http-01"})
    clock.advance(minutes=1)
    by_gql = data_of(await gql(quiet, ADD_DOMAIN, token, d="BÜCHER.example.org"))["addDomain"]
    clock.advance(minutes=1)
    http = data_of(await gql(quiet, ADD_DOMAIN, token, d="alpha.example.net",
                             m="HTTP_01"))["addDomain"]
    assert (by_gql["domain"], by_gql["verificationMethod"]) == ("xn--bcher-kva.example.org",
                                                                "DNS_01")
    assert http["verificationMethod"] == "HTTP_01" and http["instructions"]["method"] == "http-01"
    for made in (by_gql, http):
        assert domain_as_rest(made) == await rest(quiet, "GET", DOMAINS, token,
                                                  params={"id": made["id"]})
    g = data_of(await gql(quiet, "query($id: Int!) { domain(id: $id) { " + DOMAIN + " } }",
                          token, id=by_rest["id"]))["domain"]
    assert domain_as_rest(g) == by_rest

    g_list = data_of(await gql(quiet, "{ domains { total domains { " + DOMAIN + " } } }",
                               token))["domains"]
    r_list = await rest(quiet, "GET", DOMAINS, token)
    assert r_list["total"] == g_list["total"] == 3
    assert [domain_as_rest(d) for d in g_list["domains"]] == r_list["domains"]
    assert [d["domain"] for d in r_list["domains"]] == [
        "alpha.example.net", "xn--bcher-kva.example.org", "zeta.example.com"]


VERIFY_DOMAIN = """mutation($id: Int!) { verifyDomain(id: $id) { ok verification
  domain { """ + DOMAIN + " } } }"


async def test_verify_domain_reports_match_rest(quiet: httpx.AsyncClient,
                                                monkeypatch: pytest.MonkeyPatch,
                                                clock: ManualClock):
    monkeypatch.setattr(domain_checks, "lookup", FakeLookup)
    token = await user(quiet, "verify@example.com")
    manual = await rest(quiet, "POST", DOMAINS, token, body={"domain": "example.com"})
    http = await rest(quiet, "POST", DOMAINS, token,
                      body={"domain": "www.example.com", "verification_method": "http-01"})
    clock.advance(minutes=5)
    for domain, ok in ((manual, True), (http, False)):
        r = await rest(quiet, "POST", f"{DOMAINS}?action=verify", token,
                       body={"id": domain["id"]})
        g = data_of(await gql(quiet, VERIFY_DOMAIN, token, id=domain["id"]))["verifyDomain"]
        assert g["ok"] is ok and r["verification"]["ok"] is ok
        assert domain_as_rest(g["domain"]) | {"verification": g["verification"]} == r
        assert g["verification"]["caa"] == {"owner": "example.com",
                                            "records": ["issue letsencrypt.org"],
                                            "blocked": [n for n in REGISTRY
                                                        if n != "letsencrypt"]}
        shown = await rest(quiet, "GET", DOMAINS, token, params={"id": domain["id"]})
        assert shown["last_check"] == g["verification"]
        assert shown["status"] == g["domain"]["status"] == ("verified" if ok else "pending")
    assert "no A or AAAA record" in g["verification"]["checks"][0]["detail"]


async def test_ownership_matches_rest(quiet: httpx.AsyncClient,
                                      monkeypatch: pytest.MonkeyPatch):
    """held, pending, a proof that moves the name, the move's notification: alike."""
    monkeypatch.setattr(domain_checks, "lookup", FakeLookup)
    alice = await user(quiet, "alice@example.com")
    bob = await user(quiet, "bob@example.com")
    first = data_of(await gql(quiet, ADD_DOMAIN, alice, d="example.com"))["addDomain"]
    second = await rest(quiet, "POST", DOMAINS, bob, body={"domain": "example.com"})
    assert first["ownership"]["status"] == "HELD" and first["ownership"]["method"] == "TXT"
    assert second["ownership"]["status"] == "pending"
    assert first["ownership"]["record"]["value"] != second["ownership"]["record"]["value"]
    for token, made in ((alice, first), (bob, second)):
        g = data_of(await gql(quiet, "query($id: Int!) { domain(id: $id) { " + DOMAIN
                              + " } }", token, id=made["id"]))["domain"]
        assert domain_as_rest(g) == await rest(quiet, "GET", DOMAINS, token,
                                               params={"id": made["id"]})
    waiting = data_of(await gql(quiet, VERIFY_DOMAIN, bob, id=second["id"]))["verifyDomain"]
    assert waiting["ok"] is False and waiting["domain"]["ownership"]["status"] == "PENDING"
    record = second["ownership"]["record"]
    monkeypatch.setattr(domain_checks, "lookup",
                        lambda: FakeLookup(txt={record["name"]: {record["value"]}}))
    moved = data_of(await gql(quiet, VERIFY_DOMAIN, bob, id=second["id"]))["verifyDomain"]
    assert moved["ok"] is True
    assert moved["domain"]["ownership"] == {"status": "VERIFIED", "method": "TXT",
                                            "record": record}
    assert domain_as_rest(moved["domain"]) == await rest(quiet, "GET", DOMAINS, bob,
                                                         params={"id": second["id"]})
    theirs = await rest(quiet, "GET", DOMAINS, alice, params={"id": first["id"]})
    assert theirs["ownership"]["status"] == "pending"
    notes = data_of(await gql(quiet, "{ notifications { notifications { " + NOTE + " } } }",
                              alice))["notifications"]["notifications"]
    assert [n["type"] for n in notes] == ["DOMAIN_MOVED"]
    listed = await rest(quiet, "GET", NOTES, alice)
    assert [note_as_rest(n) for n in notes] == listed["notifications"]


DELETE_DOMAIN = "mutation($id: Int!) { deleteDomain(id: $id) { message } }"


async def test_delete_domain_matches_rest(quiet: httpx.AsyncClient):
    token = await user(quiet, "del@example.com", "example.com", "example.org", "example.net")
    domains = {d["domain"]: d["id"] for d in (await rest(quiet, "GET", DOMAINS,
                                                         token))["domains"]}
    await rest_request(quiet, token, "www.example.com")
    # a live certificate holds its domain, through either API
    g = error_of(await gql(quiet, DELETE_DOMAIN, token, id=domains["example.com"]))
    status, r = await rest_error(quiet, "DELETE", DOMAINS, token,
                                 params={"id": domains["example.com"]})
    assert status == 400 and g["message"] == r["message"]
    assert g["extensions"] == {"code": "VALIDATION_ERROR", "fields": r["details"]["fields"]}

    g = data_of(await gql(quiet, DELETE_DOMAIN, token, id=domains["example.org"]))
    r = await quiet.delete(DOMAINS, params={"id": domains["example.net"]},
                           headers=bearer(token))
    assert r.json() == {"success": True, "message": g["deleteDomain"]["message"], "data": None}
    for gone in (domains["example.org"], domains["example.net"]):
        status, _ = await rest_error(quiet, "GET", DOMAINS, token, params={"id": gone})
        g = error_of(await gql(quiet, "query($id: Int!) { domain(id: $id) { id } }", token,
                               id=gone))
        assert status == 404 and g["extensions"]["code"] == "NOT_FOUND"
    assert [d["domain"] for d in (await rest(quiet, "GET", DOMAINS, token))["domains"]] == [
        "example.com"]


# Certificates

LIST = """query($s: CertificateStatus, $ca: CaProvider, $q: String, $p: Int, $pp: Int) {
  certificates(status: $s, caProvider: $ca, search: $q, page: $p, perPage: $pp) {
    """ + PAGE + " certificates { " + SUMMARY + " } } }"


async def test_certificate_lists_match_rest_with_filters_and_pages(quiet: httpx.AsyncClient,
                                                                   clock: ManualClock):
    token = await user(quiet, "list@example.com", "example.com", "example.org")
    await rest(quiet, "POST", f"{ACCOUNT}?action=set-eab", token,
               body={"ca_provider": "google", "eab_kid": "k", "eab_hmac_key": HMAC})
    made = []
    for i, ca in enumerate(("letsencrypt", "google", "letsencrypt", "google", "letsencrypt",
                            "letsencrypt", "google")):
        names = [f"n{i}.example.com", f"www.n{i}.example.com"] if i % 3 else [
            f"shop{i}.example.org"]
        if i % 2:
            made.append(await rest_request(quiet, token, *names, ca_provider=ca))
        else:
            made.append(cert_as_rest(await gql_request(quiet, token, *names,
                                                       ca=ca.upper(), k="RSA_2048")))
        clock.advance(minutes=1)
    await make_issued(made[1]["id"], versions=1)
    await make_issued(made[2]["id"])
    await Certificate.filter(id=made[3]["id"]).update(
        status="failed", stage="failed", last_error={"type": "urn:x", "detail": "no"})
    await Certificate.filter(id=made[4]["id"]).update(
        stage="awaiting_dns", dns_records=[{"name": "_acme-challenge.example.org",
                                            "type": "TXT", "value": "abc"}])

    cases: list[dict[str, Any]] = [
        {}, {"status": "pending"}, {"status": "issued"}, {"status": "failed"},
        {"status": "revoked"}, {"ca_provider": "google"}, {"ca_provider": "letsencrypt"},
        {"search": "shop"}, {"search": "WWW.N1"}, {"search": "example.com"},
        {"search": "nothing"}, {"per_page": 2}, {"per_page": 2, "page": 2},
        {"per_page": 2, "page": 4}, {"per_page": 3, "page": 9}, {"page": 1, "per_page": 100},
        {"status": "pending", "ca_provider": "letsencrypt", "per_page": 1, "page": 2},
        {"search": "example", "ca_provider": "google", "status": "issued"},
    ]
    for params in cases:
        r = await rest(quiet, "GET", CERTS, token, params=params)
        g = data_of(await gql(
            quiet, LIST, token, s=params["status"].upper() if "status" in params else None,
            ca=params["ca_provider"].upper() if "ca_provider" in params else None,
            q=params.get("search"), p=params.get("page"), pp=params.get("per_page")))
        assert page_as_rest(g["certificates"], "certificates", cert_as_rest) == r, params
    everything = (await rest(quiet, "GET", CERTS, token))["certificates"]
    assert [c["id"] for c in everything] == [c["id"] for c in made][::-1]
    assert {c["status"] for c in everything} == {"pending", "issued", "failed"}


DETAIL_QUERY = ("query($id: Int!) { certificate(id: $id) { " + DETAIL
                + " domainRecords { " + DOMAIN + " } } }")


async def test_certificate_details_match_rest(quiet: httpx.AsyncClient, clock: ManualClock):
    token = await user(quiet, "detail@example.com", "example.com", "shop.example.com",
                       "example.org")
    pending = await rest_request(quiet, token, "shop.example.com", "*.example.com",
                                 key_type="ec-384")
    issued = await gql_request(quiet, token, "www.shop.example.com", ch="HTTP_01",
                               k="RSA_3072", a=False)
    failed = await rest_request(quiet, token, "example.org", auto_renew=False)
    awaiting = await rest_request(quiet, token, "a.example.org")
    await make_issued(issued["id"], versions=2)
    await Certificate.filter(id=failed["id"]).update(status="failed", stage="failed",
                                                      last_error={"type": "urn:ietf:x",
                                                                  "detail": "refused"})
    await Certificate.filter(id=awaiting["id"]).update(
        stage="awaiting_dns", dns_records=[{"name": "_acme-challenge.a.example.org",
                                            "type": "TXT", "value": "v1"}])
    now = clock.now()
    await Certificate.filter(id=pending["id"]).update(
        ari_window_start=now + timedelta(days=1), ari_window_end=now + timedelta(days=2),
        renew_at=now + timedelta(days=1, hours=3), persist_until=now + timedelta(days=30))
    owned = (await rest(quiet, "GET", DOMAINS, token))["domains"]
    for cert in (pending, issued, failed, awaiting):
        r = await rest(quiet, "GET", CERTS, token, params={"id": cert["id"]})
        g = data_of(await gql(quiet, DETAIL_QUERY, token, id=cert["id"]))["certificate"]
        records = g.pop("domainRecords")
        assert cert_as_rest(g) == r
        # the user's domains that cover the certificate's names, as domains.php shows them
        assert [domain_as_rest(d) for d in records] == [
            d for d in owned if any(n.removeprefix("*.") == d["domain"] or
                                    n.endswith("." + d["domain"]) for n in r["domains"])]
    shown = await rest(quiet, "GET", CERTS, token, params={"id": issued["id"]})
    assert shown["status"] == "issued" and len(shown["history"]) == 2
    assert shown["renew_at"] is None  # auto_renew false
    assert len(shown["expires_at"]) == 10
    window = (await rest(quiet, "GET", CERTS, token, params={"id": pending["id"]}))
    assert window["renewal_window"] is not None and window["renew_at"] is not None


async def test_a_requested_certificate_reads_the_same_through_both(quiet: httpx.AsyncClient):
    token = await user(quiet, "req@example.com", "example.com")
    by_gql = await gql_request(quiet, token, "example.com", "WWW.Example.com.",
                               "www.example.com", ch="HTTP_01", k="RSA_4096", a=False)
    assert (by_gql["domains"], by_gql["status"], by_gql["stage"]) == (
        ["example.com", "www.example.com"], "PENDING", "queued")
    assert (by_gql["challengeType"], by_gql["keyType"], by_gql["autoRenew"]) == (
        "HTTP_01", "RSA_4096", False)
    assert cert_as_rest(by_gql) == await rest(quiet, "GET", CERTS, token,
                                              params={"id": by_gql["id"]})
    by_rest = await rest_request(quiet, token, "example.com")
    g = data_of(await gql(quiet, DETAIL_QUERY, token, id=by_rest["id"]))["certificate"]
    g.pop("domainRecords")
    assert cert_as_rest(g) == await rest(quiet, "GET", CERTS, token,
                                         params={"id": by_rest["id"]})
    assert (g["challengeType"], g["keyType"], g["autoRenew"]) == ("DNS_01", "EC_256", True)


DOWNLOAD = """query($id: Int!, $f: DownloadFormat, $pw: String) {
  certificateDownload(id: $id, format: $f, password: $pw) {
    filename contentType contentBase64 } }"""


async def test_downloads_match_rest(quiet: httpx.AsyncClient):
    token = await user(quiet, "dl@example.com", "example.com")
    cert = await rest_request(quiet, token, "*.example.com", "example.com")
    pending = await rest_request(quiet, token, "example.com")
    leaf = await make_issued(cert["id"])
    for fmt in (None, "pem", "fullchain", "key", "pfx", "zip"):
        params = {"action": "download", "id": cert["id"]} | (
            {"format": fmt, "password": "s3cret"} if fmt else {})
        r = await quiet.get(CERTS, params=params, headers=bearer(token))
        assert r.status_code == 200, r.text
        g = data_of(await gql(quiet, DOWNLOAD, token, id=cert["id"],
                              f=fmt.upper() if fmt else None,
                              pw="s3cret" if fmt else None))["certificateDownload"]
        content = base64.b64decode(g["contentBase64"])
        assert r.headers["content-disposition"] == f'attachment; filename="{g["filename"]}"'
        assert r.headers["content-type"].split(";")[0] == g["contentType"]
        if fmt == "pfx":  # salted: the same contents, not the same bytes
            for blob in (content, r.content):
                loaded = pkcs12.load_pkcs12(blob, b"s3cret")
                assert loaded.cert is not None
                assert loaded.cert.certificate.serial_number == leaf.serial_number
        elif fmt == "zip":  # stamped with the time: the same files
            ours, theirs = (zipfile.ZipFile(io.BytesIO(b)) for b in (content, r.content))
            assert sorted(ours.namelist()) == sorted(theirs.namelist()) == [
                "cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"]
            assert all(ours.read(n) == theirs.read(n) for n in ours.namelist())
        else:
            assert content == r.content
    assert g["filename"] == "_wildcard.example.com.zip"

    # nothing to download yet: the same field error
    g = error_of(await gql(quiet, DOWNLOAD, token, id=pending["id"]))
    status, r_error = await rest_error(quiet, "GET", CERTS, token,
                                       params={"action": "download", "id": pending["id"]})
    assert status == 400 and g["message"] == in_graphql_words(r_error["message"])
    assert "is PENDING" in g["message"] and "is pending" in r_error["message"]
    assert g["extensions"] == {"code": "VALIDATION_ERROR", "fields": {"id": g["message"]}}
    assert g["extensions"]["fields"].keys() == {"id"}


VERIFY_CERT = "mutation($id: Int!) { verifyCertificate(id: $id) { " + SUMMARY + " } }"
RENEW = "mutation($id: Int!) { renewCertificate(id: $id) { finished certificate { id } } }"
REVOKE = ("mutation($id: Int!, $r: RevocationReason) { revokeCertificate(id: $id, "
          "reason: $r) { " + SUMMARY + " } }")
SHOW = "query($id: Int!) { certificate(id: $id) { " + SUMMARY + " } }"
DELETE_CERT = "mutation($id: Int!) { deleteCertificate(id: $id) { message } }"


async def same_field_error(client: httpx.AsyncClient, token: str | None, query: str,
                           gql_vars: dict[str, Any], method: str, path: str,
                           **request: Any) -> dict[str, Any]:
    """Both APIs refuse with VALIDATION_ERROR, the same message (each in its own words) and
    the same fields."""
    g = error_of(await gql(client, query, token, **gql_vars))
    status, r = await rest_error(client, method, path, token, **request)
    assert status == 400 and r["code"] == "VALIDATION_ERROR"
    assert g["message"] == in_graphql_words(r["message"])
    assert g["extensions"] == {"code": "VALIDATION_ERROR",
                               "fields": {snake_to_camel(k): g["message"]
                                          for k in r["details"]["fields"]}}
    return g


async def test_verify_certificate_matches_rest(quiet: httpx.AsyncClient):
    token = await user(quiet, "vc@example.com", "example.com")
    cert = await rest_request(quiet, token, "example.com")
    issued = await rest_request(quiet, token, "www.example.com")
    await make_issued(issued["id"])
    g = data_of(await gql(quiet, VERIFY_CERT, token, id=cert["id"]))["verifyCertificate"]
    r = await rest(quiet, "POST", f"{CERTS}?action=verify", token, body={"id": cert["id"]})
    assert cert_as_rest(g) == r
    error = await same_field_error(quiet, token, VERIFY_CERT, {"id": issued["id"]}, "POST",
                                   f"{CERTS}?action=verify", body={"id": issued["id"]})
    assert "ISSUED, not PENDING" in error["message"]


async def test_renewing_a_pending_certificate_is_refused_by_both(quiet: httpx.AsyncClient):
    token = await user(quiet, "rn@example.com", "example.com")
    cert = await rest_request(quiet, token, "example.com")
    error = await same_field_error(quiet, token, RENEW, {"id": cert["id"]}, "POST",
                                   f"{CERTS}?action=renew", body={"id": cert["id"]})
    assert "PENDING" in error["message"]


class RefusingAcme(OfflineAcme):
    """A CA that refuses every order with a problem document: renewals fail at once."""

    async def issue(self, request: IssueRequest, hooks: ChallengeHooks) -> str:
        raise AcmeProblem({"type": "urn:ietf:params:acme:error:rejectedIdentifier",
                           "detail": "refused by the CA's policy"})


async def test_a_failed_renewal_is_refused_alike_by_both(settings: Settings,
                                                         clock: ManualClock):
    # REST answered VALIDATION_ERROR while GraphQL's renewCertificate said finished: true
    working = dataclasses.replace(quiet_settings(settings), embedded_worker=True,
                                  renew_wait_seconds=20)
    async with running(working, clock, acme=RefusingAcme()) as client:
        token = await user(client, "rf@example.com", "example.com")
        cert = await rest_request(client, token, "example.com")
        for _ in range(200):  # the worker's issuance fails first (the same CA refuses)
            shown = await rest(client, "GET", CERTS, token, params={"id": cert["id"]})
            if shown["status"] == "failed":
                break
            await asyncio.sleep(0.05)
        await make_issued(cert["id"])
        status, r = await rest_error(client, "POST", f"{CERTS}?action=renew", token,
                                     body={"id": cert["id"]})
        g = error_of(await gql(client, RENEW, token, id=cert["id"]))
    assert status == 400 and r["code"] == "VALIDATION_ERROR"
    assert r["message"] == g["message"] == "renewal failed: refused by the CA's policy"
    assert g["extensions"]["code"] == "VALIDATION_ERROR"
    assert g["extensions"]["fields"] == {"id": r["details"]["fields"]["id"]}
    assert g["extensions"]["last_error"] == r["details"]["last_error"]
    assert r["details"]["last_error"]["type"].endswith(":rejectedIdentifier")


async def test_revoke_matches_rest(quiet: httpx.AsyncClient, acme: RevokingAcme):
    token = await user(quiet, "rv@example.com", "example.com")
    pending = await rest_request(quiet, token, "example.com")
    for reason in (None, "KEY_COMPROMISE", "SUPERSEDED"):
        error = await same_field_error(
            quiet, token, REVOKE, {"id": pending["id"], "r": reason}, "POST",
            f"{CERTS}?action=revoke", body={"id": pending["id"]})
        assert "PENDING" in error["message"]
    assert acme.revoked == []

    by_gql = await rest_request(quiet, token, "a.example.com")
    by_rest = await rest_request(quiet, token, "b.example.com")
    for cert in (by_gql, by_rest):
        await make_issued(cert["id"])
    g = data_of(await gql(quiet, REVOKE, token, id=by_gql["id"],
                          r="KEY_COMPROMISE"))["revokeCertificate"]
    r = await rest(quiet, "POST", f"{CERTS}?action=revoke", token,
                   body={"id": by_rest["id"], "reason": "keyCompromise"})
    assert [reason for _, reason in acme.revoked] == [1, 1]
    assert g["status"] == "REVOKED" and r["status"] == "revoked"
    # each answer is what the other API reads afterwards
    shown = await rest(quiet, "GET", CERTS, token, params={"id": by_gql["id"]})
    assert cert_as_rest(g) == {k: shown[k] for k in cert_as_rest(g)}
    assert shown["revoked_at"] is not None
    read = data_of(await gql(quiet, SHOW, token, id=by_rest["id"]))["certificate"]
    assert cert_as_rest(read) == r
    # revoked once is revoked: both refuse again
    await same_field_error(quiet, token, REVOKE, {"id": by_rest["id"]}, "POST",
                           f"{CERTS}?action=revoke", body={"id": by_rest["id"]})
    inbox = await rest(quiet, "GET", NOTES, token)
    assert [(n["type"], n["certificate_id"]) for n in inbox["notifications"]] == [
        ("revoked", by_rest["id"]), ("revoked", by_gql["id"])]


async def test_delete_certificate_matches_rest(quiet: httpx.AsyncClient):
    token = await user(quiet, "dc@example.com", "example.com")
    by_gql = await rest_request(quiet, token, "example.com")
    by_rest = await rest_request(quiet, token, "www.example.com")
    await make_issued(by_rest["id"], versions=1)
    g = data_of(await gql(quiet, DELETE_CERT, token, id=by_gql["id"]))["deleteCertificate"]
    r = await quiet.delete(CERTS, params={"id": by_rest["id"]}, headers=bearer(token))
    assert r.json() == {"success": True, "message": g["message"], "data": None}
    for cert in (by_gql, by_rest):
        status, _ = await rest_error(quiet, "GET", CERTS, token, params={"id": cert["id"]})
        e = error_of(await gql(quiet, DELETE_CERT, token, id=cert["id"]))
        assert status == 404 and e["extensions"] == {"code": "NOT_FOUND"}
    assert data_of(await gql(quiet, "{ certificates { total } }", token)) == {
        "certificates": {"total": 0}}
    assert await CertificateVersion.filter(certificate_id=by_rest["id"]).count() == 0


# Notifications

INBOX = """query($u: Boolean!, $p: Int, $pp: Int) {
  notifications(unreadOnly: $u, page: $p, perPage: $pp) {
    unreadCount """ + PAGE + " notifications { " + NOTE + " } } }"
MARK = "mutation($id: Int!) { markNotificationRead(id: $id) { updated } }"
MARK_ALL = "mutation { markAllNotificationsRead { updated } }"


async def inboxes_agree(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    cases: list[dict[str, Any]] = [
        {}, {"unread_only": True}, {"per_page": 2}, {"per_page": 2, "page": 3},
        {"unread_only": True, "per_page": 1, "page": 2}, {"page": 7}, {"per_page": 100}]
    for params in cases:
        rest_params = {k: str(v).lower() for k, v in params.items()}
        r = await rest(client, "GET", NOTES, token, params=rest_params)
        g = data_of(await gql(client, INBOX, token, u=params.get("unread_only", False),
                              p=params.get("page"), pp=params.get("per_page")))
        assert page_as_rest(g["notifications"], "notifications", note_as_rest) == r, params
    return dict(await rest(client, "GET", NOTES, token))


async def test_notifications_match_rest(quiet: httpx.AsyncClient, clock: ManualClock):
    token = await user(quiet, "inbox@example.com", "example.com")
    uid = (await rest(quiet, "GET", ACCOUNT, token))["user_id"]
    cert = await rest_request(quiet, token, "example.com")
    kinds = ("certificate_issued", "issuance_failed", "renewal_succeeded", "renewal_failed",
             "expiring", "expired", "revoked")
    for i, kind in enumerate(kinds):
        await notify(user_id=uid, type=kind, title=f"title {i}", message=f"message {i}",
                     certificate_id=cert["id"] if i % 2 else None)
        clock.advance(seconds=30)
    box = await inboxes_agree(quiet, token)
    assert (box["total"], box["unread_count"]) == (7, 7)
    assert [n["type"] for n in box["notifications"]] == list(kinds)[::-1]
    ids = [n["id"] for n in box["notifications"]]

    assert data_of(await gql(quiet, MARK, token, id=ids[0]))["markNotificationRead"] == {
        "updated": 1}
    r = await quiet.post(f"{NOTES}?action=mark-read", headers=bearer(token), json={"id": ids[3]})
    assert r.json() == {"success": True}
    box = await inboxes_agree(quiet, token)
    assert box["unread_count"] == 5
    assert [n["read"] for n in box["notifications"]] == [True, False, False, True, False,
                                                         False, False]
    assert data_of(await gql(quiet, MARK_ALL, token))["markAllNotificationsRead"] == {
        "updated": 5}
    box = await inboxes_agree(quiet, token)
    assert box["unread_count"] == 0 and all(n["read"] for n in box["notifications"])
    assert data_of(await gql(quiet, MARK_ALL, token))["markAllNotificationsRead"] == {
        "updated": 0}
    await notify(user_id=uid, type="expired", title="late", message="late one")
    r = await quiet.post(f"{NOTES}?action=mark-read", headers=bearer(token), json={"id": "all"})
    assert r.json() == {"success": True}
    assert (await inboxes_agree(quiet, token))["unread_count"] == 0


# renewal.php and the CA list

STATS = """{ renewalStats { successfulRenewals pendingRenewals failedRenewals nextRenewalAt
  expiringWithin30Days byCa { caProvider successfulRenewals pendingRenewals failedRenewals }
} }"""


async def test_renewal_stats_match_renewal_php(quiet: httpx.AsyncClient, clock: ManualClock):
    token = await user(quiet, "stats@example.com", "example.com")
    uid = (await rest(quiet, "GET", ACCOUNT, token))["user_id"]
    empty = await rest(quiet, "GET", "/api/v1/renewal.php", token)
    assert stats_as_rest(data_of(await gql(quiet, STATS, token))["renewalStats"]) == empty
    assert empty == {"successful_renewals": 0, "pending_renewals": 0, "failed_renewals": 0,
                     "next_renewal_at": None, "expiring_within_30_days": 0, "by_ca": {}}

    await rest(quiet, "POST", f"{ACCOUNT}?action=set-eab", token,
               body={"ca_provider": "google", "eab_kid": "k", "eab_hmac_key": HMAC})
    now = clock.now()
    due = await rest_request(quiet, token, "a.example.com")
    later = await rest_request(quiet, token, "b.example.com", ca_provider="google")
    soon = await rest_request(quiet, token, "c.example.com", ca_provider="google")
    await Certificate.filter(id=due["id"]).update(
        status="issued", renew_at=now - timedelta(hours=1), expires_at=now + timedelta(days=20))
    await Certificate.filter(id=later["id"]).update(
        status="issued", renew_at=now + timedelta(days=10, seconds=7),
        expires_at=now + timedelta(days=60))
    await Certificate.filter(id=soon["id"]).update(
        status="issued", renew_at=now + timedelta(days=3), expires_at=now + timedelta(days=9))
    for ca, succeeded in (("letsencrypt", True), ("letsencrypt", True), ("google", False),
                          ("zerossl", True), ("letsencrypt", False)):
        await RenewalEvent.create(user_id=uid, certificate_id=due["id"], ca_provider=ca,
                                  succeeded=succeeded, created_at=now)
    r = await rest(quiet, "GET", "/api/v1/renewal.php", token)
    g = data_of(await gql(quiet, STATS, token))["renewalStats"]
    assert stats_as_rest(g) == r
    assert datetime.fromisoformat(g["nextRenewalAt"]) == now + timedelta(days=3)
    assert (g["successfulRenewals"], g["failedRenewals"], g["pendingRenewals"],
            g["expiringWithin30Days"]) == (3, 2, 1, 2)
    assert g["byCa"] == [
        {"caProvider": "LETSENCRYPT", "successfulRenewals": 2, "pendingRenewals": 1,
         "failedRenewals": 1},
        {"caProvider": "ZEROSSL", "successfulRenewals": 1, "pendingRenewals": 0,
         "failedRenewals": 0},
        {"caProvider": "GOOGLE", "successfulRenewals": 0, "pendingRenewals": 0,
         "failedRenewals": 1}]


CAS = """{ caProviders { name title eabRequired keyTypes challengeTypes stagingDirectory
  renewalInfo available note } }"""


async def test_ca_providers_describe_the_registry(quiet: httpx.AsyncClient):
    token = await user(quiet, "cas@example.com")
    cas = {c["name"]: c for c in data_of(await gql(quiet, CAS, token))["caProviders"]}
    assert list(cas) == ["LETSENCRYPT", "ZEROSSL", "LITESSL", "BUYPASS", "GOOGLE", "SSLCOM"]
    assert {n for n, c in cas.items() if c["eabRequired"]} == {"ZEROSSL", "LITESSL",
                                                                "GOOGLE", "SSLCOM"}
    assert {n for n, c in cas.items() if c["renewalInfo"]} == {"LETSENCRYPT", "GOOGLE"}
    assert {n for n, c in cas.items() if not c["available"]} == {"BUYPASS"}
    assert "October 2025" in cas["BUYPASS"]["note"]
    assert all(c["note"] is None for n, c in cas.items() if n != "BUYPASS")
    for name, info in cas.items():
        ca = REGISTRY[name.lower()]
        assert (info["title"], info["stagingDirectory"]) == (ca.title, ca.staging)
        assert info["keyTypes"] == ["EC_256", "EC_384", "RSA_2048", "RSA_3072", "RSA_4096"]
        assert info["challengeTypes"] == (["DNS_01", "HTTP_01", "DNS_PERSIST_01"]
                                          if name == "LETSENCRYPT" else ["DNS_01", "HTTP_01"])
    assert cas["LETSENCRYPT"]["stagingDirectory"] == (
        "https://acme-staging-v02.api.letsencrypt.org/directory")
    # what the list says is what requests meet: Buypass is refused, with the same note
    await rest(quiet, "POST", DOMAINS, token, body={"domain": "example.com"})
    refused = error_of(await gql(quiet, REQUEST, token, d=["example.com"], ca="BUYPASS"))
    assert refused["message"] == cas["BUYPASS"]["note"]
    assert refused["extensions"]["fields"].keys() == {"caProvider"}
    # and only the CAs that list DNS_PERSIST_01 take it
    refused = error_of(await gql(quiet, REQUEST, token, d=["example.com"], ca="ZEROSSL",
                                 ch="DNS_PERSIST_01"))
    assert refused["extensions"]["code"] == "VALIDATION_ERROR"
    assert refused["extensions"]["fields"].keys() == {"challengeType"}


async def test_an_overridden_directory_makes_buypass_available(settings: Settings,
                                                               clock: ManualClock):
    overridden = quiet_settings(settings, ca_directories={
        "buypass": "https://acme.example.net/directory"})
    async with running(overridden, clock, acme=OfflineAcme()) as client:
        token = await user(client, "bp@example.com", "example.com")
        cas = {c["name"]: c for c in data_of(await gql(client, CAS, token))["caProviders"]}
        assert cas["BUYPASS"]["available"] is True
        made = await gql_request(client, token, "example.com", ca="BUYPASS")
        assert made["caProvider"] == "BUYPASS"


ENUM = 'query($n: String!) { __type(name: $n) { enumValues { name } } }'


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a document, each before the ones inside it."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def openapi_enums(doc: Any, name: str) -> list[list[str]]:
    """Every enum the OpenAPI document gives a parameter or property called `name`."""
    found: list[list[str]] = []
    for node in _objects(doc):
        if node.get("name") == name and "enum" in node.get("schema", {}):
            found.append(node["schema"]["enum"])
        props = node.get("properties")
        if isinstance(props, dict) and "enum" in (props.get(name) or {}):
            found.append(props[name]["enum"])
    return found


@pytest.mark.parametrize(("graphql_name", "rest_name", "expected", "graphql_only"), [
    ("CertificateStatus", "status", ["pending", "issued", "failed", "expired", "revoked"], []),
    ("ChallengeType", "challenge_type", ["dns-01", "http-01", "dns-persist-01"], []),
    # one GraphQL enum for both: a domain refuses DNS_PERSIST_01 (below)
    ("ChallengeType", "verification_method", ["dns-01", "http-01"], ["dns-persist-01"]),
    ("KeyType", "key_type", ["ec-256", "ec-384", "rsa-2048", "rsa-3072", "rsa-4096"], []),
    ("DownloadFormat", "format", ["pem", "fullchain", "key", "pfx", "zip"], []),
])
async def test_enums_are_the_rest_vocabulary(quiet: httpx.AsyncClient, graphql_name: str,
                                             rest_name: str, expected: list[str],
                                             graphql_only: list[str]):
    values = data_of(await gql(quiet, ENUM, n=graphql_name))["__type"]["enumValues"]
    assert [rest_enum(v["name"]) for v in values] == expected + graphql_only
    doc = (await quiet.get("/api/v1/openapi.json")).json()
    # A domain's status and its ownership's are vocabularies of their own (OwnershipStatus).
    schemas = {k: v for k, v in doc["components"]["schemas"].items()
               if not k.startswith(("Domain", "Ownership"))}
    enums = openapi_enums({**doc, "components": {"schemas": schemas}}, rest_name)
    assert enums and all(e == expected for e in enums), enums


async def test_ca_providers_are_the_six_and_custom(quiet: httpx.AsyncClient):
    """GraphQL's enum: the six, and CUSTOM for the operator's CAs (caName names them); REST
    takes any CA name, its OpenAPI document giving the six as examples."""
    six = ["letsencrypt", "zerossl", "litessl", "buypass", "google", "sslcom"]
    values = data_of(await gql(quiet, ENUM, n="CaProvider"))["__type"]["enumValues"]
    assert [rest_enum(v["name"]) for v in values] == [*six, "custom"]
    doc = (await quiet.get("/api/v1/openapi.json")).json()
    assert not openapi_enums(doc, "ca_provider")
    assert doc["components"]["schemas"]["CaProvider"]["properties"]["name"]["examples"] == six


async def test_a_domain_is_not_verified_by_dns_persist_01(quiet: httpx.AsyncClient):
    token = await user(quiet, "persist@example.com")
    refused = error_of(await gql(quiet, 'mutation { addDomain(domain: "example.com", '
                                 "verificationMethod: DNS_PERSIST_01) { id } }", token))
    assert refused["message"] == "verificationMethod must be one of: DNS_01, HTTP_01"
    assert refused["extensions"]["code"] == "VALIDATION_ERROR"


async def test_notification_types_are_the_rest_vocabulary(quiet: httpx.AsyncClient):
    values = data_of(await gql(quiet, ENUM, n="NotificationType"))["__type"]["enumValues"]
    assert [v["name"].lower() for v in values] == [
        "certificate_issued", "issuance_failed", "renewal_succeeded", "renewal_failed",
        "expiring", "expired", "revoked", "domain_moved", "deployment_failed"]
    doc = (await quiet.get("/api/v1/openapi.json")).json()
    (types,) = {tuple(x) for x in _item_enums(doc, "types")}
    assert list(types) == [v["name"].lower() for v in values]


def _item_enums(doc: Any, name: str) -> list[list[str]]:
    """Every enum the OpenAPI document gives the items of an array property called `name`."""
    found: list[list[str]] = []
    for node in _objects(doc):
        props = node.get("properties")
        if isinstance(props, dict) and "enum" in (props.get(name) or {}).get("items", {}):
            found.append(props[name]["items"]["enum"])
    return found


# Another user's ids, no token, bad input

ID_OPERATIONS: dict[str, tuple[str, str, str, str]] = {
    # name: (GraphQL, REST method, REST path, where the REST id goes)
    "certificate": ("query($id: Int!) { certificate(id: $id) { id } }",
                    "GET", CERTS, "query"),
    "certificateDownload": ("query($id: Int!) { certificateDownload(id: $id) { filename } }",
                            "GET", f"{CERTS}?action=download", "query"),
    "domain": ("query($id: Int!) { domain(id: $id) { id } }", "GET", DOMAINS, "query"),
    "verifyDomain": ("mutation($id: Int!) { verifyDomain(id: $id) { ok } }",
                     "POST", f"{DOMAINS}?action=verify", "body"),
    "deleteDomain": (DELETE_DOMAIN, "DELETE", DOMAINS, "query"),
    "verifyCertificate": ("mutation($id: Int!) { verifyCertificate(id: $id) { id } }",
                          "POST", f"{CERTS}?action=verify", "body"),
    "renewCertificate": (RENEW, "POST", f"{CERTS}?action=renew", "body"),
    "revokeCertificate": ("mutation($id: Int!) { revokeCertificate(id: $id) { id } }",
                          "POST", f"{CERTS}?action=revoke", "body"),
    "deleteCertificate": (DELETE_CERT, "DELETE", CERTS, "query"),
    "markNotificationRead": (MARK, "POST", f"{NOTES}?action=mark-read", "body"),
}


@pytest.mark.parametrize("operation", list(ID_OPERATIONS))
async def test_another_users_ids_are_not_found(quiet: httpx.AsyncClient, operation: str,
                                               monkeypatch: pytest.MonkeyPatch,
                                               acme: RevokingAcme):
    monkeypatch.setattr(domain_checks, "lookup", FakeLookup)
    theirs = await user(quiet, "owner@example.com", "example.com")
    owner_id = (await rest(quiet, "GET", ACCOUNT, theirs))["user_id"]
    cert = await rest_request(quiet, theirs, "example.com")
    await make_issued(cert["id"])  # issued: nothing but ownership stops any of these
    domain = (await rest(quiet, "GET", DOMAINS, theirs))["domains"][0]
    note = await notify(user_id=owner_id, type="expiring", title="t", message="m",
                        certificate_id=cert["id"])
    assert note is not None
    mine = await user(quiet, "intruder@example.com", "example.com")
    await rest_request(quiet, mine, "example.com")

    query, method, path, where = ID_OPERATIONS[operation]
    target = {"domain": domain["id"], "deleteDomain": domain["id"],
              "verifyDomain": domain["id"], "markNotificationRead": note.id}.get(
        operation, cert["id"])
    for ident in (target, target + 1000):
        g = error_of(await gql(quiet, query, mine, id=ident))
        assert g["extensions"] == {"code": "NOT_FOUND"}, g
        request = {"params": {"id": ident}} if where == "query" else {"body": {"id": ident}}
        status, r = await rest_error(quiet, method, path, mine, **request)
        assert (status, r["code"]) == (404, "NOT_FOUND")
        assert g["message"] == r["message"]
    # nothing of theirs changed
    shown = await rest(quiet, "GET", CERTS, theirs, params={"id": cert["id"]})
    assert shown["status"] == "issued" and acme.revoked == []
    assert (await rest(quiet, "GET", DOMAINS, theirs))["domains"] == [domain]
    assert (await rest(quiet, "GET", NOTES, theirs))["unread_count"] == 1


USER_OPERATIONS = {
    "me": ME,
    "certificates": "{ certificates { total } }",
    "certificate": "{ certificate(id: 1) { id } }",
    "certificateDownload": "{ certificateDownload(id: 1) { filename } }",
    "domains": "{ domains { total } }",
    "domain": "{ domain(id: 1) { id } }",
    "renewalStats": "{ renewalStats { pendingRenewals } }",
    "notifications": "{ notifications { total } }",
    "regenerateApiToken": "mutation { regenerateApiToken { token } }",
    "setEabCredentials": 'mutation { setEabCredentials(caProvider: GOOGLE, eabKid: "k", '
                         f'eabHmacKey: "{HMAC}") {{ eabKid }} }}',
    "addDomain": 'mutation { addDomain(domain: "example.com") { id } }',
    "verifyDomain": "mutation { verifyDomain(id: 1) { ok } }",
    "deleteDomain": "mutation { deleteDomain(id: 1) { message } }",
    "requestCertificate": 'mutation { requestCertificate(domains: ["example.com"], '
                          "caProvider: LETSENCRYPT) { id } }",
    "verifyCertificate": "mutation { verifyCertificate(id: 1) { id } }",
    "renewCertificate": "mutation { renewCertificate(id: 1) { finished } }",
    "revokeCertificate": "mutation { revokeCertificate(id: 1) { id } }",
    "deleteCertificate": "mutation { deleteCertificate(id: 1) { message } }",
    "markNotificationRead": "mutation { markNotificationRead(id: 1) { updated } }",
    "markAllNotificationsRead": MARK_ALL,
}


@pytest.mark.parametrize("operation", list(USER_OPERATIONS))
async def test_every_operation_on_ones_data_needs_a_token(quiet: httpx.AsyncClient,
                                                          operation: str):
    token = await user(quiet, "owner@example.com", "example.com")
    cert = await rest_request(quiet, token, "example.com")
    assert cert["id"] == 1
    for bad in (None, "casp_made-up", "Bearer"):
        g = error_of(await gql(quiet, USER_OPERATIONS[operation], bad))
        assert g["extensions"] == {"code": "UNAUTHORIZED"}, (bad, g)
    # and nothing happened
    assert (await rest(quiet, "GET", CERTS, token, params={"id": 1}))["status"] == "pending"
    assert (await rest(quiet, "GET", DOMAINS, token))["total"] == 1
    assert (await rest(quiet, "GET", ACCOUNT, token))["token"] == token


async def test_the_rest_answer_to_no_token_is_the_same_code(quiet: httpx.AsyncClient):
    g = error_of(await gql(quiet, "{ certificates { total } }"))
    status, r = await rest_error(quiet, "GET", CERTS, None)
    assert status == 401 and g["extensions"]["code"] == r["code"] == "UNAUTHORIZED"
    assert g["message"] == r["message"]


FIELD_CASES = [
    # (GraphQL query, variables, REST method, path, REST body)
    pytest.param(REQUEST, {"d": ["192.0.2.1"], "ca": "LETSENCRYPT"}, "POST", CERTS,
                 {"domains": ["192.0.2.1"], "ca_provider": "letsencrypt"}, id="request-ip"),
    pytest.param(REQUEST, {"d": ["shop.example.net"], "ca": "LETSENCRYPT"}, "POST", CERTS,
                 {"domains": ["shop.example.net"], "ca_provider": "letsencrypt"},
                 id="request-not-mine"),
    pytest.param(REQUEST, {"d": ["*.example.com"], "ca": "LETSENCRYPT", "ch": "HTTP_01"},
                 "POST", CERTS, {"domains": ["*.example.com"], "ca_provider": "letsencrypt",
                                 "challenge_type": "http-01"}, id="request-wildcard-http"),
    pytest.param(REQUEST, {"d": [], "ca": "LETSENCRYPT"}, "POST", CERTS,
                 {"domains": [], "ca_provider": "letsencrypt"}, id="request-no-names"),
    pytest.param(REQUEST, {"d": [f"n{i}.example.com" for i in range(101)],
                           "ca": "LETSENCRYPT"}, "POST", CERTS,
                 {"domains": [f"n{i}.example.com" for i in range(101)],
                  "ca_provider": "letsencrypt"}, id="request-101-names"),
    pytest.param(REQUEST, {"d": ["example.com"], "ca": "SSLCOM"}, "POST", CERTS,
                 {"domains": ["example.com"], "ca_provider": "sslcom"}, id="request-no-eab"),
    pytest.param(ADD_DOMAIN, {"d": "192.0.2.1"}, "POST", DOMAINS, {"domain": "192.0.2.1"},
                 id="domain-ip"),
    pytest.param(ADD_DOMAIN, {"d": "8.8.8.8"}, "POST", DOMAINS, {"domain": "8.8.8.8"},
                 id="domain-ip-dns01"),
    pytest.param(REQUEST, {"d": ["8.8.8.8"], "ca": "LETSENCRYPT"}, "POST", CERTS,
                 {"domains": ["8.8.8.8"], "ca_provider": "letsencrypt"},
                 id="request-ip-dns01"),
    pytest.param(ADD_DOMAIN, {"d": "co.uk"}, "POST", DOMAINS, {"domain": "co.uk"},
                 id="domain-public-suffix"),
    pytest.param(ADD_DOMAIN, {"d": "Example.COM."}, "POST", DOMAINS,
                 {"domain": "example.com"}, id="domain-twice"),
    pytest.param(ADD_DOMAIN, {"d": "*.example.org"}, "POST", DOMAINS,
                 {"domain": "*.example.org"}, id="domain-wildcard"),
    pytest.param(ADD_DOMAIN, {"d": ""}, "POST", DOMAINS, {"domain": ""}, id="domain-empty"),
    pytest.param(SET_EAB, {"ca": "GOOGLE", "kid": "", "key": HMAC}, "POST",
                 f"{ACCOUNT}?action=set-eab",
                 {"ca_provider": "google", "eab_kid": "", "eab_hmac_key": HMAC},
                 id="eab-no-kid"),
    pytest.param(SET_EAB, {"ca": "GOOGLE", "kid": "k", "key": ""}, "POST",
                 f"{ACCOUNT}?action=set-eab",
                 {"ca_provider": "google", "eab_kid": "k", "eab_hmac_key": ""},
                 id="eab-no-key"),
    pytest.param(SET_EAB, {"ca": "GOOGLE", "kid": "k", "key": "c2hvcnQ"}, "POST",
                 f"{ACCOUNT}?action=set-eab",
                 {"ca_provider": "google", "eab_kid": "k", "eab_hmac_key": "c2hvcnQ"},
                 id="eab-short-key"),
    pytest.param(SET_EAB, {"ca": "GOOGLE", "kid": "k", "key": "not base64!"}, "POST",
                 f"{ACCOUNT}?action=set-eab",
                 {"ca_provider": "google", "eab_kid": "k", "eab_hmac_key": "not base64!"},
                 id="eab-not-base64"),
    pytest.param(LIST, {"pp": 101}, "GET", CERTS, {"per_page": 101}, id="certificates-101"),
    pytest.param(INBOX, {"u": False, "pp": 101}, "GET", NOTES, {"per_page": 101},
                 id="notifications-101"),
    pytest.param(G_REGISTER, {"e": "new@example.com", "p": "weakpass"}, "POST",
                 f"{AUTH}?action=register", {"email": "new@example.com",
                                             "password": "weakpass"}, id="register-weak"),
    pytest.param(G_REGISTER, {"e": "not-an-email", "p": PASSWORD}, "POST",
                 f"{AUTH}?action=register", {"email": "not-an-email", "password": PASSWORD},
                 id="register-email"),
    pytest.param(G_REGISTER, {"e": "user@example.com", "p": PASSWORD}, "POST",
                 f"{AUTH}?action=register", {"email": "user@example.com",
                                             "password": PASSWORD}, id="register-taken"),
    pytest.param(G_REGISTER, {"e": "n@example.com", "p": PASSWORD, "n": "x" * 101}, "POST",
                 f"{AUTH}?action=register", {"email": "n@example.com", "password": PASSWORD,
                                             "name": "x" * 101}, id="register-long-name"),
    pytest.param("mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p)"
                 " { message } }", {"t": "nope", "p": PASSWORD}, "POST",
                 f"{AUTH}?action=reset-password", {"token": "nope", "password": PASSWORD},
                 id="reset-bad-token"),
]


@pytest.mark.parametrize(("query", "variables", "method", "path", "body"), FIELD_CASES)
async def test_input_errors_name_the_same_fields(quiet: httpx.AsyncClient, query: str,
                                                 variables: dict[str, Any], method: str,
                                                 path: str, body: dict[str, Any]):
    token = await user(quiet, "user@example.com", "example.com")
    g = error_of(await gql(quiet, query, token, **variables))
    request = {"params": body} if method == "GET" else {"body": body}
    status, r = await rest_error(quiet, method, path, token, **request)
    assert status == 400 and r["code"] == "VALIDATION_ERROR"
    fields = r["details"]["fields"]
    assert len(fields) == 1
    if body.get("domains") == []:  # REST's parameter layer words "missing" its own way
        assert (r["message"], g["message"]) == ("domains is required",
                                                "domains must list 1 to 100 names")
        assert g["extensions"] == {"code": "VALIDATION_ERROR",
                                   "fields": {"domains": g["message"]}}
    else:
        assert g["message"] == in_graphql_words(r["message"])
        assert g["extensions"] == {"code": "VALIDATION_ERROR", "fields": {
            snake_to_camel(k): g["message"] for k in fields}}
    # nothing was made by either refusal
    assert (await rest(quiet, "GET", CERTS, token))["total"] == 0
    assert (await rest(quiet, "GET", DOMAINS, token))["total"] == 1


async def refused_as_invalid(client: httpx.AsyncClient, query: str,
                             variables: dict[str, Any]) -> None:
    token = await user(client, "user@example.com", "example.com")
    cert = await rest_request(client, token, "example.com")
    assert cert["id"] == 1
    result = await gql(client, query, token, **variables)
    assert result.get("data") is None and result["errors"], result
    assert {e["extensions"]["code"] for e in result["errors"]} == {"VALIDATION_ERROR"}, result
    assert (await rest(client, "GET", CERTS, token))["total"] == 1
    assert (await rest(client, "GET", DOMAINS, token))["total"] == 1


@pytest.mark.parametrize("query", [
    "{ certificates(status: DONE) { total } }",
    '{ certificates(status: "issued") { total } }',
    "{ certificates(status: pending) { total } }",  # REST's spelling is no enum value
    "{ certificates(caProvider: DIGICERT) { total } }",
    'mutation { requestCertificate(domains: ["example.com"], caProvider: DIGICERT) { id } }',
    'mutation { requestCertificate(domains: ["example.com"], caProvider: LETSENCRYPT, '
    "keyType: EC_521) { id } }",
    'mutation { requestCertificate(domains: ["example.com"], caProvider: LETSENCRYPT, '
    "challengeType: TLS_ALPN_01) { id } }",
    'mutation { addDomain(domain: "example.org", verificationMethod: DNS) { id } }',
    "{ certificateDownload(id: 1, format: DER) { filename } }",
    "mutation { revokeCertificate(id: 1, reason: COMPROMISED) { id } }",
    "mutation { revokeCertificate(id: 1, reason: 1) { id } }",
    "{ notifications(unreadOnly: YES) { total } }",
])
async def test_bad_enum_values_are_validation_errors(quiet: httpx.AsyncClient, query: str):
    await refused_as_invalid(quiet, query, {})


@pytest.mark.parametrize(("query", "variables"), [
    ("query($s: CertificateStatus) { certificates(status: $s) { total } }",
     {"s": "pending"}),  # REST's spelling is not a GraphQL enum value
    ("query($ca: CaProvider) { certificates(caProvider: $ca) { total } }", {"ca": "Google"}),
    (REQUEST, {"d": ["example.com"], "ca": "DIGICERT"}),
    (REQUEST, {"d": ["example.com"], "ca": "LETSENCRYPT", "k": "EC_521"}),
    (REQUEST, {"d": ["example.com"], "ca": "LETSENCRYPT", "ch": "dns-01"}),
    (ADD_DOMAIN, {"d": "example.org", "m": "DNS-01"}),
    (DOWNLOAD, {"id": 1, "f": "DER"}),
    (REVOKE, {"id": 1, "r": "COMPROMISED"}),
    (REVOKE, {"id": 1, "r": 1}),
    ("query($id: Int!) { certificate(id: $id) { id } }", {"id": "one"}),
    ("query($id: Int!) { certificate(id: $id) { id } }", {}),
])
async def test_bad_enum_values_in_variables_are_validation_errors(
        quiet: httpx.AsyncClient, query: str, variables: dict[str, Any]):
    await refused_as_invalid(quiet, query, variables)


# Where GraphQL answers otherwise than REST: bugs, pinned down

@pytest.mark.parametrize(("query", "rest_path", "params"), [
    ("{ certificates(page: 0) { page } }", CERTS, {"page": 0}),
    ("{ certificates(perPage: 0) { perPage } }", CERTS, {"per_page": 0}),
    ("{ notifications(page: 0) { page } }", NOTES, {"page": 0}),
    ("{ notifications(perPage: 0) { perPage } }", NOTES, {"per_page": 0}),
])
async def test_pages_below_one_are_refused_as_in_rest(quiet: httpx.AsyncClient, query: str,
                                                      rest_path: str, params: dict[str, Any]):
    token = await user(quiet, "user@example.com")
    status, r = await rest_error(quiet, "GET", rest_path, token, params=params)
    assert status == 400 and r["code"] == "VALIDATION_ERROR"
    g = error_of(await gql(quiet, query, token))
    assert g["extensions"]["code"] == "VALIDATION_ERROR"
    assert g["extensions"]["fields"].keys() == {snake_to_camel(k) for k in params}


@pytest.mark.parametrize("query", ["{ certificates(page: -1) { page } }",
                                   "{ notifications(page: -3) { page } }"])
async def test_a_negative_page_is_a_validation_error(quiet: httpx.AsyncClient, query: str):
    token = await user(quiet, "user@example.com")
    g = error_of(await gql(quiet, query, token))
    assert g["extensions"]["code"] == "VALIDATION_ERROR", g
    assert g["extensions"]["fields"].keys() == {"page"}


async def test_a_queued_certificate_has_no_dns_records_as_in_rest(quiet: httpx.AsyncClient):
    token = await user(quiet, "user@example.com", "example.com")
    cert = await rest_request(quiet, token, "example.com")
    assert cert["dns_records"] is None
    g = data_of(await gql(quiet, "query($id: Int!) { certificate(id: $id) { dnsRecords "
                                 "{ name } } }", token, id=cert["id"]))
    assert g["certificate"]["dnsRecords"] is None


async def test_an_over_long_eab_kid_is_a_field_error(quiet: httpx.AsyncClient):
    token = await user(quiet, "user@example.com")
    status, r = await rest_error(quiet, "POST", f"{ACCOUNT}?action=set-eab", token, body={
        "ca_provider": "google", "eab_kid": "k" * 301, "eab_hmac_key": HMAC})
    assert (status, list(r["details"]["fields"])) == (400, ["eab_kid"])
    g = error_of(await gql(quiet, SET_EAB, token, ca="GOOGLE", kid="k" * 301, key=HMAC))
    assert g["extensions"]["code"] == "VALIDATION_ERROR"
    assert g["extensions"]["fields"].keys() == {"eabKid"}


@pytest.mark.parametrize(("query", "variables", "rest_call"), [
    ("query($q: String) { certificates(search: $q) { total } }", {"q": "x" * 254},
     ("GET", CERTS, {"params": {"search": "x" * 254}})),
    (SET_EAB, {"ca": "GOOGLE", "kid": "k", "key": HMAC * 12},
     ("POST", f"{ACCOUNT}?action=set-eab", {"body": {
         "ca_provider": "google", "eab_kid": "k", "eab_hmac_key": HMAC * 12}})),
])
async def test_rest_length_limits_hold_in_graphql(quiet: httpx.AsyncClient, query: str,
                                                  variables: dict[str, Any],
                                                  rest_call: tuple[str, str, dict[str, Any]]):
    token = await user(quiet, "user@example.com")
    method, path, request = rest_call
    status, r = await rest_error(quiet, method, path, token, **request)
    assert status == 400 and r["code"] == "VALIDATION_ERROR"
    g = error_of(await gql(quiet, query, token, **variables))
    assert g["extensions"]["code"] == "VALIDATION_ERROR"


async def test_marking_a_read_notification_again_updates_none(quiet: httpx.AsyncClient):
    token = await user(quiet, "user@example.com")
    uid = (await rest(quiet, "GET", ACCOUNT, token))["user_id"]
    note = await notify(user_id=uid, type="expired", title="t", message="m")
    assert note is not None
    first = data_of(await gql(quiet, MARK, token, id=note.id))["markNotificationRead"]
    assert first == {"updated": 1}
    again = data_of(await gql(quiet, MARK, token, id=note.id))["markNotificationRead"]
    assert again == {"updated": 0}


def test_the_date_conversion_used_here():
    assert date_part("2030-01-02T23:59:59+00:00") == date(2030, 1, 2).isoformat()
    assert snake("fingerprintSha256") == "fingerprint_sha256"
    assert snake("expiringWithin30Days") == "expiring_within_30_days"
    assert rest_enum("RSA_2048") == "rsa-2048" and rest_enum("LETSENCRYPT") == "letsencrypt"
