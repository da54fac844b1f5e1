"""The request form offers a CA's ACME profiles only where the CA has some (Pebble behind
tests/support/profiles.py's proxy, which adds Let's Encrypt's three), orders with the chosen
one, and sends the user to the EAB settings for a CA that needs them."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Settings
from tests.support.acme import add_domain, casp_settings, unique
from tests.support.browser import axe_violations, browser_page, csp_violations, screenshot
from tests.support.dns import BindServer
from tests.support.focus import notice
from tests.support.live import live_casp
from tests.support.pebble import PebbleServer
from tests.support.profiles import ProfileProxy
from tests.support.rest import PASSWORD, login, register

pytestmark = pytest.mark.slow  # Chromium, Pebble, BIND


@pytest.fixture
def proxy(ca: PebbleServer) -> Iterator[ProfileProxy]:
    with ProfileProxy(ca) as found:
        yield found


@pytest.fixture
def profiled(tmp_path: Path, ca: PebbleServer, proxy: ProfileProxy, bind_server: BindServer,
             port: int) -> Settings:
    base = casp_settings(tmp_path / "data", ca, bind_server, port)
    return dataclasses.replace(base, ca_directories=base.ca_directories | {
        "letsencrypt": proxy.directory_url})


async def test_profiles_where_the_ca_has_them(profiled: Settings, proxy: ProfileProxy,
                                              port: int):
    origin = f"http://127.0.0.1:{port}"
    name = unique("prof")
    async with live_casp(profiled, port) as client, browser_page(origin) as (page, watch):
        email = f"{uuid.uuid4().hex[:8]}@example.com"
        await register(client, email)
        await add_domain(client, await login(client, email), name, "http-01")
        await page.goto(f"{origin}/#/login?next=/certificates/new")
        await page.get_by_label("Email").fill(email)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("heading", name="Request a certificate").wait_for()

        ca = page.get_by_label("Certificate authority")
        profile = page.get_by_label("Profile")
        await ca.select_option("buypass")  # no profiles there: no select
        assert await profile.count() == 0
        await ca.select_option("zerossl")  # needs EAB: the way to the settings
        await notice(page, "This CA needs External Account Binding credentials.").wait_for()
        link = page.get_by_role("link", name="Set them in the settings")
        assert await link.get_attribute("href") == "#/settings/cas"
        await ca.select_option("letsencrypt")
        options = await profile.locator("option").all_inner_texts()
        assert options[0] == "The CA's default" and len(options) == 4, options
        assert any(o.startswith("shortlived") for o in options), options
        await profile.select_option("shortlived")
        await page.get_by_role("textbox", name="Names").fill(name)
        await page.get_by_label("Challenge type").select_option("HTTP_01")
        await screenshot(page, "en-certificates-form-profile")
        assert await axe_violations(page) == []
        await page.get_by_role("button", name="Request the certificate").click()
        await page.get_by_test_id("cert-status").get_by_text("Issued").wait_for(
            timeout=60_000)
        await page.get_by_text("shortlived").first.wait_for()  # the detail names it
        assert [order.get("profile") for order in proxy.orders] == ["shortlived"]
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == [] and watch.problems == []
