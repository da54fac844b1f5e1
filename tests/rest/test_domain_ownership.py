"""Name ownership through domains.php and certificates.php: the first user to add a name holds
it and the names under it; another user's record waits (pending) until their own TXT record
(or delegation CNAME) proves the name theirs, which moves it; http-01 is requested only for
names one holds; deleting a holding record hands the name on."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from app.services.domains import checks as domain_checks
from models.certificate import Certificate
from models.notification import Notification
from tests.support.app import OfflineAcme, quiet_settings, running
from tests.support.graphql import in_graphql_words, make_issued
from tests.support.lookup import FakeLookup
from tests.support.rest import Headers, assert_error, request, user

DOMAINS = "/api/v1/domains.php"
CERTS = "/api/v1/certificates.php"


async def add(client: httpx.AsyncClient, headers: Headers, domain: str,
              **extra: Any) -> dict[str, Any]:
    r = await client.post(DOMAINS, headers=headers, json={"domain": domain, **extra})
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


async def shown(client: httpx.AsyncClient, headers: Headers, id: int) -> dict[str, Any]:
    r = await client.get(DOMAINS, headers=headers, params={"id": id})
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


async def verify(client: httpx.AsyncClient, headers: Headers, id: int) -> dict[str, Any]:
    r = await client.post(f"{DOMAINS}?action=verify", headers=headers, json={"id": id})
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


def ownership_check(verified: dict[str, Any]) -> dict[str, Any]:
    [check] = [c for c in verified["verification"]["checks"] if c["check"] == "ownership"]
    return dict(check)


def dns(monkeypatch: pytest.MonkeyPatch, txt: dict[str, set[str]] | None = None,
        cname: str | None = None) -> None:
    """What the domain checks see in DNS from now on."""
    monkeypatch.setattr(domain_checks, "lookup", lambda: FakeLookup(cname=cname, txt=txt))


def proof_of(domain: dict[str, Any]) -> dict[str, set[str]]:
    """The TXT records that prove this domain record's name is its user's."""
    record = domain["ownership"]["record"]
    return {record["name"]: {record["value"]}}


async def http01(client: httpx.AsyncClient, headers: Headers, *names: str) -> httpx.Response:
    return await client.post(CERTS, headers=headers, json={
        "ca_provider": "letsencrypt", "domains": list(names), "challenge_type": "http-01"})


@pytest.fixture
async def alice(quiet: httpx.AsyncClient) -> Headers:
    return await user(quiet, "alice@example.com")


@pytest.fixture
async def bob(quiet: httpx.AsyncClient) -> Headers:
    return await user(quiet, "bob@example.com")


# Adding: first come

async def test_the_first_user_to_add_a_name_holds_it(quiet: httpx.AsyncClient,
                                                     alice: Headers):
    data = await add(quiet, alice, "Example.COM")
    ownership = data["ownership"]
    assert ownership["status"] == "held" and ownership["method"] == "txt"
    record = ownership["record"]
    assert record["type"] == "TXT" and record["name"] == "_casp-verify.example.com"
    assert re.fullmatch(r"[0-9a-f]{32}", record["value"])
    # derived, not random: every read shows the same value
    assert (await shown(quiet, alice, data["id"]))["ownership"] == ownership
    listed = (await quiet.get(DOMAINS, headers=alice)).json()["data"]["domains"]
    assert listed[0]["ownership"] == ownership


async def test_a_second_user_of_the_name_waits_with_a_proof_of_their_own(
        quiet: httpx.AsyncClient, alice: Headers, bob: Headers):
    first = await add(quiet, alice, "example.com")
    second = await add(quiet, bob, "example.com")
    assert second["ownership"]["status"] == "pending"
    assert second["ownership"]["record"]["name"] == first["ownership"]["record"]["name"]
    assert second["ownership"]["record"]["value"] != first["ownership"]["record"]["value"]
    assert (await shown(quiet, alice, first["id"]))["ownership"]["status"] == "held"
    # one user's values differ by name too
    other = await add(quiet, alice, "example.org")
    assert other["ownership"]["record"]["value"] != first["ownership"]["record"]["value"]


async def test_the_names_under_a_held_name_are_held_with_it(quiet: httpx.AsyncClient,
                                                            alice: Headers, bob: Headers):
    await add(quiet, alice, "example.com")
    assert (await add(quiet, bob, "www.example.com"))["ownership"]["status"] == "pending"
    assert (await add(quiet, alice, "shop.example.com"))["ownership"]["status"] == "held"
    # a name above a held one is not under it: first come
    await add(quiet, bob, "deep.example.net")
    assert (await add(quiet, alice, "example.net"))["ownership"]["status"] == "held"
    assert (await add(quiet, alice, "x.deep.example.net"))["ownership"]["status"] == "pending"


async def test_a_pending_record_is_not_anyone_holding(quiet: httpx.AsyncClient,
                                                      alice: Headers, bob: Headers):
    carol = await user(quiet, "carol@example.com")
    await add(quiet, alice, "example.com")
    await add(quiet, bob, "www.example.com")  # pending: Alice holds it
    assert (await add(quiet, carol, "a.www.example.com"))["ownership"]["status"] == "pending"
    assert (await http01(quiet, carol, "a.www.example.com")).status_code == 400
    assert (await http01(quiet, bob, "a.www.example.com")).status_code == 400
    assert (await http01(quiet, alice, "a.www.example.com")).status_code == 201  # still hers


async def test_the_proof_value_depends_on_the_server_key(settings: Settings,
                                                         clock: ManualClock):
    values = []
    for key in ("k" * 40, "k" * 40, "j" * 40):
        keyed = dataclasses.replace(quiet_settings(settings), secret_key=key)
        async with running(keyed, clock, acme=OfflineAcme()) as c:
            headers = await user(c, f"u{len(values)}@example.com")
            data = await add(c, headers, f"n{len(values)}.example.com")
            values.append((data["id"], data["ownership"]["record"]["value"]))
            r = await c.delete(DOMAINS, headers=headers, params={"id": data["id"]})
            assert r.status_code == 200
    assert len({v for _, v in values}) == 3  # other user, name or key: another value


# Requesting: http-01 only for what one holds

async def test_http01_is_refused_for_a_name_another_user_holds(quiet: httpx.AsyncClient,
                                                               alice: Headers, bob: Headers):
    await add(quiet, alice, "example.com")
    theirs = await add(quiet, bob, "example.com")
    record = theirs["ownership"]["record"]
    for names in (["example.com"], ["www.example.com"], ["other.example.com", "example.com"]):
        error = assert_error(await http01(quiet, bob, *names), 400, "VALIDATION_ERROR")
        message = error["details"]["fields"]["domains"]
        assert "held by another user" in message
        assert record["name"] in message and record["value"] in message
        assert "action=verify" in message and "dns-01" in message
    assert await Certificate.filter().count() == 0
    # dns-01 stays as it is: the CA's own DNS check is the proof
    made = await request(quiet, bob, "example.com")
    assert made["challenge_type"] == "dns-01"
    # the holder asks as before
    made = await request(quiet, alice, "example.com", "www.example.com",
                         challenge_type="http-01")
    assert made["status"] == "pending"


async def test_a_name_held_below_ones_own_needs_its_own_record(quiet: httpx.AsyncClient,
                                                               alice: Headers, bob: Headers):
    await add(quiet, bob, "www.example.com")
    await add(quiet, alice, "example.com")  # held: nobody holds it, www is Bob's
    assert (await http01(quiet, alice, "example.com")).status_code == 201
    error = assert_error(await http01(quiet, alice, "a.www.example.com"), 400,
                         "VALIDATION_ERROR")
    message = error["details"]["fields"]["domains"]
    assert "add a.www.example.com as a domain" in message
    assert "_casp-verify.a.www.example.com" in message


async def test_http01_by_graphql_is_refused_alike(quiet: httpx.AsyncClient, alice: Headers,
                                                  bob: Headers):
    await add(quiet, alice, "example.com")
    await add(quiet, bob, "example.com")
    rest = assert_error(await http01(quiet, bob, "example.com"), 400, "VALIDATION_ERROR")
    r = await quiet.post("/graphql", headers=bob, json={"query": """mutation {
        requestCertificate(domains: ["example.com"], caProvider: LETSENCRYPT,
                           challengeType: HTTP_01) { id } }"""})
    [error] = r.json()["errors"]
    assert error["message"] == in_graphql_words(rest["message"])
    assert "(the verifyDomain mutation); or request with challengeType DNS_01" in (
        error["message"])
    assert "(domains.php?action=verify); or request with challenge_type dns-01" in (
        rest["message"])
    assert error["extensions"] == {"code": "VALIDATION_ERROR",
                                   "fields": {"domains": error["message"]}}


# Verifying: a proof moves the name

async def test_verify_without_a_proof_keeps_what_one_has(quiet: httpx.AsyncClient,
                                                         alice: Headers, bob: Headers,
                                                         monkeypatch: pytest.MonkeyPatch):
    dns(monkeypatch)
    first = await add(quiet, alice, "example.com")
    second = await add(quiet, bob, "example.com")
    held = await verify(quiet, alice, first["id"])
    assert held["verification"]["ok"] is True and held["status"] == "verified"
    assert held["ownership"]["status"] == "held"
    check = ownership_check(held)
    assert check["ok"] is True and "you hold example.com" in check["detail"]
    waiting = await verify(quiet, bob, second["id"])
    assert waiting["verification"]["ok"] is False and waiting["status"] == "pending"
    assert waiting["ownership"]["status"] == "pending"
    check = ownership_check(waiting)
    assert check["ok"] is False and "another user holds example.com" in check["detail"]
    assert second["ownership"]["record"]["value"] in check["detail"]
    assert waiting["last_check"] == waiting["verification"]


@pytest.mark.parametrize("txt", ["someone else's", "nothing", "another name"])
async def test_only_ones_own_txt_record_proves(quiet: httpx.AsyncClient, alice: Headers,
                                               bob: Headers, monkeypatch: pytest.MonkeyPatch,
                                               txt: str):
    first = await add(quiet, alice, "example.com")
    second = await add(quiet, bob, "example.com")
    other = await add(quiet, bob, "example.org")
    records = {"someone else's": proof_of(first), "nothing": {},
               "another name": {"_casp-verify.example.com":
                                {other["ownership"]["record"]["value"]}}}[txt]
    dns(monkeypatch, txt=records)
    r = await verify(quiet, bob, second["id"])
    assert ownership_check(r)["ok"] is False and r["ownership"]["status"] == "pending"
    assert (await shown(quiet, alice, first["id"]))["ownership"]["status"] == "held"


async def test_a_txt_proof_moves_the_name(quiet: httpx.AsyncClient, alice: Headers,
                                          bob: Headers, monkeypatch: pytest.MonkeyPatch):
    first = await add(quiet, alice, "example.com")
    pending = await request(quiet, alice, "www.example.com", challenge_type="http-01")
    issued = await request(quiet, alice, "example.com", challenge_type="http-01")
    await make_issued(issued["id"])
    await add(quiet, alice, "example.org")
    elsewhere = await request(quiet, alice, "www.example.org", challenge_type="http-01")
    dns01 = await request(quiet, alice, "example.com")  # pending: it fails too
    second = await add(quiet, bob, "example.com")
    dns(monkeypatch, txt=proof_of(second))

    moved = await verify(quiet, bob, second["id"])
    assert moved["ownership"] == second["ownership"] | {"status": "verified", "method": "txt"}
    assert moved["verification"]["ok"] is True and moved["status"] == "verified"
    check = ownership_check(moved)
    assert check["ok"] is True and "_casp-verify.example.com proves" in check["detail"]
    assert "another user's until now" in check["detail"]

    theirs = await shown(quiet, alice, first["id"])
    assert theirs["ownership"]["status"] == "pending"
    failed = await quiet.get(CERTS, headers=alice, params={"id": pending["id"]})
    data = failed.json()["data"]
    assert data["status"] == "failed" and data["stage"] == "failed"
    assert data["last_error"]["type"] == "casp:nameMoved"
    assert "www.example.com" in data["last_error"]["detail"]
    still = (await quiet.get(CERTS, headers=alice, params={"id": issued["id"]})).json()["data"]
    assert still["status"] == "issued" and still["auto_renew"] is False
    key = await quiet.get(CERTS, headers=alice, params={"id": issued["id"],
                                                        "action": "download", "format": "key"})
    assert key.status_code == 200 and b"PRIVATE KEY" in key.content
    assert (await Certificate.get(id=dns01["id"])).status == "failed"
    assert (await Certificate.get(id=elsewhere["id"])).status == "pending"

    [note] = await Notification.filter(type="domain_moved")
    inbox = (await quiet.get("/api/v1/notifications.php", headers=alice)).json()["data"]
    assert inbox["notifications"][0]["type"] == "domain_moved"
    assert note.title == "Domain moved: example.com"
    assert str([pending["id"], dns01["id"]]) in note.message
    assert str([issued["id"]]) in note.message and "auto-renew is off" in note.message
    assert theirs["ownership"]["record"]["value"] in note.message
    assert (await quiet.get("/api/v1/notifications.php",
                            headers=bob)).json()["data"]["total"] == 0

    # now Bob asks for http-01, Alice no longer can
    assert (await http01(quiet, bob, "www.example.com")).status_code == 201
    assert_error(await http01(quiet, alice, "example.com"), 400, "VALIDATION_ERROR")


async def test_a_proof_by_the_holder_moves_nothing(quiet: httpx.AsyncClient, alice: Headers,
                                                   bob: Headers,
                                                   monkeypatch: pytest.MonkeyPatch):
    first = await add(quiet, alice, "example.com")
    await add(quiet, bob, "example.com")
    mine = await request(quiet, alice, "example.com", challenge_type="http-01")
    dns(monkeypatch, txt=proof_of(first))
    r = await verify(quiet, alice, first["id"])
    assert r["ownership"]["status"] == "verified"
    assert "until now" not in ownership_check(r)["detail"]
    assert await Notification.filter(type="domain_moved").count() == 0
    assert (await Certificate.get(id=mine["id"])).status == "pending"
    dns(monkeypatch)  # the record gone: verified stays
    r = await verify(quiet, alice, first["id"])
    assert r["ownership"]["status"] == "verified"
    assert "proved by txt" in ownership_check(r)["detail"]


async def test_a_name_proved_under_a_held_one_moves_alone(quiet: httpx.AsyncClient,
                                                          alice: Headers, bob: Headers,
                                                          monkeypatch: pytest.MonkeyPatch):
    await add(quiet, alice, "example.com")
    shop = await request(quiet, alice, "shop.example.com", challenge_type="http-01")
    both = await request(quiet, alice, "example.com", "www.example.com",
                         challenge_type="http-01")
    await make_issued(both["id"])
    www = await add(quiet, bob, "www.example.com")
    dns(monkeypatch, txt=proof_of(www))
    assert (await verify(quiet, bob, www["id"]))["ownership"]["status"] == "verified"
    assert (await Certificate.get(id=shop["id"])).status == "pending"  # not under www
    after = await Certificate.get(id=both["id"])
    assert after.status == "issued" and after.auto_renew is False
    [note] = await Notification.filter(type="domain_moved")
    assert note.title == "Domain moved: www.example.com" and note.certificate_id == both["id"]
    assert (await http01(quiet, alice, "example.com", "a.shop.example.com")).status_code == 201
    assert (await http01(quiet, alice, "a.www.example.com")).status_code == 400
    assert (await http01(quiet, bob, "a.www.example.com")).status_code == 201


async def test_a_proof_of_a_parent_leaves_a_more_specific_holder(
        quiet: httpx.AsyncClient, alice: Headers, bob: Headers,
        monkeypatch: pytest.MonkeyPatch):
    await add(quiet, alice, "shop.example.com")
    mine = await add(quiet, bob, "example.com")
    waiting = await add(quiet, bob, "www.shop.example.com")
    dns(monkeypatch, txt=proof_of(mine))
    await verify(quiet, bob, mine["id"])
    assert await Notification.filter(type="domain_moved").count() == 0
    assert (await shown(quiet, bob, waiting["id"]))["ownership"]["status"] == "pending"
    assert (await http01(quiet, alice, "shop.example.com")).status_code == 201


async def test_ones_own_pending_records_under_a_proved_name_are_held(
        quiet: httpx.AsyncClient, alice: Headers, bob: Headers,
        monkeypatch: pytest.MonkeyPatch):
    await add(quiet, alice, "example.com")
    www = await add(quiet, bob, "www.example.com")
    top = await add(quiet, bob, "example.com")
    dns(monkeypatch, txt=proof_of(top))
    await verify(quiet, bob, top["id"])
    assert (await shown(quiet, bob, www["id"]))["ownership"]["status"] == "held"


async def test_the_delegation_cname_proves(settings: Settings, clock: ManualClock,
                                           monkeypatch: pytest.MonkeyPatch):
    delegated = quiet_settings(settings, dns_zone="acme.casp.test",
                               dns_update_server="127.0.0.1:5353",
                               dns_tsig_key="hmac-sha256:casp:c2VjcmV0c2VjcmV0c2VjcmV0")
    async with running(delegated, clock, acme=OfflineAcme()) as c:
        alice, bob = await user(c, "alice@example.com"), await user(c, "bob@example.com")
        first = await add(c, alice, "example.com")
        second = await add(c, bob, "example.com")
        # _acme-challenge.example.com to Alice's label proves nothing for Bob
        dns(monkeypatch, cname=first["instructions"]["record"]["value"])
        r = await verify(c, bob, second["id"])
        assert r["ownership"]["status"] == "pending" and ownership_check(r)["ok"] is False
        dns(monkeypatch, cname=second["instructions"]["record"]["value"])
        r = await verify(c, bob, second["id"])
        assert r["ownership"]["status"] == "verified" and r["ownership"]["method"] == "cname"
        assert "delegation CNAME" in ownership_check(r)["detail"]
        assert (await shown(c, alice, first["id"]))["ownership"]["status"] == "pending"
        assert await Notification.filter(type="domain_moved").count() == 1


async def test_an_http01_probe_proves_nothing(quiet: httpx.AsyncClient, alice: Headers,
                                              bob: Headers, monkeypatch: pytest.MonkeyPatch):
    """The probe passes for every user whose name points at casp: it cannot move a name."""
    async def answered(domain: Any) -> dict[str, Any]:
        return {"check": "http-01", "ok": True, "detail": "answers from casp"}
    monkeypatch.setattr(domain_checks, "_http_probe", answered)
    dns(monkeypatch)
    await add(quiet, alice, "example.com", verification_method="http-01")
    second = await add(quiet, bob, "example.com", verification_method="http-01")
    r = await verify(quiet, bob, second["id"])
    assert r["verification"]["checks"][0]["ok"] is True
    assert r["ownership"]["status"] == "pending" and r["verification"]["ok"] is False


# Deleting: the next in line holds the name

async def test_deleting_the_holder_promotes_the_earliest_waiting(quiet: httpx.AsyncClient,
                                                                 alice: Headers,
                                                                 bob: Headers):
    carol = await user(quiet, "carol@example.com")
    first = await add(quiet, alice, "example.com")
    second = await add(quiet, bob, "example.com")
    third = await add(quiet, carol, "example.com")
    under = await add(quiet, carol, "www.example.com")
    r = await quiet.delete(DOMAINS, headers=alice, params={"id": first["id"]})
    assert r.status_code == 200, r.text
    assert (await shown(quiet, bob, second["id"]))["ownership"]["status"] == "held"
    assert (await shown(quiet, carol, third["id"]))["ownership"]["status"] == "pending"
    assert (await shown(quiet, carol, under["id"]))["ownership"]["status"] == "pending"
    assert (await http01(quiet, bob, "www.example.com")).status_code == 201


async def test_deleting_a_waiting_record_changes_nothing(quiet: httpx.AsyncClient,
                                                         alice: Headers, bob: Headers):
    carol = await user(quiet, "carol@example.com")
    first = await add(quiet, alice, "example.com")
    second = await add(quiet, bob, "example.com")
    third = await add(quiet, carol, "example.com")
    await quiet.delete(DOMAINS, headers=bob, params={"id": second["id"]})
    assert (await shown(quiet, alice, first["id"]))["ownership"]["status"] == "held"
    assert (await shown(quiet, carol, third["id"]))["ownership"]["status"] == "pending"


async def test_deleting_a_parent_frees_the_names_under_it(quiet: httpx.AsyncClient,
                                                          alice: Headers, bob: Headers):
    first = await add(quiet, alice, "example.com")
    www = await add(quiet, bob, "www.example.com")
    await quiet.delete(DOMAINS, headers=alice, params={"id": first["id"]})
    assert (await shown(quiet, bob, www["id"]))["ownership"]["status"] == "held"


async def test_the_domain_moved_type_is_a_notification_setting(quiet: httpx.AsyncClient,
                                                               alice: Headers):
    r = await quiet.post("/api/v1/account.php?action=notification-settings", headers=alice,
                         json={"types": ["domain_moved"]})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["types"] == ["domain_moved"]

