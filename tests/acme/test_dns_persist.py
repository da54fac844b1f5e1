"""dns-persist-01 against real Pebble and BIND, Pebble playing a dns-persist-01 CA through the
stub of tests/support/persist.py (Pebble 2.4 has no dns-persist-01): casp shows the one
record to publish (the CA's issuer domain and the user's ACME account URL), checks it
read-only and answers only once it matches, never writes DNS, renews with no DNS change,
warns before the record's persistUntil, reports a wrong or expired record as the reason,
refuses the type for a CA that does not offer it and names the offered types when a CA's
authorization lacks it."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from app.jobs.queue import enqueue
from models.acme_account import AcmeAccount
from models.certificate import Certificate
from tests.support.acme import (
    CERTS,
    add_domain,
    casp_settings,
    request_cert,
    unique,
    user_token,
    wait_for,
    wait_renewed,
)
from tests.support.acmeproxy import AcmeProxy
from tests.support.certs import verify_chain
from tests.support.dns import BindServer
from tests.support.graphql import gql
from tests.support.live import live_casp
from tests.support.pebble import PebbleFactory, PebbleServer
from tests.support.persist import ISSUER, PersistCa
from tests.support.rest import assert_error, bearer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers

PERSIST = "dns-persist-01"
GQL_DETAIL = """query($id: Int!) { certificate(id: $id) {
  challengeType stage dnsRecords { name type value } } }"""


@pytest.fixture(scope="module")
def lenient(pebble_factory: PebbleFactory) -> PebbleServer:
    """Pebble accepting every answer: the stub decides instead (tests/support/persist.py)."""
    return pebble_factory(extra_env={"PEBBLE_VA_ALWAYS_VALID": "1"})


@pytest.fixture
def stub(bind_server: BindServer) -> PersistCa:
    return PersistCa(bind_server)


@pytest.fixture
def proxy(lenient: PebbleServer, stub: PersistCa) -> Iterator[AcmeProxy]:
    with AcmeProxy(lenient, rewrite=stub) as p:
        yield p


@pytest.fixture
def settings(tmp_path: Path, lenient: PebbleServer, bind_server: BindServer, port: int,
             proxy: AcmeProxy) -> Settings:
    """casp issuing from the dns-persist-01 CA as "letsencrypt"."""
    base = casp_settings(tmp_path / "data", lenient, bind_server, port)
    return dataclasses.replace(base, ca_directories={
        **base.ca_directories, "letsencrypt": proxy.directory_url})


async def awaiting(client: httpx.AsyncClient, token: str,
                   domains: list[str]) -> tuple[dict[str, Any], str]:
    """A dns-persist-01 request for `domains` waiting for its record: (detail, account URL)."""
    await add_domain(client, token, domains[-1])
    cert = await request_cert(client, token, domains=domains, challenge_type=PERSIST)
    assert cert["challenge_type"] == PERSIST
    pending = await refused_with(client, token, cert["id"], "dns-persist-01 record not in "
                                 "place: ")
    row = await AcmeAccount.get(user_id=(await Certificate.get(id=cert["id"])).user_id)
    assert row.account_url and row.account_url.startswith("https://127.0.0.1:")
    return pending, row.account_url


def publish(bind: BindServer, name: str, value: str) -> None:
    """What the user does once, by hand: replace the name's TXT record."""
    bind.delete_record(name, "TXT")
    bind.add_record(name, "TXT", value)


async def verify(client: httpx.AsyncClient, token: str, cert_id: int) -> None:
    r = await client.post(f"{CERTS}?action=verify", headers=bearer(token), json={"id": cert_id})
    assert r.status_code == 200, r.text


async def refused_with(client: httpx.AsyncClient, token: str, cert_id: int,
                       reason: str) -> dict[str, Any]:
    """Wait until the record's check says `reason` in last_error (still awaiting it)."""
    for _ in range(200):
        r = await client.get(CERTS, params={"id": cert_id}, headers=bearer(token))
        data = r.json()["data"]
        if reason in ((data["last_error"] or {}).get("detail") or ""):
            assert data["status"] == "pending" and data["stage"] == "awaiting_dns", data
            return dict(data)
        await asyncio.sleep(0.05)
    raise AssertionError(f"never refused with {reason!r}: {data['last_error']}")


async def issue(client: httpx.AsyncClient, token: str, bind: BindServer, name: str,
                extra: str = "") -> dict[str, Any]:
    """A certificate for `name`, its record published (with `extra` parameters): detail."""
    pending, _ = await awaiting(client, token, [name])
    [record] = pending["dns_records"]
    publish(bind, record["name"], record["value"] + extra)
    await verify(client, token, pending["id"])
    done = await wait_for(client, token, pending["id"])
    assert done["status"] == "issued", done["last_error"]
    return done


async def test_issued_once_the_record_is_published(settings: Settings, lenient: PebbleServer,
                                                   bind_server: BindServer, port: int,
                                                   proxy: AcmeProxy, stub: PersistCa):
    name = unique("p")
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        pending, account = await awaiting(client, token, [name])
        assert account.startswith(f"https://{proxy.origin}/my-account/")
        record = {"name": f"_validation-persist.{name}", "type": "TXT",
                  "value": f"{ISSUER}; accounturi={account}"}
        assert pending["dns_records"] == [record]
        assert pending["last_error"]["detail"] == (
            f"dns-persist-01 record not in place: no TXT record at {record['name']}")
        assert stub.lookups == []  # casp did not answer the CA without the record
        seen = (await gql(client, GQL_DETAIL, token, id=pending["id"]))["data"]["certificate"]
        assert seen == {"challengeType": "DNS_PERSIST_01", "stage": "awaiting_dns",
                        "dnsRecords": [record]}

        bind_server.add_record(record["name"], "TXT", record["value"])
        await verify(client, token, pending["id"])
        done = await wait_for(client, token, pending["id"])
        assert done["status"] == "issued", done["last_error"]
        assert done["dns_records"] is None and done["last_error"] is None
        assert done["persist_until"] is None  # the record has none
        verify_chain(done["certificate_pem"] + done["chain_pem"], lenient.roots_pem(), [name])
    assert [(seen.name, seen.account, seen.refused) for seen in stub.lookups] == [
        (name, account, None)]
    # Read-only: the record is the user's as published, and nothing else was written.
    assert bind_server.query(record["name"], "TXT") == [record["value"]]
    assert bind_server.query(f"_acme-challenge.{name}", "TXT") == []


async def test_a_renewal_needs_no_dns_change(settings: Settings, lenient: PebbleServer,
                                             bind_server: BindServer, port: int,
                                             stub: PersistCa):
    clock = ManualClock()
    name = unique("p")
    async with live_casp(settings, port, clock) as client:
        token = await user_token(client)
        first = await issue(client, token, bind_server, name)
        published = bind_server.query(f"_validation-persist.{name}", "TXT")
        row = await Certificate.get(id=first["id"])
        assert row.renew_at is not None
        clock._now = row.renew_at + timedelta(seconds=1)
        await enqueue("sweep", {}, key="sweep")  # due: the sweep renews it, nobody else
        renewed = await wait_renewed(client, token, first["id"], first["serial"])
        assert renewed["status"] == "issued" and renewed["stage"] == "done"
        verify_chain(renewed["certificate_pem"] + renewed["chain_pem"], lenient.roots_pem(),
                     [name])
        inbox = (await client.get("/api/v1/notifications.php",
                                  headers=bearer(token))).json()["data"]
        assert [n["type"] for n in inbox["notifications"]] == ["renewal_succeeded",
                                                               "certificate_issued"]
    assert [seen.refused for seen in stub.lookups] == [None, None]  # the CA checked twice
    assert bind_server.query(f"_validation-persist.{name}", "TXT") == published


async def test_a_wrong_record_is_the_reason_it_waits(settings: Settings,
                                                     bind_server: BindServer, port: int,
                                                     stub: PersistCa):
    """A wildcard with its name: one record with policy=wildcard; each mistake named."""
    name = unique("p")
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        pending, account = await awaiting(client, token, [f"*.{name}", name])
        [record] = pending["dns_records"]
        owner, value = record["name"], record["value"]
        assert (owner, value) == (f"_validation-persist.{name}",
                                  f"{ISSUER}; accounturi={account}; policy=wildcard")
        cert_id = pending["id"]
        other = account.rsplit("/", 1)[0] + "/999"
        publish(bind_server, owner, value.replace(account, other))
        await verify(client, token, cert_id)
        await refused_with(client, token, cert_id, f"{owner} names accounturi={other}, not "
                           f"your ACME account with this CA, {account}")
        publish(bind_server, owner, f"letsencrypt.org; accounturi={account}; policy=wildcard")
        await verify(client, token, cert_id)
        await refused_with(client, token, cert_id, f"no TXT record at {owner} names this CA "
                           f"({ISSUER})")
        past = datetime.now(UTC) - timedelta(hours=1)
        publish(bind_server, owner, f"{value}; persistUntil={int(past.timestamp())}")
        await verify(client, token, cert_id)
        waiting = await refused_with(client, token, cert_id, f"{owner} expired: its "
                                     f"persistUntil ({past:%Y-%m-%d %H:%M} UTC) has passed")
        assert waiting["dns_records"] == [record]  # what to publish stays in view
        publish(bind_server, owner, f"{ISSUER}; accounturi={account}")
        await verify(client, token, cert_id)
        await refused_with(client, token, cert_id, f"{owner} lacks policy=wildcard, which "
                           f"the wildcard *.{name} needs")
        assert stub.lookups == []  # none of these reached the CA

        publish(bind_server, owner, value)
        await verify(client, token, cert_id)
        done = await wait_for(client, token, cert_id)
        assert done["status"] == "issued", done["last_error"]
    assert [(seen.name, seen.refused) for seen in stub.lookups] == [(name, None)] * 2


async def test_a_wrong_record_fails_after_the_manual_dns_bound(settings: Settings,
                                                               bind_server: BindServer,
                                                               port: int):
    name = unique("p")
    bind_server.add_record(f"_validation-persist.{name}", "TXT",
                           f"{ISSUER}; accounturi=https://elsewhere.test/acct/1")
    async with live_casp(dataclasses.replace(settings, manual_dns_hours=0), port) as client:
        token = await user_token(client)
        await add_domain(client, token, name)
        cert = await request_cert(client, token, domains=[name], challenge_type=PERSIST)
        done = await wait_for(client, token, cert["id"])
    assert done["status"] == "failed"
    assert done["last_error"]["type"] == "casp:dnsNotFound"
    assert "names accounturi=https://elsewhere.test/acct/1, not your ACME account" in (
        done["last_error"]["detail"])


async def notes(client: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/notifications.php", headers=bearer(token))
    return [n for n in r.json()["data"]["notifications"] if n["type"] == "expiring"]


async def test_warned_before_persist_until(settings: Settings, bind_server: BindServer,
                                           port: int):
    """Once, 14 days ahead, or sooner when the next renewal would come after it."""
    clock = ManualClock()
    now = clock.now()
    soon, later, never = (int((now + delta).timestamp()) for delta in (
        timedelta(days=10), timedelta(days=30), timedelta(days=36500)))
    async with live_casp(settings, port, clock) as client:
        token = await user_token(client)
        names = [unique("w") for _ in range(3)]
        certs = [await issue(client, token, bind_server, n, f"; persistUntil={until}")
                 for n, until in zip(names, (soon, later, never), strict=True)]
        assert [c["persist_until"] for c in certs] == [
            datetime.fromtimestamp(t, UTC).isoformat() for t in (soon, later, never)]
        renew_at = (await Certificate.get(id=certs[1]["id"])).renew_at
        assert renew_at is not None and renew_at.timestamp() > later  # lifetime > 45 days
        await enqueue("sweep", {}, key="sweep")
        for _ in range(200):
            if len(warned := await notes(client, token)) >= 2:
                break
            await asyncio.sleep(0.05)
        await enqueue("sweep", {}, key="sweep")  # a second sweep warns no more
        await asyncio.sleep(0.5)
        warned = await notes(client, token)
    assert sorted(n["certificate_id"] for n in warned) == [certs[0]["id"], certs[1]["id"]]
    by_cert = {n["certificate_id"]: n for n in warned}
    first = by_cert[certs[0]["id"]]
    assert first["title"] == f"dns-persist-01 record expires: {names[0]}"
    day = datetime.fromtimestamp(soon, UTC)
    assert (f"The dns-persist-01 record (_validation-persist.{names[0]}) of the certificate "
            f"for {names[0]} carries persistUntil {day:%Y-%m-%d %H:%M} UTC") in first["message"]
    assert f"next renewal is planned for {renew_at:%Y-%m-%d %H:%M}" in (
        by_cert[certs[1]["id"]]["message"])


async def test_the_cas_own_refusal_is_reported(settings: Settings, bind_server: BindServer,
                                               port: int, stub: PersistCa):
    """casp's clock a day behind: it takes a record that has just expired for valid; the
    CA does not, and its reason ends the request."""
    clock = ManualClock(datetime.now(UTC) - timedelta(days=1))
    name = unique("p")
    async with live_casp(settings, port, clock) as client:
        token = await user_token(client)
        pending, account = await awaiting(client, token, [name])
        [record] = pending["dns_records"]
        expired = int(time.time()) - 3600
        publish(bind_server, record["name"], f"{record['value']}; persistUntil={expired}")
        await verify(client, token, pending["id"])
        done = await wait_for(client, token, pending["id"])
    assert done["status"] == "failed"
    problem = done["last_error"]
    assert problem["type"] == "urn:ietf:params:acme:error:unauthorized"
    assert problem["detail"] == f"no valid dns-persist-01 record at {record['name']} for {account}"
    assert problem["challenge"]["type"] == PERSIST and problem["challenge"]["status"] == "invalid"
    assert [seen.refused for seen in stub.lookups] == [problem["detail"]]


async def test_only_from_a_ca_that_offers_it(tmp_path: Path, pebble: PebbleServer,
                                             bind_server: BindServer, port: int):
    """Refused at once for a CA the catalogue does not mark; a CA marked (here Let's Encrypt
    as plain Pebble) whose authorization lacks it fails naming what it offered."""
    name = unique("p")
    async with live_casp(casp_settings(tmp_path / "data", pebble, bind_server, port),
                         port) as client:
        token = await user_token(client)
        await add_domain(client, token, name)
        r = await client.post(CERTS, headers=bearer(token), json={
            "ca_provider": "zerossl", "domains": [name], "challenge_type": PERSIST})
        assert_error(r, 400, "VALIDATION_ERROR")
        assert r.json()["error"]["details"]["fields"] == {
            "challenge_type": "ZeroSSL does not offer dns-persist-01; the CAs that do: "
                              "letsencrypt"}
        cert = await request_cert(client, token, domains=[name], challenge_type=PERSIST)
        done = await wait_for(client, token, cert["id"])
    assert done["status"] == "failed"
    problem = done["last_error"]
    assert problem["type"] == "casp:challengeUnavailable"
    said, offered = problem["detail"].removesuffix(")").split(" (offered: ")
    assert said == f"the CA offers no dns-persist-01 challenge for {name}"
    assert sorted(offered.split(", ")) == ["dns-01", "http-01", "tls-alpn-01"]  # any order
