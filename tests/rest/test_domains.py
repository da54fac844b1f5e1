"""domains.php: add (normalised), list, show, delete; only one's own; not while in use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from models.certificate import Certificate
from tests.support.app import OfflineAcme, quiet_settings, running
from tests.support.rest import assert_error, bearer, login, register

URL = "/api/v1/domains.php"
CERTS = "/api/v1/certificates.php"




async def user(client: httpx.AsyncClient, email: str = "user@example.com") -> dict[str, str]:
    await register(client, email)
    return bearer(await login(client, email))


@pytest.fixture
async def me(quiet: httpx.AsyncClient) -> dict[str, str]:
    return await user(quiet)


async def add(client: httpx.AsyncClient, headers: dict[str, str], domain: str,
              **extra: Any) -> dict[str, Any]:
    r = await client.post(URL, headers=headers, json={"domain": domain, **extra})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True
    return body["data"]


def field_error(response: httpx.Response, field: str, status: int = 400,
                code: str = "VALIDATION_ERROR") -> str:
    error = assert_error(response, status, code)
    assert field in error["details"]["fields"], error
    return str(error["details"]["fields"][field])


# POST: normalisation and refusals

@pytest.mark.parametrize(("typed", "stored"), [
    ("EXAMPLE.COM", "example.com"),
    ("Www.Example.Com.", "www.example.com"),
    ("example.com.", "example.com"),
    ("Bücher.example.com", "xn--bcher-kva.example.com"),
    ("  shop.example.co.uk  ", "shop.example.co.uk"),
])
async def test_add_normalises(quiet: httpx.AsyncClient, me: dict[str, str], typed: str,
                              stored: str):
    data = await add(quiet, me, typed)
    assert data["domain"] == stored
    assert isinstance(data["id"], int)
    listed = (await quiet.get(URL, headers=me)).json()["data"]["domains"]
    assert [d["domain"] for d in listed] == [stored]


async def test_add_answers_the_record(quiet: httpx.AsyncClient, me: dict[str, str],
                                      clock: ManualClock):
    r = await quiet.post(URL, headers=me, json={"domain": "example.com"})
    assert r.status_code == 200
    body = r.json()
    assert body["success"] is True and body["message"]
    data = body["data"]
    assert {"id", "domain", "verification_method", "status", "created_at",
            "instructions"} <= set(data)
    assert data["domain"] == "example.com"
    assert data["verification_method"] == "dns-01"  # the default
    assert data["status"] == "pending"
    assert datetime.fromisoformat(data["created_at"]) == clock.now()


@pytest.mark.parametrize("ip", ["192.0.2.10", "10.1.2.3.", "::1", "2001:db8::5", "[::1]"])
async def test_add_refuses_ip_addresses_that_are_not_public(quiet: httpx.AsyncClient,
                                                           me: dict[str, str], ip: str):
    """(Public ones are domains for http-01: tests/rest/test_ip_identifiers.py.)"""
    message = field_error(await quiet.post(URL, headers=me, json={
        "domain": ip, "verification_method": "http-01"}), "domain")
    assert "address" in message


@pytest.mark.parametrize("suffix", ["com", "co.uk", "CO.UK.", "github.io"])
async def test_add_refuses_public_suffixes(quiet: httpx.AsyncClient, me: dict[str, str],
                                           suffix: str):
    message = field_error(await quiet.post(URL, headers=me, json={"domain": suffix}), "domain")
    assert "public suffix" in message


@pytest.mark.parametrize("bad", ["a..b.com", "-a.com", "a-.com", "a" * 64 + ".com",
                                 "under_score.com", "two words.com", "*.example.com",
                                 "", "   ", "."])
async def test_add_refuses_invalid_names(quiet: httpx.AsyncClient, me: dict[str, str],
                                         bad: str):
    field_error(await quiet.post(URL, headers=me, json={"domain": bad}), "domain")
    assert (await quiet.get(URL, headers=me)).json()["data"]["total"] == 0


async def test_add_needs_a_domain(quiet: httpx.AsyncClient, me: dict[str, str]):
    for body in ({}, {"domain": None}, {"verification_method": "dns-01"}):
        message = field_error(await quiet.post(URL, headers=me, json=body), "domain")
        assert "required" in message


async def test_add_refuses_a_non_string_domain(quiet: httpx.AsyncClient, me: dict[str, str]):
    for value in (7, ["example.com"], {"name": "example.com"}):
        field_error(await quiet.post(URL, headers=me, json={"domain": value}), "domain")


@pytest.mark.parametrize("again", ["example.com", "EXAMPLE.com", "example.com.",
                                   "Example.Com."])
async def test_add_refuses_a_domain_one_already_has(quiet: httpx.AsyncClient,
                                                    me: dict[str, str], again: str):
    await add(quiet, me, "example.com")
    message = field_error(await quiet.post(URL, headers=me, json={"domain": again}), "domain")
    assert "already" in message and "example.com" in message
    assert (await quiet.get(URL, headers=me)).json()["data"]["total"] == 1


async def test_add_refuses_an_idn_one_already_has_in_punycode(quiet: httpx.AsyncClient,
                                                              me: dict[str, str]):
    await add(quiet, me, "xn--bcher-kva.example.com")
    r = await quiet.post(URL, headers=me, json={"domain": "BÜCHER.example.com."})
    assert "already" in field_error(r, "domain")


async def test_another_user_may_add_the_same_domain(quiet: httpx.AsyncClient,
                                                    me: dict[str, str]):
    other = await user(quiet, "other@example.com")
    first = await add(quiet, me, "example.com")
    second = await add(quiet, other, "example.com")
    assert first["id"] != second["id"]


@pytest.mark.parametrize("method", ["dns-01", "http-01"])
async def test_add_with_a_verification_method(quiet: httpx.AsyncClient, me: dict[str, str],
                                              method: str):
    data = await add(quiet, me, "example.com", verification_method=method)
    assert data["verification_method"] == method
    assert data["instructions"]["method"] == method


@pytest.mark.parametrize("method", ["dns", "tls-alpn-01", "DNS-01", "http-02", 1])
async def test_add_refuses_a_bad_verification_method(quiet: httpx.AsyncClient,
                                                     me: dict[str, str], method: Any):
    r = await quiet.post(URL, headers=me,
                         json={"domain": "example.com", "verification_method": method})
    field_error(r, "verification_method")
    assert (await quiet.get(URL, headers=me)).json()["data"]["total"] == 0


async def test_add_from_a_form_body(quiet: httpx.AsyncClient, me: dict[str, str]):
    r = await quiet.post(URL, headers=me,
                         data={"domain": "Form.Example.com", "verification_method": "http-01"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["domain"] == "form.example.com"
    assert r.json()["data"]["verification_method"] == "http-01"


# GET: list and show

async def test_list_shows_only_ones_own_domains(quiet: httpx.AsyncClient, me: dict[str, str],
                                                clock: ManualClock):
    other = await user(quiet, "other@example.com")
    mine = [await add(quiet, me, "b.example.com"),
            await add(quiet, me, "a.example.com", verification_method="http-01")]
    await add(quiet, other, "other.example.net")
    r = await quiet.get(URL, headers=me)
    assert r.status_code == 200
    data = r.json()["data"]
    assert data["total"] == 2
    assert {d["id"] for d in data["domains"]} == {d["id"] for d in mine}
    for item in data["domains"]:
        assert {"id", "domain", "verification_method", "status", "created_at",
                "instructions"} <= set(item)
        assert item["status"] == "pending"
        assert datetime.fromisoformat(item["created_at"]) == clock.now()
    by_name = {d["domain"]: d for d in data["domains"]}
    assert by_name["a.example.com"]["verification_method"] == "http-01"
    assert by_name["b.example.com"]["verification_method"] == "dns-01"
    theirs = (await quiet.get(URL, headers=other)).json()["data"]
    assert [d["domain"] for d in theirs["domains"]] == ["other.example.net"]


async def test_list_when_there_are_none(quiet: httpx.AsyncClient, me: dict[str, str]):
    r = await quiet.get(URL, headers=me)
    assert r.status_code == 200
    assert r.json()["data"] == {"domains": [], "total": 0}


async def test_dns01_instructions_are_manual_without_a_delegation_zone(
        quiet: httpx.AsyncClient, me: dict[str, str]):
    data = await add(quiet, me, "example.com", verification_method="dns-01")
    instructions = data["instructions"]
    assert instructions["method"] == "dns-01"
    assert instructions["mode"] == "manual"
    assert "record" not in instructions
    assert instructions["how"]


async def test_dns01_instructions_need_the_whole_delegation_setup(settings: Settings,
                                                                  clock: ManualClock):
    # A zone alone (no update server nor TSIG key) cannot be written to: still manual.
    async with running(quiet_settings(settings, dns_zone="acme.casp.test"), clock,
                       acme=OfflineAcme()) as c:
        headers = await user(c)
        data = await add(c, headers, "example.com")
        assert data["instructions"]["mode"] == "manual"


async def test_dns01_instructions_with_a_delegation_zone(settings: Settings,
                                                         clock: ManualClock):
    delegated = quiet_settings(settings, dns_zone="acme.casp.test",
                               dns_update_server="127.0.0.1:5353",
                               dns_tsig_key="hmac-sha256:casp:c2VjcmV0c2VjcmV0c2VjcmV0")
    async with running(delegated, clock, acme=OfflineAcme()) as c:
        headers = await user(c)
        data = await add(c, headers, "Example.com")
        instructions = data["instructions"]
        assert instructions["method"] == "dns-01"
        assert instructions["mode"] == "delegated"
        record = instructions["record"]
        assert record["type"] == "CNAME"
        assert record["name"] == "_acme-challenge.example.com"
        label, _, zone = record["value"].partition(".")
        assert zone == "acme.casp.test"
        assert label and label.isalnum()
        second = await add(c, headers, "example.org")
        assert second["instructions"]["record"]["value"] != record["value"]
        shown = await c.get(URL, headers=headers, params={"id": data["id"]})
        assert shown.json()["data"]["instructions"] == instructions


async def test_http01_instructions_give_the_path(quiet: httpx.AsyncClient,
                                                 me: dict[str, str]):
    data = await add(quiet, me, "www.example.com", verification_method="http-01")
    instructions = data["instructions"]
    assert instructions["method"] == "http-01"
    assert instructions["path"] == "/.well-known/acme-challenge/"
    assert "www.example.com" in instructions["how"]


async def test_show_one(quiet: httpx.AsyncClient, me: dict[str, str]):
    added = await add(quiet, me, "example.com")
    await add(quiet, me, "example.org")
    for ident in (added["id"], str(added["id"])):
        r = await quiet.get(URL, headers=me, params={"id": ident})
        assert r.status_code == 200
        data = r.json()["data"]
        assert data["id"] == added["id"] and data["domain"] == "example.com"
        assert data["status"] == "pending" and data["verification_method"] == "dns-01"
        assert data["created_at"] == added["created_at"]


async def test_another_users_domain_is_not_found_like_a_missing_one(
        quiet: httpx.AsyncClient, me: dict[str, str]):
    other = await user(quiet, "other@example.com")
    theirs = await add(quiet, other, "example.com")
    missing = theirs["id"] + 1000
    foreign = assert_error(await quiet.get(URL, headers=me, params={"id": theirs["id"]}),
                           404, "NOT_FOUND")
    absent = assert_error(await quiet.get(URL, headers=me, params={"id": missing}),
                          404, "NOT_FOUND")
    assert foreign["message"].replace(str(theirs["id"]), "N") == (
        absent["message"].replace(str(missing), "N"))
    assert set(foreign) == set(absent)
    assert "example.com" not in str(foreign)
    deleted = assert_error(await quiet.delete(URL, headers=me, params={"id": theirs["id"]}),
                           404, "NOT_FOUND")
    assert deleted["message"] == foreign["message"]
    still = await quiet.get(URL, headers=other, params={"id": theirs["id"]})
    assert still.status_code == 200


@pytest.mark.parametrize("ident", ["abc", "0", "-1", "1.5", "1e3"])
async def test_show_with_an_invalid_id(quiet: httpx.AsyncClient, me: dict[str, str],
                                       ident: str):
    field_error(await quiet.get(URL, headers=me, params={"id": ident}), "id")


# DELETE

async def test_delete(quiet: httpx.AsyncClient, me: dict[str, str]):
    added = await add(quiet, me, "example.com")
    kept = await add(quiet, me, "example.org")
    r = await quiet.delete(URL, headers=me, params={"id": added["id"]})
    assert r.status_code == 200
    assert r.json() == {"success": True, "message": "Domain deleted successfully",
                        "data": None}
    listed = (await quiet.get(URL, headers=me)).json()["data"]
    assert [d["id"] for d in listed["domains"]] == [kept["id"]]
    assert_error(await quiet.get(URL, headers=me, params={"id": added["id"]}),
                 404, "NOT_FOUND")
    assert_error(await quiet.delete(URL, headers=me, params={"id": added["id"]}),
                 404, "NOT_FOUND")


async def test_a_deleted_domain_can_be_added_again(quiet: httpx.AsyncClient,
                                                   me: dict[str, str]):
    added = await add(quiet, me, "example.com")
    await quiet.delete(URL, headers=me, params={"id": added["id"]})
    again = await add(quiet, me, "example.com")
    assert again["id"] != added["id"]


@pytest.mark.parametrize("params", [{}, {"id": ""}, {"id": "abc"}, {"id": "0"},
                                    {"id": "-3"}])
async def test_delete_with_a_missing_or_invalid_id(quiet: httpx.AsyncClient,
                                                   me: dict[str, str],
                                                   params: dict[str, str]):
    await add(quiet, me, "example.com")
    field_error(await quiet.delete(URL, headers=me, params=params), "id")
    assert (await quiet.get(URL, headers=me)).json()["data"]["total"] == 1


async def request_certificate(client: httpx.AsyncClient, headers: dict[str, str],
                              *names: str) -> int:
    r = await client.post(CERTS, headers=headers,
                          json={"ca_provider": "letsencrypt", "domains": list(names)})
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


@pytest.mark.parametrize("status", ["pending", "issued"])
async def test_delete_is_refused_while_a_live_certificate_uses_the_domain(
        quiet: httpx.AsyncClient, me: dict[str, str], status: str):
    domain = await add(quiet, me, "example.com")
    cert = await request_certificate(quiet, me, "www.example.com")
    await Certificate.filter(id=cert).update(status=status)
    r = await quiet.delete(URL, headers=me, params={"id": domain["id"]})
    message = field_error(r, "id")
    assert "example.com" in message and "certificate" in message and str(cert) in message
    assert (await quiet.get(URL, headers=me, params={"id": domain["id"]})).status_code == 200
    gone = await quiet.delete(CERTS, headers=me, params={"id": cert})
    assert gone.status_code == 200, gone.text
    r = await quiet.delete(URL, headers=me, params={"id": domain["id"]})
    assert r.status_code == 200, r.text
    assert r.json()["message"] == "Domain deleted successfully"


async def test_a_wildcard_certificate_also_holds_its_domain(quiet: httpx.AsyncClient,
                                                            me: dict[str, str]):
    domain = await add(quiet, me, "example.com")
    await request_certificate(quiet, me, "*.example.com")
    field_error(await quiet.delete(URL, headers=me, params={"id": domain["id"]}), "id")


@pytest.mark.parametrize("status", ["failed", "expired", "revoked"])
async def test_delete_is_allowed_when_the_certificate_is_no_longer_live(
        quiet: httpx.AsyncClient, me: dict[str, str], status: str):
    domain = await add(quiet, me, "example.com")
    cert = await request_certificate(quiet, me, "example.com")
    await Certificate.filter(id=cert).update(status=status)
    r = await quiet.delete(URL, headers=me, params={"id": domain["id"]})
    assert r.status_code == 200, r.text


async def test_certificates_of_other_domains_do_not_hold_one(quiet: httpx.AsyncClient,
                                                             me: dict[str, str]):
    domain = await add(quiet, me, "example.com")
    await add(quiet, me, "myexample.com")
    await request_certificate(quiet, me, "myexample.com", "www.myexample.com")
    other = await user(quiet, "other@example.com")
    await add(quiet, other, "example.com")
    await request_certificate(quiet, other, "example.com")
    r = await quiet.delete(URL, headers=me, params={"id": domain["id"]})
    assert r.status_code == 200, r.text


# Authentication

@pytest.mark.parametrize(("method", "params", "body"), [
    ("GET", {}, None), ("GET", {"id": "1"}, None),
    ("POST", {}, {"domain": "example.com"}), ("DELETE", {"id": "1"}, None)])
async def test_a_token_is_needed(quiet: httpx.AsyncClient, method: str,
                                 params: dict[str, str], body: dict[str, str] | None):
    for headers in ({}, {"Authorization": "Bearer nope"}):
        r = await quiet.request(method, URL, params=params, json=body, headers=headers)
        assert_error(r, 401, "UNAUTHORIZED")
