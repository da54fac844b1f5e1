"""ACME Renewal Information against real Pebble, its renewalInfo served by a local stub
(Pebble 2.4 has none), with a clock the tests move: the window is asked for the right
certificate id once the renewal floor (CASP_MIN_RENEWAL_INTERVAL_SECONDS, an hour) has passed
since issuance, renew_at falls inside it (and a subscriber is told), the CA's Retry-After
sets the next look, a window moved into the past (a mass revocation) or mostly past starts
the renewal at once, a window opening seconds after each issuance renews no sooner than the
floor, and a CA without renewalInfo keeps the one-third rule."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from app.acme.ari import cert_id
from app.clock import ManualClock
from app.config import Settings
from app.jobs.queue import enqueue
from models.certificate import Certificate
from tests.support.acme import casp_settings, issue_http01, user_token
from tests.support.ari import AriStub, Window
from tests.support.certs import verify_chain
from tests.support.dns import BindServer
from tests.support.gqlws import subscriber
from tests.support.live import live_casp
from tests.support.pebble import PebbleServer
from tests.support.rest import bearer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers

URL = "/api/v1/certificates.php"
FLOOR = timedelta(hours=1)  # CASP_MIN_RENEWAL_INTERVAL_SECONDS's default
EVENTS = """subscription($id: Int) { certificateEvents(id: $id) {
  status stage changed renewAt } }"""


@pytest.fixture
def stub(ca: PebbleServer) -> Iterator[AriStub]:
    with AriStub(ca.directory_url, ca.ca_bundle) as s:
        yield s


def with_ari(tmp: Path, ca: PebbleServer, bind: BindServer, port: int,
             stub: AriStub) -> Settings:
    settings = casp_settings(tmp, ca, bind, port)
    return dataclasses.replace(settings, ca_directories={
        **settings.ca_directories, "letsencrypt": stub.directory_url})


async def sweep_until(condition, within: float = 10) -> None:  # type: ignore[no-untyped-def]
    """Run one sweep now and wait until its jobs have made `condition` true."""
    await enqueue("sweep", {}, key="sweep")
    for _ in range(int(within * 20)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the sweep did not get there")


async def detail(client: httpx.AsyncClient, token: str, cert: int) -> dict:  # type: ignore[type-arg]
    r = await client.get(URL, params={"id": cert}, headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


async def test_window_retry_after_and_mass_revocation(tmp_path: Path, ca: PebbleServer,
                                                      bind_server: BindServer, port: int,
                                                      stub: AriStub):
    clock = ManualClock()
    t0 = clock.now()
    stub.window = Window(t0 + timedelta(days=20), t0 + timedelta(days=22), retry_after=7200)
    settings = with_ari(tmp_path / "data", ca, bind_server, port, stub)
    async with live_casp(settings, port, clock) as client:
        token = await user_token(client)
        first = await issue_http01(client, token, "ari")
        wanted = cert_id(first["certificate_pem"])
        assert wanted
        clock.advance(hours=1)  # the first look waits for the renewal floor
        t1 = clock.now()

        async def window_stored() -> bool:
            return (await detail(client, token, first["id"]))["renewal_window"] is not None
        await sweep_until(window_stored)
        assert stub.asked == [wanted]  # the RFC 9773 id: AKI keyIdentifier "." serial
        shown = await detail(client, token, first["id"])
        row = await Certificate.get(id=first["id"])
        assert row.ari_window_start == stub.window.start.replace(microsecond=0)
        assert row.ari_window_start <= row.renew_at <= row.ari_window_end  # type: ignore[operator]
        assert shown["renew_at"] == row.renew_at.isoformat()  # type: ignore[union-attr]
        # The next look follows the CA's Retry-After (2 hours).
        assert row.ari_check_at == t1 + timedelta(seconds=7200)

        # Before Retry-After: no new request, however often the sweep runs.
        clock.advance(minutes=119)
        await enqueue("sweep", {}, key="sweep")
        await asyncio.sleep(0.5)
        assert stub.asked == [wanted]

        # The CA moves the window into the past (mass revocation): noticed at the next
        # look, renewed at once against Pebble, in the same record.
        stub.window = Window(clock.now() - timedelta(days=2), clock.now() - timedelta(days=1))
        clock.advance(minutes=2)

        async def renewed() -> bool:
            return (await detail(client, token, first["id"]))["serial"] != first["serial"]
        await sweep_until(renewed, within=30)
        assert stub.asked == [wanted, wanted]
        after = await detail(client, token, first["id"])
        assert after["status"] == "issued" and [h["serial"] for h in after["history"]] == [
            first["serial"]]
        verify_chain(after["certificate_pem"] + after["chain_pem"], ca.roots_pem(),
                     after["domains"])
        # The new certificate is asked about in turn (its own id) at the next sweep.
        stub.window = Window(clock.now() + timedelta(days=30), clock.now() + timedelta(days=31))
        new_id = cert_id(after["certificate_pem"])
        clock.advance(hours=1)  # its floor

        async def asked_new() -> bool:
            return new_id in stub.asked and (await detail(
                client, token, first["id"]))["renewal_window"] is not None
        await sweep_until(asked_new)
        fresh = await Certificate.get(id=first["id"])
        assert fresh.ari_window_start <= fresh.renew_at <= fresh.ari_window_end  # type: ignore[operator]


async def test_no_retry_after_means_six_hours_and_errors_keep_the_one_third_rule(
        tmp_path: Path, ca: PebbleServer, bind_server: BindServer, port: int,
        stub: AriStub):
    clock = ManualClock()
    stub.window = None  # the CA answers 404 at first
    settings = with_ari(tmp_path / "data", ca, bind_server, port, stub)
    async with live_casp(settings, port, clock) as client:
        token = await user_token(client)
        first = await issue_http01(client, token, "ari")
        before = await Certificate.get(id=first["id"])
        clock.advance(hours=1)  # the first look waits for the renewal floor

        async def looked_once() -> bool:
            row = await Certificate.get(id=first["id"])
            return row.ari_check_at is not None and row.ari_check_at > clock.now()
        await sweep_until(looked_once)
        row = await Certificate.get(id=first["id"])
        assert row.renew_at == before.renew_at  # the one-third moment stands
        assert row.ari_check_at == clock.now() + timedelta(hours=1)  # tried again in an hour
        assert (await detail(client, token, first["id"]))["renewal_window"] is None

        now = clock.now() + timedelta(hours=1, seconds=1)
        clock._now = now
        stub.window = Window(now + timedelta(days=3), now + timedelta(days=4), retry_after=None)

        async def windowed() -> bool:
            return (await Certificate.get(id=first["id"])).ari_window_start is not None
        await sweep_until(windowed)
        row = await Certificate.get(id=first["id"])
        assert row.ari_check_at == now + timedelta(hours=6)  # RFC 9773's default


async def test_a_ca_without_renewal_info_keeps_the_one_third_rule(
        tmp_path: Path, ca: PebbleServer, bind_server: BindServer, port: int):
    clock = ManualClock()
    settings = casp_settings(tmp_path / "data", ca, bind_server, port)  # plain Pebble 2.4
    async with live_casp(settings, port, clock) as client:
        token = await user_token(client)
        first = await issue_http01(client, token, "ari")
        before = await Certificate.get(id=first["id"])
        # A look at the CA is due once the renewal floor has passed.
        assert before.ari_check_at == clock.now() + FLOOR
        clock.advance(hours=1)

        async def cleared() -> bool:
            return (await Certificate.get(id=first["id"])).ari_check_at is None
        await sweep_until(cleared)
        row = await Certificate.get(id=first["id"])
        assert row.renew_at == before.renew_at and row.ari_window_start is None


async def test_a_renewal_moved_by_the_window_is_an_event(tmp_path: Path, ca: PebbleServer,
                                                         bind_server: BindServer, port: int,
                                                         stub: AriStub):
    """The CA's window moves renewAt and nothing else: a subscriber is told."""
    clock = ManualClock()
    t0 = clock.now()
    stub.window = Window(t0 + timedelta(days=20), t0 + timedelta(days=22), retry_after=7200)
    settings = with_ari(tmp_path / "data", ca, bind_server, port, stub)
    async with live_casp(settings, port, clock) as client:
        token = await user_token(client)
        first = await issue_http01(client, token, "ariev")
        async with subscriber(str(client.base_url), token) as sub:
            op = await sub.subscribe(EVENTS, {"id": first["id"]})
            now = (await sub.receive(within=10))["payload"]["data"]["certificateEvents"]
            assert now["changed"] == [] and now["renewAt"] == first["renew_at"], now
            clock.advance(hours=1)  # the first look waits for the renewal floor
            await enqueue("sweep", {}, key="sweep")
            moved = await sub.receive(within=10)
        assert moved["id"] == op, moved
        event = moved["payload"]["data"]["certificateEvents"]
        row = await Certificate.get(id=first["id"])
        assert event == {"status": "ISSUED", "stage": "done", "changed": ["RENEW_AT"],
                         "renewAt": row.renew_at.isoformat()}, event  # type: ignore[union-attr]
        assert row.renew_at != datetime.fromisoformat(first["renew_at"])
        assert stub.window.start <= row.renew_at <= stub.window.end  # type: ignore[operator]


async def serial_stays(client: httpx.AsyncClient, token: str, cert: int, serial: str,
                       seconds: float = 3) -> None:
    """Long enough for a sweep, a look at the CA and a renewal against Pebble to have run."""
    for _ in range(int(seconds * 10)):
        assert (await detail(client, token, cert))["serial"] == serial, "renewed"
        await asyncio.sleep(0.1)


async def test_a_window_mostly_past_renews_at_once(tmp_path: Path, ca: PebbleServer,
                                                   bind_server: BindServer, port: int,
                                                   stub: AriStub):
    """RFC 9773 4.2: a moment of the whole window, and now when that moment has passed. A
    window open for ten years that closes in a minute renews at once; a pick from what is
    left of it (as casp did) waited up to that minute, up to a day for one closing tomorrow."""
    clock = ManualClock()
    settings = with_ari(tmp_path / "data", ca, bind_server, port, stub)
    async with live_casp(settings, port, clock) as client:
        token = await user_token(client)
        first = await issue_http01(client, token, "arip")
        clock.advance(hours=1)  # past the renewal floor
        now = clock.now()
        stub.window = Window(now - timedelta(days=3650), now + timedelta(minutes=1))

        async def renewed() -> bool:
            return (await detail(client, token, first["id"]))["serial"] != first["serial"]
        await sweep_until(renewed, within=30)  # the clock stands still: "at once"
        assert stub.asked == [cert_id(first["certificate_pem"])]
        after = await detail(client, token, first["id"])
        assert after["status"] == "issued" and [h["serial"] for h in after["history"]] == [
            first["serial"]]


async def test_a_window_opening_seconds_after_issuance_waits_for_the_floor(
        tmp_path: Path, ca: PebbleServer, bind_server: BindServer, port: int, stub: AriStub,
        caplog: pytest.LogCaptureFixture):
    """An interop finding: a CA whose window opened 30 s after each issuance had casp renew
    every certificate every 30 s (19 renewals in 3 minutes). No automatic renewal comes
    sooner than CASP_MIN_RENEWAL_INTERVAL_SECONDS (an hour) after the certificate came."""
    clock = ManualClock()
    settings = with_ari(tmp_path / "data", ca, bind_server, port, stub)
    async with live_casp(settings, port, clock) as client:
        token = await user_token(client)
        first = await issue_http01(client, token, "arif")
        t0 = clock.now()
        stub.window = Window(t0 + timedelta(seconds=30), t0 + timedelta(seconds=60), 60)
        assert datetime.fromisoformat(first["renew_at"]) >= t0 + FLOOR
        for minutes in (1, 2, 3, 30, 59):  # the sweeps of the first hour
            clock._now = t0 + timedelta(minutes=minutes)
            await enqueue("sweep", {}, key="sweep")
            await serial_stays(client, token, first["id"], first["serial"], 0.5)
        await serial_stays(client, token, first["id"], first["serial"])

        clock._now = t0 + FLOOR + timedelta(seconds=1)  # the floor has passed: the window
        caplog.set_level("WARNING", "app.services.certificates.renewal_info")  # renews

        async def renewed() -> bool:
            return (await detail(client, token, first["id"]))["serial"] != first["serial"]
        await sweep_until(renewed, within=30)
        assert "CASP_MIN_RENEWAL_INTERVAL_SECONDS" in caplog.text

        # The new certificate: the same window after its issuance, the same floor.
        second = await detail(client, token, first["id"])
        t1 = clock.now()
        stub.window = Window(t1 + timedelta(seconds=30), t1 + timedelta(seconds=60), 60)
        assert datetime.fromisoformat(second["renew_at"]) >= t1 + FLOOR
        for minutes in (1, 2, 3):
            clock._now = t1 + timedelta(minutes=minutes)
            await enqueue("sweep", {}, key="sweep")
            await serial_stays(client, token, first["id"], second["serial"], 0.5)
        await serial_stays(client, token, first["id"], second["serial"])
        assert len((await detail(client, token, first["id"]))["history"]) == 1
