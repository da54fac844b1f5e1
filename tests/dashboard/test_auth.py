"""The dashboard's account screens in a real browser: sign up, the verification link from
the mail, sign out, sign in, forgot and reset password, in English and in Chinese."""

from __future__ import annotations

import pytest

from app.config import Settings
from tests.support.browser import (
    browser_page,
    csp_violations,
    css_id,
    dashboard_link,
    screenshot,
)
from tests.support.live import live_casp

pytestmark = pytest.mark.slow  # Chromium, Pebble, BIND


async def test_sign_up_verify_sign_out_and_in(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port), browser_page(origin) as (page, watch):
        await page.goto(origin + "/")
        await page.get_by_role("heading", name="Sign in to casp").wait_for()
        await screenshot(page, "en-login")
        await page.get_by_role("link", name="Create account").click()
        await page.get_by_label("Email").fill("newcomer@example.com")
        await page.get_by_label("Password").fill("weak")
        await page.get_by_role("button", name="Create account").click()
        await page.get_by_role("alert").wait_for()
        password = page.get_by_label("Password")
        assert await password.get_attribute("aria-invalid") == "true"
        described = await password.get_attribute("aria-describedby") or ""
        said = [await page.locator(f"#{css_id(i)}").inner_text() for i in described.split()]
        assert any("at least 8 characters" in text for text in said), said
        await screenshot(page, "en-signup-error")
        await page.get_by_label("Password").fill("Sup3r-secret")
        await page.get_by_role("button", name="Create account").click()
        await page.get_by_role("heading", name="Overview").wait_for()
        await page.get_by_text("Welcome! Your account is ready").wait_for()
        banner = page.get_by_text("Confirm your email address: open the link")
        await banner.wait_for()
        await screenshot(page, "en-overview-new")

        link = dashboard_link(live_settings.outbox_dir)
        assert link.startswith(origin + "/#/verify-email?token=")
        await page.goto(link)
        await page.get_by_text("Your email address newcomer@example.com is confirmed.").wait_for()
        assert "token" not in page.url  # the secret leaves the address bar
        await page.get_by_role("link", name="Continue to casp").click()
        await page.get_by_role("heading", name="Overview").wait_for()
        assert await banner.count() == 0

        await page.get_by_role("button", name="Sign out").click()
        await page.get_by_role("heading", name="Sign in to casp").wait_for()
        await page.get_by_label("Email").fill("newcomer@example.com")
        await page.get_by_label("Password").fill("Wrong-pass1")
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("alert").wait_for()
        await page.get_by_label("Password").fill("Sup3r-secret")
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("heading", name="Overview").wait_for()
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []
