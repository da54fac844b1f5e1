"""A short-lived certificate end to end: ordered with a profile from real Pebble (through
ProfileProxy, which adds the profiles Pebble 2.4 lacks and records each newOrder), Pebble
issuing six-day certificates as Let's Encrypt's "shortlived" profile does; renewal planned
at half the lifetime and ordered with the same profile; the expiry warnings hours apart."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from app.clock import ManualClock
from app.config import Settings
from app.jobs.queue import enqueue
from models.certificate import Certificate
from tests.support.acme import add_domain, casp_settings, request_cert, unique, user_token, wait_for
from tests.support.certs import verify_chain
from tests.support.dns import BindServer
from tests.support.live import live_casp
from tests.support.pebble import PebbleFactory, PebbleServer
from tests.support.profiles import ProfileProxy
from tests.support.rest import bearer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers

URL = "/api/v1/certificates.php"
SIX_DAYS = timedelta(days=6)


@pytest.fixture(scope="module")
def shortlived(pebble_factory: PebbleFactory, port: int) -> PebbleServer:
    return pebble_factory(http_port=port,
                          certificate_validity=int(SIX_DAYS.total_seconds()))


@pytest.fixture
def proxy(shortlived: PebbleServer) -> Iterator[ProfileProxy]:
    with ProfileProxy(shortlived) as found:
        yield found


@pytest.fixture
def settings(tmp_path: Path, shortlived: PebbleServer, proxy: ProfileProxy,
             bind_server: BindServer, port: int) -> Settings:
    base = casp_settings(tmp_path / "data", shortlived, bind_server, port)
    return dataclasses.replace(base, ca_directories=base.ca_directories | {
        "letsencrypt": proxy.directory_url})


async def _issued(client: httpx.AsyncClient, token: str, **body: object) -> dict[str, object]:
    name = unique("p")
    await add_domain(client, token, name, "http-01")
    cert = await request_cert(client, token, domains=[name], challenge_type="http-01",
                              profile="shortlived", **body)
    assert cert["profile"] == "shortlived"
    done = await wait_for(client, token, int(str(cert["id"])))
    assert done["status"] == "issued", done["last_error"]
    return done


async def test_ordered_with_its_profile_and_renewed_at_half_its_lifetime(
        settings: Settings, shortlived: PebbleServer, proxy: ProfileProxy, port: int):
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        done = await _issued(client, token)
        assert done["profile"] == "shortlived"
        assert [order.get("profile") for order in proxy.orders] == ["shortlived"]
        verify_chain(f"{done['certificate_pem']}{done['chain_pem']}", shortlived.roots_pem(),
                     list(done["domains"]))  # type: ignore[call-overload]
        leaf = x509.load_pem_x509_certificate(str(done["certificate_pem"]).encode())
        lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc
        assert SIX_DAYS - timedelta(seconds=1) <= lifetime <= SIX_DAYS
        half = leaf.not_valid_after_utc - lifetime / 2  # certbot 4: under 10 days, a half
        renew_at = datetime.fromisoformat(str(done["renew_at"]))
        assert half - lifetime * 0.05 <= renew_at <= half

        r = await client.post(f"{URL}?action=renew", headers=bearer(token),
                              json={"id": done["id"]})
        assert r.status_code == 200, r.text
        renewed = (await client.get(URL, params={"id": done["id"]},
                                    headers=bearer(token))).json()["data"]
        assert renewed["serial"] != done["serial"] and renewed["profile"] == "shortlived"
        assert [order.get("profile") for order in proxy.orders] == ["shortlived"] * 2


async def test_a_profile_the_ca_no_longer_offers_fails_the_order(
        settings: Settings, proxy: ProfileProxy, port: int):
    """A profile the CA dropped after casp read its directory (kept for an hour): the
    CA's answer to the order fails the certificate with its invalidProfile problem."""
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        name = unique("p")
        await add_domain(client, token, name, "http-01")
        listed = (await client.get(URL, params={"action": "ca-providers"})).json()["data"]
        assert "tlsserver" in [p["name"] for p in listed["ca_providers"][0]["profiles"]]
        del proxy.profiles["tlsserver"]
        cert = await request_cert(client, token, domains=[name], challenge_type="http-01",
                                  profile="tlsserver")
        done = await wait_for(client, token, cert["id"])
        assert done["status"] == "failed"
        assert done["last_error"]["type"] == "urn:ietf:params:acme:error:invalidProfile"


async def test_expiry_warnings_come_at_shares_of_six_days(settings: Settings, port: int):
    clock = ManualClock()
    async with live_casp(settings, port, clock) as client:
        token = await user_token(client)
        done = await _issued(client, token, auto_renew=False)
        row = await Certificate.get(id=done["id"])
        assert row.expires_at is not None
        # 14, 7, 3 and 1 ninetieths of six days before it expires
        ahead = (timedelta(hours=22, minutes=24), timedelta(hours=11, minutes=12),
                 timedelta(hours=4, minutes=48), timedelta(hours=1, minutes=36))
        assert row.expiry_warn_at == row.expires_at - ahead[0]
        titles: list[str] = []
        for before in ahead:
            clock._now = row.expires_at - before - timedelta(seconds=1)
            await _sweep()
            assert await _warnings(client, token) == titles  # not yet
            clock._now = row.expires_at - before + timedelta(seconds=1)
            await _sweep()
            titles = await _warned(client, token, len(titles) + 1)
        assert [t.split(":")[0] for t in titles] == [
            f"Certificate expires in {left}"
            for left in ("22 hours", "11 hours", "4 hours", "95 minutes")]


async def _sweep() -> None:
    """One tick of the sweep now (its row is put back due), and time for it to run."""
    await enqueue("sweep", {}, key="sweep")
    await asyncio.sleep(0.5)


async def _warnings(client: httpx.AsyncClient, token: str) -> list[str]:
    inbox = (await client.get("/api/v1/notifications.php", headers=bearer(token))).json()
    return [n["title"] for n in reversed(inbox["data"]["notifications"])
            if n["type"] == "expiring"]


async def _warned(client: httpx.AsyncClient, token: str, count: int) -> list[str]:
    for _ in range(100):
        found = await _warnings(client, token)
        if len(found) >= count:
            assert len(found) == count, found
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} expiring warnings expected: {found}")
