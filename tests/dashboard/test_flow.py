"""The whole way a newcomer goes, in the browser alone, in English and in Chinese: sign up,
confirm the address from the mail, add a domain, request a certificate, watch it reach
issued live (no reload), download it, see the notification. Against a live casp issuing
from a real Pebble; no request leaves casp's origin on 127.0.0.1 (all others are aborted
and recorded), nothing breaks the CSP, and axe-core finds nothing serious on any screen.
A screenshot of each screen goes to build/screenshots/<lang>-flow-*.png."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from cryptography import x509

from app.config import Settings
from tests.support.acme import unique
from tests.support.browser import (
    axe_violations,
    browser_page,
    csp_violations,
    dashboard_link,
    screenshot,
)
from tests.support.live import live_casp

if TYPE_CHECKING:
    from playwright.async_api import Page

pytestmark = pytest.mark.slow  # Chromium, Pebble, BIND

WORDS = {  # what the user reads and clicks, in each language
    "en": {"lang": "en", "accept": "en-US,en;q=0.9", "locale": "en-US",
           "sign_in": "Sign in to casp", "create": "Create account", "email": "Email",
           "password": "Password", "overview": "Overview", "started": "Get started",
           "verified": "Your email address {email} is confirmed.",
           "continue": "Continue to casp", "domains": "Domains", "domain": "Domain name",
           "method": "Verification method", "add": "Add domain",
           "certificates": "Certificates", "request": "Request a certificate",
           "names": "Names", "challenge": "Challenge type",
           "submit": "Request the certificate", "detail": "Certificate for {name}",
           "issued": "Issued", "fullchain": "Full chain (PEM)",
           "notifications": "Notifications", "kind": "Certificate issued"},
    "zh": {"lang": "zh-CN", "accept": "zh-CN,zh;q=0.9,en;q=0.5", "locale": "zh-CN",
           "sign_in": "登录 casp", "create": "创建账号", "email": "邮箱",
           "password": "密码", "overview": "概览", "started": "快速上手",
           "verified": "邮箱 {email} 已验证。", "continue": "进入 casp", "domains": "域名",
           "domain": "域名", "method": "验证方式", "add": "添加域名",
           "certificates": "证书", "request": "申请证书", "names": "域名",
           "challenge": "验证方式", "submit": "申请证书", "detail": "{name} 的证书",
           "issued": "已签发", "fullchain": "完整证书链（PEM）",
           "notifications": "通知", "kind": "证书已签发"},
}


async def link_from_outbox(settings: Settings) -> str:
    for _ in range(100):  # the mail is written by a job, just after the answer
        try:
            return dashboard_link(settings.outbox_dir, "verify-email")
        except AssertionError:
            await asyncio.sleep(0.1)
    return dashboard_link(settings.outbox_dir, "verify-email")


async def checked(page: Page, lang: str, name: str) -> None:
    """A screen as the user sees it: saved for review, scanned by axe."""
    await screenshot(page, f"{lang}-flow-{name}")
    assert await axe_violations(page) == [], name


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_newcomer_to_an_issued_certificate(live_settings: Settings, port: int,
                                                 lang: str):
    w: dict[str, Any] = WORDS[lang]
    origin = f"http://127.0.0.1:{port}"
    email, name = f"flow-{lang}@example.com", unique(f"flow{lang}")
    async with live_casp(live_settings, port), browser_page(
            origin, accept_language=w["accept"], locale=w["locale"]) as (page, watch):
        await page.goto(origin + "/")
        await page.get_by_role("heading", name=w["sign_in"]).wait_for()
        assert await page.get_attribute("html", "lang") == w["lang"]
        await checked(page, lang, "1-sign-in")

        # sign up: signed in at once, with the first steps shown
        await page.get_by_role("link", name=w["create"]).click()
        await page.get_by_label(w["email"]).fill(email)
        await page.get_by_label(w["password"]).fill("Sup3r-secret")
        await checked(page, lang, "2-sign-up")
        await page.get_by_role("button", name=w["create"]).click()
        await page.get_by_role("heading", name=w["overview"]).wait_for()
        await page.get_by_role("heading", name=w["started"]).wait_for()
        await checked(page, lang, "3-overview-new")

        # the link of the confirmation mail
        await page.goto(await link_from_outbox(live_settings))
        await page.get_by_text(w["verified"].format(email=email)).wait_for()
        await checked(page, lang, "4-verified")
        await page.get_by_role("link", name=w["continue"]).click()

        # a domain, checked by http-01
        await page.get_by_role("navigation").get_by_role("link", name=w["domains"]).click()
        await page.get_by_role("heading", name=w["domains"], level=1).wait_for()
        await page.get_by_role("textbox", name=w["domain"]).fill(name)
        await page.get_by_label(w["method"]).select_option("HTTP_01")
        await page.get_by_role("button", name=w["add"]).click()
        await page.get_by_role("link", name=name).wait_for()
        await checked(page, lang, "5-domains")

        # a certificate for it, followed live to issued
        await page.get_by_role("navigation").get_by_role(
            "link", name=w["certificates"]).click()
        await page.get_by_role("link", name=w["request"]).first.click()
        await page.get_by_role("textbox", name=w["names"]).fill(name)
        await page.get_by_label(w["challenge"]).select_option("HTTP_01")
        await checked(page, lang, "6-request")
        await page.get_by_role("button", name=w["submit"]).click()
        await page.get_by_role("heading", name=w["detail"].format(name=name)).wait_for()
        await page.evaluate("window.__stayed = true")  # gone if the page reloads
        await page.get_by_test_id("cert-status").get_by_text(w["issued"]).wait_for(
            timeout=60_000)
        assert await page.evaluate("window.__stayed") is True  # live, not reloaded
        assert f"ws://127.0.0.1:{port}/graphql" in watch.sockets
        await checked(page, lang, "7-issued")

        # the full chain, downloaded
        async with page.expect_download() as got:
            await page.get_by_role("button", name=w["fullchain"]).click()
        path = await (await got.value).path()
        chain = x509.load_pem_x509_certificates(await asyncio.to_thread(path.read_bytes))
        assert chain[0].subject.rfc4514_string() == f"CN={name}" or \
            name in str(chain[0].extensions)

        # the notification: the badge, then the inbox
        badge = page.get_by_test_id("unread-badge")
        await badge.wait_for()
        assert await badge.inner_text() == "1"
        await page.get_by_role("navigation").get_by_role(
            "link", name=w["notifications"]).click()
        await page.get_by_role("heading", name=w["notifications"], level=1).wait_for()
        await page.get_by_text(w["kind"]).first.wait_for()
        await checked(page, lang, "8-notifications")

        await page.get_by_role("navigation").get_by_role("link", name=w["overview"]).click()
        await page.get_by_role("heading", name=w["overview"], level=1).wait_for()
        await checked(page, lang, "9-overview")
        assert await csp_violations(page) == []
    assert watch.blocked == [], watch.blocked  # nothing left 127.0.0.1
    assert watch.offsite_sockets() == [] and watch.problems == []
