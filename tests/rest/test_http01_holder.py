"""http-01 only for the name's holder, past the request too: /.well-known/acme-challenge/
answers a token only for a Host that the certificate's user holds now, and the issuance and
renewal jobs place no http-01 order for a name the user does not hold (casp:notHolder)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.acme.interface import Account, ChallengeHooks, IssueRequest
from app.clock import ManualClock
from app.config import Settings
from app.services.certificates import issuance, renewal
from app.services.domains import checks as domain_checks
from models.certificate import Certificate, HttpChallenge
from models.job import Job
from models.notification import Notification
from tests.support.app import OfflineAcme, quiet_settings, running
from tests.support.graphql import make_issued
from tests.support.lookup import FakeLookup
from tests.support.rest import Headers, request, user

DOMAINS = "/api/v1/domains.php"
CERTS = "/api/v1/certificates.php"
WELL_KNOWN = "/.well-known/acme-challenge/"


class CountingAcme(OfflineAcme):
    """No CA: an order placed is counted, and refused."""

    def __init__(self) -> None:
        self.orders: list[IssueRequest] = []

    async def issue(self, request: IssueRequest, hooks: ChallengeHooks) -> str:
        self.orders.append(request)
        raise AssertionError("no order should be placed")

    async def revoke(self, account: Account, cert_pem: str, reason: int) -> None:
        raise AssertionError("not used")


@pytest.fixture
def acme() -> CountingAcme:
    return CountingAcme()


@pytest.fixture
async def app(settings: Settings, clock: ManualClock,
              acme: CountingAcme) -> AsyncIterator[httpx.AsyncClient]:
    async with running(quiet_settings(settings), clock, acme=acme) as client:
        yield client


async def add(client: httpx.AsyncClient, headers: Headers, name: str,
              method: str = "dns-01") -> dict[str, Any]:
    r = await client.post(DOMAINS, headers=headers,
                          json={"domain": name, "verification_method": method})
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


async def challenge(cert_id: int | None, token: str) -> str:
    """An http-01 answer in the database, as an order of this certificate would publish."""
    answer = f"{token}.thumbprint"
    await HttpChallenge.create(token=token, key_authorization=answer, certificate_id=cert_id,
                               created_at=ManualClock().now())
    return answer


async def fetch(client: httpx.AsyncClient, token: str, host: str) -> httpx.Response:
    return await client.get(WELL_KNOWN + token, headers={"Host": host})


async def forced(user_id: int, *names: str, **extra: Any) -> Certificate:
    """An http-01 certificate row written directly, past the request's checks."""
    now = ManualClock().now()
    return await Certificate.create(
        user_id=user_id, domains=list(names), search_text=" ".join(names),
        ca_provider="letsencrypt", challenge_type="http-01", key_type="ec-256",
        directory_url="https://ca.invalid/dir", created_at=now, updated_at=now, **extra)


async def user_id(client: httpx.AsyncClient, headers: Headers) -> int:
    return int((await client.get("/api/v1/account.php", headers=headers)).json()["data"][
        "user_id"])


async def test_a_token_is_answered_only_for_a_host_its_user_holds(app: httpx.AsyncClient):
    alice = await user(app, "alice@example.com")
    bob = await user(app, "bob@example.com")
    await add(app, alice, "example.com")
    await add(app, alice, "Bücher.example.org")
    await add(app, bob, "example.com")  # pending: Alice holds it
    await add(app, bob, "bob.example.net")
    hers = await request(app, alice, "example.com", "www.example.com",
                         "xn--bcher-kva.example.org")
    his = await request(app, bob, "example.com", "www.example.com")
    mine = await challenge(hers["id"], "tok-alice")
    await challenge(his["id"], "tok-bob")

    for host in ("example.com", "EXAMPLE.com.", "example.com:80", "www.example.com:5002",
                 "xn--bcher-kva.example.org"):
        r = await fetch(app, "tok-alice", host)
        assert (r.status_code, r.text) == (200, mine), host
    unknown = await fetch(app, "no-such-token", "example.com")
    assert unknown.status_code == 404
    for token, host in (("tok-bob", "example.com"), ("tok-bob", "www.example.com"),
                        ("tok-bob", "bob.example.net:8080"),  # his, not his token's
                        ("tok-alice", "shop.example.com"),  # hers, not her token's
                        ("tok-alice", "bob.example.net"), ("tok-alice", "nobody.example.org"),
                        ("tok-alice", "127.0.0.1"), ("tok-alice", "[::1]:80"),
                        ("tok-alice", "localhost"), ("tok-alice", "com"),
                        ("tok-alice", "exa mple.com"), ("tok-alice", "")):
        r = await fetch(app, token, host)
        assert (r.status_code, r.text) == (404, unknown.text), (token, host)


async def test_bob_is_answered_once_his_host_is_his(app: httpx.AsyncClient):
    alice = await user(app, "alice@example.com")
    bob = await user(app, "bob@example.com")
    await add(app, bob, "bob.example.net")
    his = await request(app, bob, "bob.example.net")
    answer = await challenge(his["id"], "tok-bob")
    assert (await fetch(app, "tok-bob", "bob.example.net")).text == answer
    await add(app, alice, "other.example.net")
    assert (await fetch(app, "tok-bob", "other.example.net")).status_code == 404


async def test_the_answer_follows_the_name_when_it_moves(app: httpx.AsyncClient,
                                                         monkeypatch: pytest.MonkeyPatch):
    alice = await user(app, "alice@example.com")
    bob = await user(app, "bob@example.com")
    await add(app, alice, "example.com")
    await challenge((await request(app, alice, "example.com"))["id"], "tok-alice")
    theirs = await add(app, bob, "example.com")
    await challenge((await request(app, bob, "example.com"))["id"], "tok-bob")
    assert (await fetch(app, "tok-bob", "example.com")).status_code == 404
    record = theirs["ownership"]["record"]
    monkeypatch.setattr(domain_checks, "lookup",
                        lambda: FakeLookup(txt={record["name"]: {record["value"]}}))
    r = await app.post(f"{DOMAINS}?action=verify", headers=bob, json={"id": theirs["id"]})
    assert r.json()["data"]["ownership"]["status"] == "verified"
    assert (await fetch(app, "tok-bob", "example.com")).status_code == 200
    assert (await fetch(app, "tok-alice", "example.com")).status_code == 404


async def test_an_ip_address_moves_by_its_reverse_zones_proof(
        settings: Settings, clock: ManualClock, monkeypatch: pytest.MonkeyPatch):
    """An address is held as a name is: Alice added it first, Bob proves it with his TXT
    record in its reverse zone; the answer follows it, for an IPv4 and an IPv6 Host."""
    allowed = quiet_settings(settings, allow_private_ip_identifiers=True)
    async with running(allowed, clock, acme=CountingAcme()) as app:
        alice = await user(app, "alice@example.com")
        bob = await user(app, "bob@example.com")
        for ip, host in (("10.0.0.1", "10.0.0.1:5002"), ("fd00::1", "[fd00::1]:5002")):
            await add(app, alice, ip, "http-01")
            tok = f"tok-alice-{ip}"
            await challenge((await request(app, alice, ip, challenge_type="http-01"))["id"], tok)
            assert (await fetch(app, tok, host)).status_code == 200
            theirs = await add(app, bob, ip, "http-01")
            assert theirs["ownership"]["status"] == "pending"
            r = await app.post(CERTS, headers=bob, json={
                "ca_provider": "letsencrypt", "challenge_type": "http-01", "domains": [ip]})
            assert r.status_code == 400, r.text  # held by Alice: no http-01 for Bob
            record = theirs["ownership"]["record"]
            assert record["name"].endswith(".arpa")
            monkeypatch.setattr(domain_checks, "lookup",
                                lambda record=record: FakeLookup(
                                    txt={record["name"]: {record["value"]}}))
            r = await app.post(f"{DOMAINS}?action=verify", headers=bob, json={"id": theirs["id"]})
            assert r.json()["data"]["ownership"]["status"] == "verified", r.text
            assert (await fetch(app, tok, host)).status_code == 404
            await request(app, bob, ip, challenge_type="http-01")


async def test_a_domain_checks_probe_is_answered_for_any_host(app: httpx.AsyncClient):
    """The verify action's own probe: a random value, no key authorization for any CA."""
    answer = await challenge(None, "probe")
    for host in ("anything.example.com", "127.0.0.1:8000"):
        assert (await fetch(app, "probe", host)).text == answer


async def test_a_deleted_certificates_token_is_not_answered(app: httpx.AsyncClient):
    alice = await user(app, "alice@example.com")
    await add(app, alice, "example.com")
    await challenge(123456, "orphan")
    assert (await fetch(app, "orphan", "example.com")).status_code == 404


async def test_issuance_places_no_http01_order_for_a_name_not_held(app: httpx.AsyncClient,
                                                                   acme: CountingAcme):
    alice = await user(app, "alice@example.com")
    bob = await user(app, "bob@example.com")
    await add(app, alice, "example.com")
    await add(app, bob, "example.com")
    await add(app, bob, "bob.example.net")
    cert = await forced(await user_id(app, bob), "bob.example.net", "www.example.com")
    await issuance.run_issuance(Job(payload={"certificate_id": cert.id}, attempts=1))
    await cert.refresh_from_db()
    assert acme.orders == []
    assert (cert.status, cert.stage) == ("failed", "failed")
    assert cert.last_error is not None and cert.last_error["type"] == "casp:notHolder"
    assert "www.example.com" in cert.last_error["detail"]
    assert "bob.example.net" not in cert.last_error["detail"]
    [note] = await Notification.filter(type="issuance_failed")
    assert note.certificate_id == cert.id


async def test_renewal_stops_for_a_name_not_held(app: httpx.AsyncClient, acme: CountingAcme):
    alice = await user(app, "alice@example.com")
    bob = await user(app, "bob@example.com")
    await add(app, alice, "example.com")
    await add(app, bob, "example.com")
    cert = await forced(await user_id(app, bob), "example.com")
    await make_issued(cert.id)
    await renewal.run_renewal(Job(payload={"certificate_id": cert.id}, attempts=1))
    await cert.refresh_from_db()
    assert acme.orders == []
    assert cert.status == "issued" and cert.stage == "renewal_failed"
    assert cert.auto_renew is False
    assert cert.last_error is not None and cert.last_error["type"] == "casp:notHolder"
    [note] = await Notification.filter(type="renewal_failed")
    assert "auto-renew is now off" in note.message
