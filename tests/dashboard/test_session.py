"""The dashboard's session as a stranger on a shared instance would test it: a token retired
elsewhere signs the open page out at once (its live connection is closed with 4401), another
tab's sign-out is followed, a mailed link works once and says so after, a language change
keeps what the screen shows, and a malformed address is no page rather than a blank one."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from app.config import Settings
from tests.support.acme import user_token
from tests.support.browser import browser_page, dashboard_link, open_signed_in
from tests.support.graphql import gql
from tests.support.live import live_casp
from tests.support.rest import PASSWORD, register

if TYPE_CHECKING:
    from playwright.async_api import Page

pytestmark = pytest.mark.slow  # Chromium, Pebble, BIND


async def signed_in_page(page: Page, origin: str, token: str, path: str = "/") -> None:
    await open_signed_in(page, origin, token, path)


async def test_a_token_regenerated_elsewhere_signs_the_open_page_out(
        live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port) as client, \
            browser_page(origin) as (page, watch):
        token = await user_token(client)
        await signed_in_page(page, origin, token)
        await page.get_by_role("heading", name="Overview").wait_for()
        for _ in range(50):  # the badge's live connection is open
            if watch.sockets:
                break
            await asyncio.sleep(0.1)
        assert watch.sockets
        r = await gql(client, "mutation { regenerateApiToken { token } }", token)
        assert r["data"]["regenerateApiToken"]["token"] != token
        # No click, no navigation: the closed socket (4401) signs the page out.
        await page.get_by_role("heading", name="Sign in to casp").wait_for(timeout=10_000)
        assert await page.evaluate("localStorage.getItem('casp.token')") is None
    assert watch.blocked == []


async def test_another_tabs_sign_out_is_followed(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port) as client, \
            browser_page(origin) as (page, watch):
        token = await user_token(client)
        await signed_in_page(page, origin, token, "/domains")
        await page.get_by_role("heading", name="Domains", level=1).wait_for()
        other = await page.context.new_page()
        await other.goto(origin + "/#/")
        await other.get_by_role("heading", name="Overview").wait_for()
        await other.get_by_role("button", name="Sign out").click()
        await page.get_by_role("heading", name="Sign in to casp").wait_for(timeout=10_000)
        assert "next=" in page.url  # back to the domains after signing in again
    assert watch.blocked == []


async def test_a_mailed_link_works_once_and_a_language_change_keeps_the_screen(
        live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port) as client, \
            browser_page(origin) as (page, watch):
        await register(client, "once@example.com")
        link = ""
        for _ in range(100):
            try:
                link = dashboard_link(live_settings.outbox_dir)
                break
            except AssertionError:
                await asyncio.sleep(0.1)
        await page.goto(link)
        await page.get_by_text("Your email address once@example.com is confirmed.").wait_for()
        await page.get_by_label("Language").select_option("zh")
        await page.get_by_text("邮箱 once@example.com 已验证。").wait_for()  # not sent again
        assert await page.get_by_role("alert").count() == 0
        await page.get_by_label("语言").select_option("en")

        await page.goto(origin + "/#/")  # not signed in: the sign-in screen
        await page.get_by_role("heading", name="Sign in to casp").wait_for()
        await page.goto(link)  # the same link, a second time
        await page.get_by_text("This link is invalid, has expired or was already used.") \
            .wait_for()
        assert PASSWORD  # the account itself is untouched: it signs in
    assert watch.blocked == [] and watch.problems == []


async def test_a_malformed_address_is_no_page(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port) as client, \
            browser_page(origin) as (page, watch):
        token = await user_token(client)
        await signed_in_page(page, origin, token, "/certificates/%E0")
        await page.get_by_role("heading", name="There is no such page.").wait_for()
    assert watch.problems == []
