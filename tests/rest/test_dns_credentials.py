"""DNS provider credentials over REST and GraphQL, against a real PowerDNS: the providers
and their fields, a credential checked before it is saved, never shown back, another user's
NOT_FOUND, every bad input a VALIDATION_ERROR naming its field; a domain's choice of one."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from app.runtime import current
from models.dns_credential import DnsCredential
from models.user import User
from tests.support import require_binary
from tests.support.app import raw_database, running
from tests.support.graphql import data_of, gql
from tests.support.pdns import PowerDns
from tests.support.rest import assert_error, bearer, login, register

ACCOUNT = "/api/v1/account.php"
DOMAINS = "/api/v1/domains.php"


@pytest.fixture(scope="module")
def powerdns() -> Iterator[PowerDns]:
    with PowerDns(require_binary("pdns_server", "pdns-server")) as server:
        yield server


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, dns_providers_allow_private=True)


def pdns(powerdns: PowerDns, **changes: Any) -> dict[str, Any]:
    return {"provider": "powerdns", "label": "home", "zone": powerdns.zone,
            "credentials": {"auth_token": powerdns.api_key, "pdns_server": powerdns.api_url}
            } | changes


async def add(client: httpx.AsyncClient, token: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"{ACCOUNT}?action=add-dns-credential", headers=bearer(token),
                             json=body)


async def test_providers_are_listed_with_their_fields(client: httpx.AsyncClient, token: str):
    r = await client.get(ACCOUNT, params={"action": "dns-providers"}, headers=bearer(token))
    providers = {p["name"]: p for p in r.json()["data"]["dns_providers"]}
    assert r.json()["data"]["total"] == len(providers) > 80  # lexicon's whole list
    assert {f["name"] for f in providers["powerdns"]["fields"]} >= {"auth_token",
                                                                    "pdns_server"}
    assert providers["rfc2136"]["required"] == ["server", "tsig_key"]
    assert "cloudflare" in providers and "localzone" not in providers  # never casp's disk
    token_field = next(f for f in providers["powerdns"]["fields"] if f["name"] == "auth_token")
    assert token_field["secret"] is True and token_field["description"]
    by_gql = data_of(await gql(client, "{ dnsProviders { name available required "
                                       "fields { name description secret } } }", token))
    assert [p["name"] for p in by_gql["dnsProviders"]] == list(providers)
    assert by_gql["dnsProviders"][0]["fields"] == providers[by_gql["dnsProviders"][0][
        "name"]]["fields"]


BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"provider": "nope"}, "provider", "is not a DNS provider casp knows"),
    ({"provider": ""}, "provider", "provider is required"),
    ({"label": ""}, "label", "label is required"),
    ({"label": "x" * 101}, "label", "at most 100"),
    ({"zone": ""}, "zone", "zone is required"),
    ({"zone": "1.2.3.4"}, "zone", "must be a DNS zone name"),
    ({"zone": "not a zone!"}, "zone", ""),
    ({"credentials": {}}, "credentials", "credentials is required"),
    ({"credentials": "not json"}, "credentials", "must be a JSON object"),
    ({"credentials": {"password": "x"}}, "credentials", "powerdns has no field 'password'"),
    ({"credentials": {"auth_token": "k", "pdns_server": "/run/pdns.sock"}}, "credentials",
     "pdns_server must be an http or https URL"),
    ({"credentials": {"auth_token": "k", "pdns_server": "http://no-such-host.invalid"}},
     "credentials", "cannot be resolved"),
    ({"provider": "rfc2136", "credentials": {"server": "127.0.0.1"}}, "credentials",
     "rfc2136 needs tsig_key"),
    ({"provider": "rfc2136", "credentials": {"server": "127.0.0.1", "tsig_key": "bad"}},
     "credentials", "tsig_key must be"),
    ({"provider": "rfc2136", "credentials": {"server": "127.0.0.1",
                                             "tsig_key": "no-such-alg:k:AAAA"}},
     "credentials", "tsig_key must be"),
    ({"provider": "rfc2136", "credentials": {"server": "127.0.0.1:x", "tsig_key": "k:AAAA"}},
     "credentials", "server must be host[:port]"),
]


@pytest.mark.parametrize(("change", "field", "words"), BAD)
async def test_bad_input_is_refused_naming_the_field(client: httpx.AsyncClient, token: str,
                                                     powerdns: PowerDns, change: dict[str, Any],
                                                     field: str, words: str):
    error = assert_error(await add(client, token, pdns(powerdns, **change)), 400,
                         "VALIDATION_ERROR")
    assert list(error["details"]["fields"]) == [field]
    assert words in error["message"]
    listed = await client.get(ACCOUNT, params={"action": "dns-credentials"},
                              headers=bearer(token))
    assert listed.json()["data"] == {"dns_credentials": [], "total": 0}


async def test_a_private_server_is_refused_unless_allowed(tmp_path: Any, powerdns: PowerDns,
                                                          settings: Settings,
                                                          clock: ManualClock):
    strict = dataclasses.replace(settings, dns_providers_allow_private=False)
    async with running(strict, clock) as client:
        await register(client)
        token = await login(client)
        error = assert_error(await add(client, token, pdns(powerdns)), 400, "VALIDATION_ERROR")
        assert error["message"] == "pdns_server does not point at a public address"
        assert powerdns.host not in error["message"]
        # One saved when the rule was off (or whose name moved since) is refused at use.
        me = await User.get(email="user@example.com")
        row = await DnsCredential.create(
            user=me, provider="powerdns", label="old", zone=powerdns.zone,
            created_at=clock.now(), secret_encrypted=current().box.encrypt(json.dumps(
                pdns(powerdns)["credentials"])))
        r = await client.post(f"{ACCOUNT}?action=check-dns-credential", headers=bearer(token),
                              json={"id": row.id})
        assert r.json()["data"]["ok"] is False
        assert "pdns_server does not point at a public address" in r.json()["data"]["error"]


async def test_a_wrong_key_is_refused_on_save(client: httpx.AsyncClient, token: str,
                                              powerdns: PowerDns):
    r = await add(client, token, pdns(powerdns, credentials={
        "auth_token": "wrong-key", "pdns_server": powerdns.api_url}))
    error = assert_error(r, 400, "VALIDATION_ERROR")
    assert error["message"].startswith("the check failed: DNS provider powerdns")
    assert "HTTP 401" in error["message"] and "wrong-key" not in r.text


async def test_a_provider_that_never_answers_is_given_up(
        settings: Settings, clock: ManualClock, powerdns: PowerDns):
    """A server that takes the connection and never answers: the check gives up after
    CASP_DNS_PROVIDER_TIMEOUT_SECONDS, and so does the thread's request."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections complete in the backlog; nothing is ever read
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        quick = dataclasses.replace(settings, dns_provider_timeout_seconds=1)
        async with running(quick, clock) as client:
            await register(client)
            token = await login(client)
            started = time.monotonic()
            r = await add(client, token, pdns(powerdns, credentials={
                "auth_token": "k", "pdns_server": url}))
            error = assert_error(r, 400, "VALIDATION_ERROR")
            assert "did not answer the check within 1 s" in error["message"]
            assert time.monotonic() - started < 5
        started = time.monotonic()
        while any(t.name.startswith("dns-provider") and _in_a_request(t)
                  for t in threading.enumerate()):  # the thread gave up too
            assert time.monotonic() - started < 5, "a provider thread still waits"
            await asyncio.sleep(0.05)


def _in_a_request(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident or 0)
    return frame is not None and any("urllib3" in f.filename
                                     for f in traceback.extract_stack(frame))


async def test_credentials_in_the_query_string_are_refused(client: httpx.AsyncClient,
                                                           token: str):
    r = await client.post(f"{ACCOUNT}?action=add-dns-credential&credentials=%7B%7D",
                          headers=bearer(token), json={})
    error = assert_error(r, 400, "VALIDATION_ERROR")
    assert "request body" in error["message"]


async def test_saved_never_shown_and_only_its_owner_reaches_it(
        client: httpx.AsyncClient, token: str, powerdns: PowerDns, settings: Settings):
    # A form body: the fields as a JSON text.
    form = pdns(powerdns)
    form["credentials"] = (f'{{"auth_token": "{powerdns.api_key}", '
                           f'"pdns_server": "{powerdns.api_url}"}}')
    r = await client.post(f"{ACCOUNT}?action=add-dns-credential", headers=bearer(token),
                          data=form)
    assert r.status_code == 200, r.text
    saved = r.json()["data"]
    assert r.json()["message"] == "DNS credential checked and saved (stored encrypted)"
    assert powerdns.api_key not in r.text
    listed = await client.get("/api/v1/account/dns-credentials", headers=bearer(token))
    assert listed.json()["data"]["dns_credentials"] == [saved]
    assert powerdns.api_key not in listed.text
    assert powerdns.api_key.encode() not in await raw_database(settings)

    await register(client, "bob@example.com")
    bob = await login(client, "bob@example.com")
    r = await client.post(DOMAINS, headers=bearer(bob), json={"domain": "bob.example.org"})
    bobs_domain = r.json()["data"]["id"]
    for call in (
        client.post(f"{ACCOUNT}?action=check-dns-credential", headers=bearer(bob),
                    json={"id": saved["id"]}),
        client.post(f"/api/v1/account/dns-credentials/{saved['id']}/check",
                    headers=bearer(bob)),
        client.post(f"{ACCOUNT}?action=delete-dns-credential", headers=bearer(bob),
                    json={"id": saved["id"]}),
        client.delete(f"/api/v1/account/dns-credentials/{saved['id']}", headers=bearer(bob)),
        client.post(f"{DOMAINS}?action=set-dns-provider", headers=bearer(bob),
                    json={"id": bobs_domain, "dns_credential_id": saved["id"]}),
        client.post(f"{ACCOUNT}?action=check-dns-credential", headers=bearer(bob),
                    json={"id": 2**40}),
    ):
        error = assert_error(await call, 404, "NOT_FOUND")
        assert error["message"].startswith("DNS credential ") and "not found" in error["message"]
    mine = await client.get(ACCOUNT, params={"action": "dns-credentials"}, headers=bearer(bob))
    assert mine.json()["data"]["total"] == 0
    bob_gql = await gql(client, "mutation($i: Int!) { checkDnsCredential(id: $i) { ok } }",
                        bob, i=saved["id"])
    assert bob_gql["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    checked = await client.post(f"/api/v1/account/dns-credentials/{saved['id']}/check",
                                headers=bearer(token))
    assert checked.json()["data"]["ok"] is True and checked.json()["data"]["error"] is None
    gone = await client.delete(f"/api/v1/account/dns-credentials/{saved['id']}",
                               headers=bearer(token))
    assert gone.json() == {"success": True, "message": "DNS credential deleted", "data": None}
    assert_error(await client.post(f"{ACCOUNT}?action=check-dns-credential",
                                   headers=bearer(token), json={"id": saved["id"]}),
                 404, "NOT_FOUND")


async def test_a_domain_chooses_a_credential(client: httpx.AsyncClient, token: str,
                                             powerdns: PowerDns):
    saved = (await add(client, token, pdns(powerdns))).json()["data"]
    web = (await client.post(DOMAINS, headers=bearer(token), json={
        "domain": "web.example.org", "verification_method": "http-01"})).json()["data"]
    dns = (await client.post(DOMAINS, headers=bearer(token),
                             json={"domain": "dns.example.org"})).json()["data"]
    assert dns["dns_credential_id"] is None
    error = assert_error(await client.post(f"{DOMAINS}?action=set-dns-provider",
                                           headers=bearer(token), json={
                                               "id": web["id"], "dns_credential_id": saved["id"]}),
                         400, "VALIDATION_ERROR")
    assert "dns-01 records only" in error["message"] and error["details"]["fields"] == {
        "id": error["message"]}
    r = await client.post(f"/api/v1/domains/{dns['id']}/dns-provider", headers=bearer(token),
                          json={"dns_credential_id": saved["id"]})
    assert r.json()["data"]["dns_credential_id"] == saved["id"]
    shown = (await client.get(DOMAINS, params={"id": dns["id"]}, headers=bearer(token))
             ).json()["data"]
    assert shown["dns_credential_id"] == saved["id"]
    assert shown["instructions"]["mode"] == "dns_provider"
    checked = await client.post(f"{DOMAINS}?action=verify", headers=bearer(token),
                                json={"id": dns["id"]})
    [setup] = [c for c in checked.json()["data"]["verification"]["checks"]
               if c["check"] == "dns-provider"]
    assert setup["ok"] is True and "works" in setup["detail"]
    cleared = await client.post(f"{DOMAINS}?action=set-dns-provider", headers=bearer(token),
                                json={"id": dns["id"], "dns_credential_id": 0})
    assert cleared.json()["data"]["dns_credential_id"] is None
    assert cleared.json()["data"]["instructions"]["mode"] != "dns_provider"
    # Deleting a credential sends its domains back to delegation or manual records.
    await client.post(f"{DOMAINS}?action=set-dns-provider", headers=bearer(token),
                      json={"id": dns["id"], "dns_credential_id": saved["id"]})
    await client.post(f"{ACCOUNT}?action=delete-dns-credential", headers=bearer(token),
                      json={"id": saved["id"]})
    shown = await client.get(DOMAINS, params={"id": dns["id"]}, headers=bearer(token))
    assert shown.json()["data"]["dns_credential_id"] is None


async def test_graphql_at_parity(client: httpx.AsyncClient, token: str, powerdns: PowerDns):
    add_gql = """mutation($p: String!, $z: String!, $c: JSON!) {
        addDnsCredential(provider: $p, label: "home", zone: $z, credentials: $c) {
          id provider label zone createdAt lastUsedAt } }"""
    body = pdns(powerdns)
    bad = await gql(client, add_gql, token, p="nope", z=powerdns.zone, c=body["credentials"])
    assert bad["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    assert list(bad["errors"][0]["extensions"]["fields"]) == ["provider"]
    not_object = await gql(client, add_gql, token, p="powerdns", z=powerdns.zone, c=["x"])
    assert list(not_object["errors"][0]["extensions"]["fields"]) == ["credentials"]
    made = data_of(await gql(client, add_gql, token, p="powerdns", z=powerdns.zone,
                             c=body["credentials"]))["addDnsCredential"]
    by_rest = await client.get(ACCOUNT, params={"action": "dns-credentials"},
                               headers=bearer(token))
    [rest_view] = by_rest.json()["data"]["dns_credentials"]
    assert {"id": made["id"], "provider": made["provider"], "label": made["label"],
            "zone": made["zone"]} == {k: rest_view[k] for k in ("id", "provider", "label",
                                                                 "zone")}
    listed = data_of(await gql(client, "{ dnsCredentials { id zone } }", token))
    assert listed["dnsCredentials"] == [{"id": made["id"], "zone": powerdns.zone}]
    checked = data_of(await gql(client, "mutation($i: Int!) { checkDnsCredential(id: $i) "
                                        "{ ok error credential { id } } }", token, i=made["id"]))
    assert checked["checkDnsCredential"] == {"ok": True, "error": None,
                                             "credential": {"id": made["id"]}}
    domain = data_of(await gql(client, 'mutation { addDomain(domain: "g.example.org") '
                                       "{ id } }", token))["addDomain"]
    other = await gql(client, "mutation($d: Int!) { setDomainDnsCredential(id: $d, "
                              "dnsCredentialId: 999999) { id } }", token, d=domain["id"])
    assert other["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    deleted = data_of(await gql(client, "mutation($i: Int!) { deleteDnsCredential(id: $i) "
                                        "{ message } }", token, i=made["id"]))
    assert deleted["deleteDnsCredential"]["message"] == "DNS credential deleted"
    assert data_of(await gql(client, "{ dnsCredentials { id } }", token)) == {
        "dnsCredentials": []}
