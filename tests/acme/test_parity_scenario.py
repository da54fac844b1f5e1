"""One user's story, told once through REST v1 and once through GraphQL, against real Pebble:
sign up, add an http-01 domain and verify it, request a certificate, see it issued, download
it, renew it, read and clear the inbox, read the renewal figures, delete the certificate and
the domain. Both tellings must end the same, field by field, once spelled alike (REST's
snake_case and lower-case enums, its date-only expires_at) and once what differs by nature
(names, ids, serials, dates) is replaced by placeholders."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.support.acme import casp_settings, unique, wait_for
from tests.support.certs import verify_chain
from tests.support.dns import BindServer
from tests.support.graphql import (
    DETAIL,
    DOMAIN,
    NOTE,
    cert_as_rest,
    data_of,
    domain_as_rest,
    error_of,
    note_as_rest,
    stats_as_rest,
)
from tests.support.live import live_casp
from tests.support.pebble import PebbleServer
from tests.support.rest import PASSWORD, bearer, login, register

pytestmark = pytest.mark.slow  # real Pebble and BIND servers

CERTS = "/api/v1/certificates.php"
DOMAINS = "/api/v1/domains.php"
NOTES = "/api/v1/notifications.php"


@pytest.fixture
def settings(tmp_path: Path, ca: PebbleServer, bind_server: BindServer, port: int) -> Settings:
    # No sweep during the story (it would ask the CA's renewalInfo between two reads), and
    # a budget the polling cannot exhaust.
    return casp_settings(tmp_path / "data", ca, bind_server, port, sweep_seconds=3600,
                         rate_limit="10000/minute")


@dataclasses.dataclass
class Story:
    """What the user saw, in REST's spelling, and what varies between two tellings."""

    seen: dict[str, Any] = dataclasses.field(default_factory=dict)
    placeholders: dict[str, str] = dataclasses.field(default_factory=dict)
    cert_id: int = 0

    def told(self) -> Any:
        return self._replace(self.seen)

    def _replace(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._replace(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._replace(v) for v in value]
        if isinstance(value, str):
            for real, shown in sorted(self.placeholders.items(), key=lambda p: -len(p[0])):
                value = value.replace(real, shown)
            return value
        return value


def issued_facts(cert: dict[str, Any], story: Story, version: str) -> dict[str, Any]:
    """A certificate record (REST spelling) with its varying values named."""
    story.placeholders[cert["serial"]] = f"{{serial{version}}}"
    story.placeholders[cert["expires_at"]] = f"{{expires{version}}}"
    return {
        "domains": cert["domains"], "ca_provider": cert["ca_provider"],
        "challenge_type": cert["challenge_type"], "key_type": cert["key_type"],
        "status": cert["status"], "stage": cert["stage"], "auto_renew": cert["auto_renew"],
        "serial": cert["serial"], "expires_at": cert["expires_at"],
        "issuer": cert["issuer"], "last_error": cert["last_error"],
        "dns_records": cert["dns_records"], "revoked_at": cert["revoked_at"],
        "fingerprint_shape": (len(cert["fingerprint_sha256"]),
                              cert["fingerprint_sha256"].count(":")),
        "issued_before_expiry": datetime.fromisoformat(cert["issued_at"]).date().isoformat()
        < cert["expires_at"],
        "pem": cert["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----"),
        "chain": cert["chain_pem"].startswith("-----BEGIN CERTIFICATE-----"),
        "history": [h["serial"] for h in cert["history"]],
        "renewal_planned": cert["renew_at"] is not None,
    }


def inbox_facts(box: dict[str, Any], story: Story) -> dict[str, Any]:
    return {"total": box["total"], "unread_count": box["unread_count"],
            "pages": box["pages"], "items": [
                {"type": n["type"], "title": n["title"], "message": n["message"],
                 "certificate": n["certificate_id"] == story.cert_id, "read": n["read"]}
                for n in box["notifications"]]}


def stats_facts(stats: dict[str, Any]) -> dict[str, Any]:
    return stats | {"next_renewal_at": stats["next_renewal_at"] is not None}


# Through REST

async def rest_get(client: httpx.AsyncClient, token: str, path: str, **params: Any) -> Any:
    r = await client.get(path, params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()["data"]


async def rest_post(client: httpx.AsyncClient, token: str, path: str, body: dict[str, Any],
                    status: int = 200) -> dict[str, Any]:
    r = await client.post(path, json=body, headers=bearer(token))
    assert r.status_code == status, r.text
    return dict(r.json())


async def through_rest(client: httpx.AsyncClient, ca: PebbleServer) -> tuple[Story, str]:
    story, name = Story(), unique("rp")
    story.placeholders[name] = "{name}"
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    await register(client, email, name="Parity")
    token = await login(client, email)
    seen = story.seen
    account = await rest_get(client, token, "/api/v1/account.php")
    seen["account"] = {"name": account["name"], "email_verified": account["email_verified"]}

    domain = (await rest_post(client, token, DOMAINS, {
        "domain": name.upper(), "verification_method": "http-01"}))["data"]
    seen["domain"] = {k: domain[k] for k in ("domain", "verification_method", "status",
                                             "instructions", "verified_at", "last_check")}
    verified = (await rest_post(client, token, f"{DOMAINS}?action=verify",
                                {"id": domain["id"]}))["data"]
    seen["verification"] = {
        "ok": verified["verification"]["ok"], "status": verified["status"],
        "verified": verified["verified_at"] is not None,
        "checks": [(c["check"], c["ok"]) for c in verified["verification"]["checks"]],
        "caa": verified["verification"]["caa"]}

    requested = (await rest_post(client, token, CERTS, {
        "ca_provider": "letsencrypt", "domains": [name], "challenge_type": "http-01"},
        status=201))["data"]
    story.cert_id = requested["id"]
    seen["requested"] = {k: requested[k] for k in (
        "domains", "ca_provider", "challenge_type", "key_type", "status", "stage",
        "auto_renew", "serial", "expires_at", "issued_at", "certificate_pem")}
    listed = await rest_get(client, token, CERTS, search=name)  # issued by now, or not
    seen["listed"] = {"total": listed["total"],
                      "ids": [c["id"] == story.cert_id for c in listed["certificates"]]}

    await wait_for(client, token, story.cert_id)
    first = await rest_get(client, token, CERTS, id=story.cert_id)
    verify_chain(first["certificate_pem"] + first["chain_pem"], ca.roots_pem(), [name])
    seen["issued"] = issued_facts(first, story, "1")
    r = await client.get(CERTS, params={"id": story.cert_id, "action": "download",
                                        "format": "pem"}, headers=bearer(token))
    seen["download"] = {"filename": r.headers["content-disposition"].split('"')[1],
                        "same_as_record": r.text == first["certificate_pem"]}
    refused = (await client.delete(DOMAINS, params={"id": domain["id"]},
                                   headers=bearer(token))).json()["error"]
    seen["domain_in_use"] = {"code": refused["code"],
                             "fields": list(refused["details"]["fields"])}

    renewed = await rest_post(client, token, f"{CERTS}?action=renew", {"id": story.cert_id})
    after = await rest_get(client, token, CERTS, id=story.cert_id)
    seen["renewed"] = {"finished": True, "id": renewed["data"]["id"] == story.cert_id,
                       "status": renewed["data"]["status"],
                       "expires_at": renewed["data"]["expires_at"] == after["expires_at"]}
    seen["after_renewal"] = issued_facts(after, story, "2")
    await same_record_through_graphql(client, token, after)

    seen["inbox"] = inbox_facts(await rest_get(client, token, NOTES), story)
    seen["unread_only"] = inbox_facts(await rest_get(client, token, NOTES, unread_only="1",
                                                     per_page="1"), story)
    newest = (await rest_get(client, token, NOTES))["notifications"][0]["id"]
    assert (await rest_post(client, token, f"{NOTES}?action=mark-read",
                            {"id": newest})) == {"success": True}
    seen["after_mark_one"] = inbox_facts(await rest_get(client, token, NOTES), story)
    assert (await rest_post(client, token, f"{NOTES}?action=mark-read",
                            {"id": "all"})) == {"success": True}
    seen["after_mark_all"] = inbox_facts(await rest_get(client, token, NOTES), story)
    seen["stats"] = stats_facts(await rest_get(client, token, "/api/v1/renewal.php"))

    gone = (await client.delete(CERTS, params={"id": story.cert_id}, headers=bearer(token)))
    seen["deleted"] = gone.json()["message"]
    missing = (await client.get(CERTS, params={"id": story.cert_id},
                                headers=bearer(token))).json()["error"]
    seen["after_delete"] = {
        "code": missing["code"],
        "listed": (await rest_get(client, token, CERTS))["total"],
        "stats_kept": (await rest_get(client, token,
                                      "/api/v1/renewal.php"))["successful_renewals"]}
    dropped = await client.delete(DOMAINS, params={"id": domain["id"]}, headers=bearer(token))
    seen["domain_deleted"] = dropped.json()["message"]
    seen["domains_left"] = (await rest_get(client, token, DOMAINS))["total"]
    return story, token


async def same_record_through_graphql(client: httpx.AsyncClient, token: str,
                                      record: dict[str, Any]) -> None:
    """The record as REST shows it is what GraphQL shows of it."""
    shown = data_of(await gql(client, token, "query($id: Int!) { certificate(id: $id) { "
                              + DETAIL + " } }", id=record["id"]))["certificate"]
    assert cert_as_rest(shown) == record


# Through GraphQL

async def gql(client: httpx.AsyncClient, token: str | None, query: str,
              **variables: Any) -> dict[str, Any]:
    r = await client.post("/graphql", json={"query": query, "variables": variables},
                          headers=bearer(token) if token else {})
    assert r.status_code == 200, r.text
    return dict(r.json())


CERT_QUERY = "query($id: Int!) { certificate(id: $id) { " + DETAIL + " } }"
INBOX = """query($u: Boolean!, $pp: Int) { notifications(unreadOnly: $u, perPage: $pp) {
  unreadCount total page perPage pages notifications { """ + NOTE + " } } }"
STATS = """{ renewalStats { successfulRenewals pendingRenewals failedRenewals nextRenewalAt
  expiringWithin30Days byCa { caProvider successfulRenewals pendingRenewals failedRenewals }
} }"""


async def gql_cert(client: httpx.AsyncClient, token: str, cert_id: int) -> dict[str, Any]:
    return cert_as_rest(data_of(await gql(client, token, CERT_QUERY, id=cert_id))["certificate"])


async def gql_inbox(client: httpx.AsyncClient, token: str, unread_only: bool = False,
                    per_page: int | None = None) -> dict[str, Any]:
    box = data_of(await gql(client, token, INBOX, u=unread_only, pp=per_page))["notifications"]
    return {"notifications": [note_as_rest(n) for n in box["notifications"]],
            "unread_count": box["unreadCount"], "total": box["total"], "pages": box["pages"]}


async def gql_wait(client: httpx.AsyncClient, token: str, cert_id: int,
                   within: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + within
    cert: dict[str, Any] = {}
    while time.monotonic() < deadline:
        cert = await gql_cert(client, token, cert_id)
        if cert["status"] in ("issued", "failed"):
            assert cert["status"] == "issued", cert["last_error"]
            return cert
        await asyncio.sleep(0.1)
    raise AssertionError(f"certificate {cert_id} still {cert.get('status')} after {within} s")


async def through_graphql(client: httpx.AsyncClient, ca: PebbleServer) -> tuple[Story, str]:
    story, name = Story(), unique("gp")
    story.placeholders[name] = "{name}"
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    seen = story.seen
    data_of(await gql(client, None, """mutation($e: String!, $p: String!) {
      register(email: $e, password: $p, name: "Parity") { userId verifyToken } }""",
                      e=email, p=PASSWORD))
    token = data_of(await gql(client, None, """mutation($e: String!, $p: String!) {
      login(email: $e, password: $p) { token } }""", e=email, p=PASSWORD))["login"]["token"]
    me = data_of(await gql(client, token, "{ me { name emailVerified } }"))["me"]
    seen["account"] = {"name": me["name"], "email_verified": me["emailVerified"]}

    domain = domain_as_rest(data_of(await gql(client, token, """mutation($d: String!) {
      addDomain(domain: $d, verificationMethod: HTTP_01) { """ + DOMAIN + " } }",
                                              d=name.upper()))["addDomain"])
    seen["domain"] = {k: domain[k] for k in ("domain", "verification_method", "status",
                                             "instructions", "verified_at", "last_check")}
    verified = data_of(await gql(client, token, """mutation($id: Int!) { verifyDomain(id: $id)
      { ok verification domain { status verifiedAt } } }""", id=domain["id"]))["verifyDomain"]
    assert verified["ok"] is verified["verification"]["ok"]
    seen["verification"] = {
        "ok": verified["ok"], "status": verified["domain"]["status"],
        "verified": verified["domain"]["verifiedAt"] is not None,
        "checks": [(c["check"], c["ok"]) for c in verified["verification"]["checks"]],
        "caa": verified["verification"]["caa"]}

    requested = cert_as_rest(data_of(await gql(client, token, """mutation($d: [String!]!) {
      requestCertificate(domains: $d, caProvider: LETSENCRYPT, challengeType: HTTP_01) { """
                                               + DETAIL + " } }", d=[name]))[
        "requestCertificate"])
    story.cert_id = requested["id"]
    seen["requested"] = {k: requested[k] for k in (
        "domains", "ca_provider", "challenge_type", "key_type", "status", "stage",
        "auto_renew", "serial", "expires_at", "issued_at", "certificate_pem")}
    listed = data_of(await gql(client, token, """query($q: String) { certificates(search: $q)
      { total certificates { id } } }""", q=name))["certificates"]
    seen["listed"] = {"total": listed["total"],
                      "ids": [c["id"] == story.cert_id for c in listed["certificates"]]}

    first = await gql_wait(client, token, story.cert_id)
    verify_chain(first["certificate_pem"] + first["chain_pem"], ca.roots_pem(), [name])
    seen["issued"] = issued_facts(first, story, "1")
    download = data_of(await gql(client, token, """query($id: Int!) {
      certificateDownload(id: $id, format: PEM) { filename contentType contentBase64 } }""",
                                 id=story.cert_id))["certificateDownload"]
    seen["download"] = {
        "filename": download["filename"],
        "same_as_record": base64.b64decode(download["contentBase64"]).decode()
        == first["certificate_pem"]}
    refused = error_of(await gql(client, token, """mutation($id: Int!) {
      deleteDomain(id: $id) { message } }""", id=domain["id"]))
    seen["domain_in_use"] = {"code": refused["extensions"]["code"],
                             "fields": list(refused["extensions"]["fields"])}

    renewed = data_of(await gql(client, token, """mutation($id: Int!) {
      renewCertificate(id: $id) { finished certificate { id status expiresAt } } }""",
                                id=story.cert_id))["renewCertificate"]
    after = await gql_cert(client, token, story.cert_id)
    seen["renewed"] = {
        "finished": renewed["finished"], "id": renewed["certificate"]["id"] == story.cert_id,
        "status": renewed["certificate"]["status"].lower(),
        "expires_at": renewed["certificate"]["expiresAt"][:10] == after["expires_at"]}
    seen["after_renewal"] = issued_facts(after, story, "2")
    await same_record_through_rest(client, token, after)

    seen["inbox"] = inbox_facts(await gql_inbox(client, token), story)
    seen["unread_only"] = inbox_facts(await gql_inbox(client, token, True, 1), story)
    newest = (await gql_inbox(client, token))["notifications"][0]["id"]
    marked = data_of(await gql(client, token, """mutation($id: Int!) {
      markNotificationRead(id: $id) { updated } }""", id=newest))
    assert marked == {"markNotificationRead": {"updated": 1}}
    seen["after_mark_one"] = inbox_facts(await gql_inbox(client, token), story)
    marked = data_of(await gql(client, token, "mutation { markAllNotificationsRead { updated } }"))
    assert marked == {"markAllNotificationsRead": {"updated": 1}}
    seen["after_mark_all"] = inbox_facts(await gql_inbox(client, token), story)
    seen["stats"] = stats_facts(stats_as_rest(data_of(await gql(client, token, STATS))[
        "renewalStats"]))

    gone = data_of(await gql(client, token, """mutation($id: Int!) {
      deleteCertificate(id: $id) { message } }""", id=story.cert_id))["deleteCertificate"]
    seen["deleted"] = gone["message"]
    missing = error_of(await gql(client, token, CERT_QUERY, id=story.cert_id))
    left = data_of(await gql(client, token, "{ certificates { total } renewalStats { "
                                            "successfulRenewals } }"))
    seen["after_delete"] = {"code": missing["extensions"]["code"],
                            "listed": left["certificates"]["total"],
                            "stats_kept": left["renewalStats"]["successfulRenewals"]}
    dropped = data_of(await gql(client, token, """mutation($id: Int!) {
      deleteDomain(id: $id) { message } }""", id=domain["id"]))["deleteDomain"]
    seen["domain_deleted"] = dropped["message"]
    seen["domains_left"] = data_of(await gql(client, token, "{ domains { total } }"))[
        "domains"]["total"]
    return story, token


async def same_record_through_rest(client: httpx.AsyncClient, token: str,
                                   record: dict[str, Any]) -> None:
    """The record as GraphQL shows it is what REST shows of it."""
    shown = await rest_get(client, token, CERTS, id=record["id"])
    assert record == shown


async def test_the_same_story_through_rest_and_graphql(settings: Settings, ca: PebbleServer,
                                                       port: int):
    async with live_casp(settings, port) as client:
        by_rest, rest_token = await through_rest(client, ca)
        by_graphql, graphql_token = await through_graphql(client, ca)
        told_by_rest, told_by_graphql = by_rest.told(), by_graphql.told()
        for part in told_by_rest:  # part by part first, for a readable failure
            assert told_by_graphql[part] == told_by_rest[part], part
        assert told_by_graphql == told_by_rest

        # what the story is, so that two equally broken tellings cannot pass
        assert told_by_rest["account"] == {"name": "Parity", "email_verified": False}
        assert told_by_rest["verification"]["ok"] is True
        assert told_by_rest["requested"]["status"] == "pending"
        assert told_by_rest["listed"] == {"total": 1, "ids": [True]}
        assert told_by_rest["issued"]["status"] == "issued"
        assert told_by_rest["issued"]["history"] == []
        assert told_by_rest["after_renewal"]["history"] == ["{serial1}"]
        assert told_by_rest["after_renewal"]["serial"] == "{serial2}"
        assert told_by_rest["renewed"] == {"finished": True, "id": True, "status": "issued",
                                           "expires_at": True}
        assert [n["type"] for n in told_by_rest["inbox"]["items"]] == [
            "renewal_succeeded", "certificate_issued"]
        assert told_by_rest["inbox"]["items"][1]["title"] == "Certificate issued: {name}"
        assert all(n["certificate"] for n in told_by_rest["inbox"]["items"])
        assert told_by_rest["unread_only"]["pages"] == 2
        assert [n["read"] for n in told_by_rest["after_mark_one"]["items"]] == [True, False]
        assert told_by_rest["after_mark_all"]["unread_count"] == 0
        assert told_by_rest["stats"]["successful_renewals"] == 1
        assert told_by_rest["stats"]["by_ca"] == {"letsencrypt": {
            "successful_renewals": 1, "pending_renewals": 0, "failed_renewals": 0}}
        assert told_by_rest["download"] == {"filename": "{name}.pem", "same_as_record": True}
        assert told_by_rest["domain_in_use"] == {"code": "VALIDATION_ERROR", "fields": ["id"]}
        assert told_by_rest["after_delete"] == {"code": "NOT_FOUND", "listed": 0,
                                                "stats_kept": 1}
        assert told_by_rest["domains_left"] == 0
        # and the two users never saw each other's story
        r = await client.get(NOTES, headers=bearer(rest_token))
        g = await gql_inbox(client, graphql_token)
        assert {n["id"] for n in r.json()["data"]["notifications"]}.isdisjoint(
            {n["id"] for n in g["notifications"]})
