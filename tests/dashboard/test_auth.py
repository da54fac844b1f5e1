"""The dashboard's account screens in a real browser: sign up, the verification link from
the mail, sign out, sign in, forgot and reset password, in English and in Chinese."""

from __future__ import annotations

import asyncio

import pytest

from app.config import Settings
from tests.support.browser import (
    browser_page,
    csp_violations,
    css_id,
    dashboard_link,
    screenshot,
)
from tests.support.focus import notice
from tests.support.live import live_casp
from tests.support.rest import bearer, login, register

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
        await notice(page, "Welcome! Your account is ready").wait_for()
        banner = page.get_by_text("Confirm your email address: open the link")
        await banner.wait_for()
        await screenshot(page, "en-overview-new")

        link = await wait_for_link(live_settings, "verify-email")
        assert link.startswith(origin + "/#/verify-email?token=")
        await page.goto(link)
        await notice(page, "Your email address newcomer@example.com is confirmed.").wait_for()
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


async def test_forgot_and_reset_password_retires_the_old_token(live_settings: Settings,
                                                               port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port) as client, \
            browser_page(origin) as (page, watch):
        await register(client, "forgetful@example.com")
        old = await login(client, "forgetful@example.com")
        await page.goto(origin + "/#/login")
        await page.get_by_role("link", name="Forgot your password?").click()
        await page.get_by_role("heading", name="Reset your password").wait_for()
        await page.get_by_label("Email").fill("forgetful@example.com")
        await page.get_by_role("button", name="Send the link").click()
        await notice(page, "If an account has this address").wait_for()
        await screenshot(page, "en-forgot-password")

        link = await wait_for_link(live_settings, "reset-password")
        await page.goto(link)
        await page.get_by_role("heading", name="Choose a new password").wait_for()
        await page.wait_for_function("!location.href.includes('token')")  # out of the bar
        await page.get_by_label("New password").fill("short")
        await page.get_by_role("button", name="Set the new password").click()
        await page.get_by_role("alert").wait_for()
        await page.get_by_label("New password").fill("N3w-secret-pass")
        await page.get_by_role("button", name="Set the new password").click()
        await notice(page, "Your password is changed").wait_for()
        await screenshot(page, "en-reset-password-done")

        refused = await client.post("/graphql", headers=bearer(old),
                                    json={"query": "{ me { email } }"})
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"
        await page.get_by_role("link", name="Sign in").first.click()
        await page.get_by_label("Email").fill("forgetful@example.com")
        await page.get_by_label("Password").fill("N3w-secret-pass")
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("heading", name="Overview").wait_for()

        # The link works once.
        await page.goto(link)
        await page.get_by_label("New password").fill("An0ther-secret")
        await page.get_by_role("button", name="Set the new password").click()
        await page.get_by_role("alert").wait_for()
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == [] and watch.problems == []


async def test_chinese_from_accept_language_and_the_switch_sticks(live_settings: Settings,
                                                                  port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port), browser_page(
            origin, accept_language="zh-CN,zh;q=0.9,en;q=0.5", locale="zh-CN") as (page, watch):
        await page.goto(origin + "/")
        await page.get_by_role("heading", name="登录 casp").wait_for()
        assert await page.get_attribute("html", "lang") == "zh-CN"
        await page.get_by_role("link", name="创建账号").click()
        await page.get_by_label("邮箱").fill("zh@example.com")
        await page.get_by_label("密码").fill("Sup3r-secret")
        await page.get_by_role("button", name="创建账号").click()
        await page.get_by_role("heading", name="概览").wait_for()
        await notice(page, "欢迎！账号已创建。").wait_for()
        await screenshot(page, "zh-overview-new")
        link = await wait_for_link(live_settings, "verify-email")
        await page.goto(link)
        await notice(page, "邮箱 zh@example.com 已验证。").wait_for()
        await screenshot(page, "zh-verified")

        await page.get_by_label("语言").select_option("en")
        await page.get_by_role("heading", name="Confirm your email address").wait_for()
        assert await page.get_attribute("html", "lang") == "en"
        await page.goto(origin + "/#/")
        await page.get_by_role("heading", name="Overview").wait_for()  # the choice stuck
        await page.get_by_label("Language").select_option("zh")
        await page.get_by_role("heading", name="概览").wait_for()
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == [] and watch.problems == []


async def wait_for_link(settings: Settings, kind: str) -> str:
    """The mail is sent by a job just after the answer: wait for its link."""
    for _ in range(100):
        try:
            return dashboard_link(settings.outbox_dir, kind)
        except AssertionError:
            await asyncio.sleep(0.1)
    return dashboard_link(settings.outbox_dir, kind)
