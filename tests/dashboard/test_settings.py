"""The dashboard's settings in a real browser: the account and its API token (shown, copied,
regenerated: the old one refused, the dashboard signed in with the new one), notification
delivery, EAB per CA and the fallback order, DNS provider credentials (RFC 2136 against the
real BIND), deployment targets (webhook); another user sees none of it; axe on every page,
screenshots in English, Chinese and at phone width."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import uuid
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.support.browser import (
    axe_violations,
    browser_page,
    csp_violations,
    css_id,
    screenshot,
)
from tests.support.browser import open_signed_in as browser_open_signed_in
from tests.support.dns import BindServer
from tests.support.focus import notice, wait_focused, wait_said
from tests.support.graphql import data_of, gql
from tests.support.live import live_casp
from tests.support.rest import login, register

pytestmark = pytest.mark.slow  # Chromium, Pebble, BIND

PAGES = [("account", "/settings", "Account settings", "账户设置"),
         ("notifications", "/settings/notifications", "Notification delivery", "通知投递"),
         ("cas", "/settings/cas", "Certificate authorities", "证书颁发机构"),
         ("dns", "/settings/dns", "DNS provider credentials", "DNS 服务商凭据"),
         ("deployments", "/settings/deployments", "Deployment targets", "部署目标")]
HMAC = base64.urlsafe_b64encode(b"h" * 32).decode().rstrip("=")


def settings_for(live_settings: Settings) -> Settings:
    return dataclasses.replace(live_settings, webhook_allow_private=True,
                               dns_providers_allow_private=True)


async def new_user(client: httpx.AsyncClient, name: str = "Settings User") -> tuple[str, str]:
    email = f"s{uuid.uuid4().hex[:8]}@example.com"
    await register(client, email, name=name)
    return email, await login(client, email)


async def open_signed_in(page: Any, origin: str, token: str, path: str) -> None:
    """The dashboard at `path`, signed in with this token (tests/support/browser.py)."""
    await browser_open_signed_in(page, origin, token, path)


async def described_text(page: Any, field: Any) -> list[str]:
    described = await field.get_attribute("aria-describedby") or ""
    return [await page.locator(f"#{css_id(i)}").inner_text() for i in described.split()]


async def no_axe(page: Any) -> None:
    assert await axe_violations(page) == []


async def accept_next_dialog(page: Any) -> None:
    page.once("dialog", lambda d: asyncio.ensure_future(d.accept()))


async def test_account_token_shown_copied_and_regenerated(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(settings_for(live_settings), port) as client, \
            browser_page(origin) as (page, watch):
        email, old = await new_user(client)
        await open_signed_in(page, origin, old, "/settings")
        await page.get_by_role("heading", name="Account settings").wait_for()
        await page.get_by_text(email, exact=True).first.wait_for()
        await page.get_by_text("Settings User").wait_for()
        await page.get_by_text("Not confirmed yet").wait_for()
        nav = page.get_by_role("navigation", name="Settings sections")
        assert await nav.get_by_role("link", name="Account").get_attribute(
            "aria-current") == "page"
        shown = page.get_by_test_id("api-token")
        assert old not in await shown.inner_text()  # hidden by default
        assert old not in await page.content()
        await no_axe(page)
        await screenshot(page, "en-settings-account")
        show = page.get_by_role("button", name="Show")
        await show.click()
        assert await shown.inner_text() == old
        assert await page.get_by_role("button", name="Hide").get_attribute(
            "aria-pressed") == "true"
        await page.get_by_role("button", name="Copy Your API token").click()
        await page.get_by_text("Copied").wait_for()
        assert await page.evaluate("navigator.clipboard.readText()") == old
        await page.get_by_role("button", name="Hide").click()

        await accept_next_dialog(page)
        await page.get_by_role("button", name="Regenerate token").click()
        await notice(page, "A new API token was made").wait_for()
        await notice(page, "Every other client still using the old token").wait_for()
        new = await page.evaluate("localStorage.getItem('casp.token')")
        assert new and new != old
        refused = await gql(client, "{ me { email } }", old)
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"
        assert data_of(await gql(client, "{ me { email } }", new))["me"]["email"] == email
        await page.get_by_role("button", name="Show").click()
        assert await shown.inner_text() == new

        await page.reload()  # still signed in, with the new token
        await page.get_by_role("heading", name="Account settings").wait_for()
        await page.get_by_role("button", name="Show").click()
        assert await shown.inner_text() == new
        await nav.get_by_role("link", name="Notifications").click()
        await page.get_by_role("heading", name="Notification delivery").wait_for()
        assert await nav.get_by_role("link", name="Notifications").get_attribute(
            "aria-current") == "page"
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []


async def test_notification_settings_saved_and_a_bad_url_refused(live_settings: Settings,
                                                                 port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(settings_for(live_settings), port) as client, \
            browser_page(origin) as (page, watch):
        email, token = await new_user(client)
        await open_signed_in(page, origin, token, "/settings/notifications")
        await page.get_by_role("heading", name="Notification delivery").wait_for()
        await page.get_by_text(f"Sent to {email}.", exact=True).wait_for()
        url = page.get_by_label("Webhook URL")
        await url.fill("ftp://example.com/x")
        await page.get_by_role("button", name="Save").click()
        await page.get_by_role("alert").first.wait_for()
        assert await url.get_attribute("aria-invalid") == "true"
        said = await described_text(page, url)
        assert any("http" in text for text in said[1:]), said
        await screenshot(page, "en-settings-notifications-error")

        await url.fill("http://127.0.0.1:9/hook")
        await page.get_by_label("Email me each notification").uncheck()
        await page.get_by_label("A certificate was renewed").uncheck()
        await page.get_by_label("A deployment failed").uncheck()
        await page.get_by_role("button", name="Save").click()
        await notice(page, "Saved.").wait_for()
        stored = data_of(await gql(client, "{ notificationSettings { emailEnabled webhookUrl "
                                           "webhookSecret types } }", token))
        got = stored["notificationSettings"]
        assert got["emailEnabled"] is False and got["webhookUrl"] == "http://127.0.0.1:9/hook"
        assert "RENEWAL_SUCCEEDED" not in got["types"] and "EXPIRING" in got["types"]
        secret = got["webhookSecret"]
        assert secret and secret not in await page.content()  # only its end is shown
        await page.get_by_text(f"Set, ending in …{secret[-4:]}").wait_for()

        await page.reload()
        await page.get_by_role("heading", name="Notification delivery").wait_for()
        assert await page.get_by_label("Webhook URL").input_value() == "http://127.0.0.1:9/hook"
        assert not await page.get_by_label("Email me each notification").is_checked()
        assert not await page.get_by_label("A certificate was renewed").is_checked()
        assert await page.get_by_label("A certificate expires soon").is_checked()
        assert secret not in await page.content()
        await page.get_by_label("New webhook secret").fill("short")
        await page.get_by_role("button", name="Save").click()
        secret_field = page.get_by_label("New webhook secret")
        await page.wait_for_function(
            "el => el.getAttribute('aria-invalid') === 'true'",
            arg=await secret_field.element_handle())
        await page.get_by_label("New webhook secret").fill("a-webhook-secret-of-mine")
        await page.get_by_role("button", name="Save").click()
        await page.get_by_text("Set, ending in …mine").wait_for()
        await no_axe(page)
        await screenshot(page, "en-settings-notifications")
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []


async def test_eab_per_ca_and_the_fallback_order(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(settings_for(live_settings), port) as client, \
            browser_page(origin) as (page, watch):
        _, token = await new_user(client)
        await open_signed_in(page, origin, token, "/settings/cas")
        await page.get_by_role("heading", name="Certificate authorities").wait_for()
        google = page.get_by_role("group", name="Google Trust Services")
        await google.get_by_label("Key ID").fill("kid-of-mine")
        await google.get_by_label("HMAC key").fill("not base64 !")
        await google.get_by_role("button", name="Save EAB credentials").click()
        hmac_field = google.get_by_label("HMAC key")
        await page.wait_for_function("el => el.getAttribute('aria-invalid') === 'true'",
                                     arg=await hmac_field.element_handle())
        await hmac_field.fill(HMAC)
        await google.get_by_role("button", name="Save EAB credentials").click()
        await google.get_by_role("status").filter(
            has_text="Saved for Google Trust Services: key ID kid-of-mine").wait_for()
        await wait_said(page, "Saved for Google Trust Services: key ID kid-of-mine. "
                              "The HMAC key is stored encrypted.")
        row = page.get_by_role("row").filter(has_text="Google Trust Services")
        await row.get_by_text("Stored (key ID kid-of-mine)").wait_for()
        assert HMAC not in await page.content()
        assert await hmac_field.input_value() == ""

        await page.get_by_text("No fallback CAs").wait_for()
        await page.get_by_label("CA to add").select_option("zerossl")
        await page.get_by_role("button", name="Add", exact=True).click()
        await page.get_by_label("CA to add").select_option("google")
        await page.get_by_role("button", name="Add", exact=True).click()
        await page.get_by_role("button", name="Move Google Trust Services up").click()
        await page.get_by_role("button", name="Save order").click()
        await page.get_by_role("status").filter(has_text="Fallback order saved.").wait_for()
        await wait_said(page, "Fallback order saved.")
        got = data_of(await gql(client, "{ fallbackCaProviders }", token))
        assert got["fallbackCaProviders"] == ["google", "zerossl"]
        await no_axe(page)
        await screenshot(page, "en-settings-cas")
        # focus stays with the moved CA (Up is disabled at the top) and, after a removal,
        # goes to the list's heading: never lost to the page
        await page.get_by_role("button", name="Move ZeroSSL up").click()
        await wait_focused(page, "BUTTON:Move ZeroSSL down")
        await page.get_by_role("button", name="Move ZeroSSL down").click()
        await wait_focused(page, "BUTTON:Move ZeroSSL up")
        await page.get_by_role("button", name="Remove ZeroSSL").click()
        await wait_focused(page, "H2:Fallback CAs")

        await page.reload()
        await page.get_by_role("heading", name="Certificate authorities").wait_for()
        await row.get_by_text("Stored (key ID kid-of-mine)").wait_for()
        items = page.locator("ol.order-list > li")
        assert [await items.nth(i).locator("span").first.inner_text()
                for i in range(await items.count())] == ["Google Trust Services", "ZeroSSL"]
        assert HMAC not in await page.content()
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []


async def test_dns_credential_added_checked_and_deleted(live_settings: Settings, port: int,
                                                        bind_server: BindServer):
    origin = f"http://127.0.0.1:{port}"
    key = f"{bind_server.tsig_algorithm}:{bind_server.tsig_key_name}:{bind_server.tsig_secret}"
    async with live_casp(settings_for(live_settings), port) as client, \
            browser_page(origin) as (page, watch):
        _, token = await new_user(client)
        await open_signed_in(page, origin, token, "/settings/dns")
        await page.get_by_role("heading", name="DNS provider credentials").wait_for()
        await page.get_by_text("No DNS credentials yet").wait_for()
        await no_axe(page)
        await screenshot(page, "en-settings-dns-empty")
        assert await page.get_by_label("Provider").input_value() == "rfc2136"
        await page.get_by_label("Name").fill("my bind")
        await page.get_by_label("Zone").fill("example.test")
        await page.get_by_label("server").fill(bind_server.address)
        await page.get_by_label("tsig_key").fill(key[:-6] + "AAAAA=")  # refused
        await page.get_by_role("button", name="Check and add").click()
        await page.get_by_role("alert").first.wait_for()
        await page.get_by_text("refused the TSIG key").first.wait_for()
        assert await page.get_by_text("No DNS credentials yet").count() == 1
        await page.get_by_label("tsig_key").fill(key)
        await page.get_by_role("button", name="Check and add").click()
        await page.get_by_role("status").filter(has_text='Added "my bind".').wait_for()
        await wait_said(page, 'Added "my bind".')
        row = page.get_by_role("row").filter(has_text="my bind")
        await row.get_by_text("rfc2136").wait_for()
        assert bind_server.tsig_secret not in await page.content()
        assert await page.get_by_label("tsig_key").input_value() == ""

        await page.reload()
        await row.get_by_role("button", name="Check my bind").click()
        await row.get_by_text("my bind: the provider accepted the credential.").wait_for()
        assert bind_server.tsig_secret not in await page.content()
        await no_axe(page)
        await screenshot(page, "en-settings-dns")
        await accept_next_dialog(page)
        await row.get_by_role("button", name="Delete my bind").click()
        await page.get_by_role("status").filter(has_text='Deleted "my bind".').wait_for()
        await wait_focused(page, 'DIV:Deleted "my bind".')  # the row and its button went
        await wait_said(page, 'Deleted "my bind".')
        await page.get_by_text("No DNS credentials yet").wait_for()
        assert data_of(await gql(client, "{ dnsCredentials { id } }", token)) == {
            "dnsCredentials": []}
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []


async def test_webhook_deployment_target_created_updated_deleted(live_settings: Settings,
                                                                 port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(settings_for(live_settings), port) as client, \
            browser_page(origin) as (page, watch):
        _, token = await new_user(client)
        await open_signed_in(page, origin, token, "/settings/deployments")
        await page.get_by_role("heading", name="Deployment targets").wait_for()
        await page.get_by_text("No deployment targets yet").wait_for()
        await page.get_by_text("Nothing deployed yet.").wait_for()
        create = page.get_by_role("form", name="Create a target")
        assert await create.get_by_label("Kind").input_value() == "WEBHOOK"
        await create.get_by_label("Name").fill("edge hook")
        await create.get_by_label("URL").fill("ftp://127.0.0.1/x")
        await create.get_by_role("button", name="Create target").click()
        url = create.get_by_label("URL")
        await page.wait_for_function("el => el.getAttribute('aria-invalid') === 'true'",
                                     arg=await url.element_handle())
        await url.fill("http://127.0.0.1:9/deploy")
        await create.get_by_label("Include the full chain and the private key").check()
        await create.get_by_role("button", name="Create target").click()
        await create.get_by_role("status").filter(has_text='Created "edge hook".').wait_for()
        await wait_said(page, 'Created "edge hook".')
        card = page.get_by_role("article", name="edge hook")
        await card.get_by_text("http://127.0.0.1:9/deploy").wait_for()
        targets = data_of(await gql(client, "{ deploymentTargets { id webhookSecret "
                                            "includeCertificate } }", token))
        target = targets["deploymentTargets"][0]
        assert target["includeCertificate"] is True
        assert target["webhookSecret"] not in await page.content()
        await card.get_by_text(f"Set, ending in …{target['webhookSecret'][-4:]}").wait_for()

        await card.get_by_role("button", name="Deploy now to edge hook").click()
        await notice(card, "No issued certificate is attached to this target").wait_for()
        await card.get_by_role("button", name="Edit edge hook").click()
        edit = card.get_by_role("form", name="Edit edge hook")
        await edit.wait_for()
        await wait_focused(page, "H4:Edit edge hook")  # the form took Edit's place
        await edit.get_by_role("button", name="Cancel").click()
        await card.get_by_role("button", name="Edit edge hook").wait_for()
        await wait_focused(page, "BUTTON:Edit edge hook")
        await card.get_by_role("button", name="Edit edge hook").click()
        await edit.get_by_label("Name").fill("edge hook 2")
        await edit.get_by_label("URL").fill("http://127.0.0.1:9/deploy-v2")
        await edit.get_by_label("Check host").fill("127.0.0.1")
        await edit.get_by_label("Check port").fill("9")
        await edit.get_by_role("button", name="Save changes").click()
        card = page.get_by_role("article", name="edge hook 2")
        await card.get_by_role("status").filter(has_text='Saved "edge hook 2".').wait_for()
        await wait_focused(page, 'DIV:Saved "edge hook 2".')
        await wait_said(page, 'Saved "edge hook 2".')
        await card.get_by_text("http://127.0.0.1:9/deploy-v2").wait_for()
        await card.get_by_role("button", name="Check edge hook 2").click()
        await card.get_by_text("Not reachable").wait_for()
        await page.wait_for_timeout(2000)  # the recent deployments refresh after deployNow
        assert await page.get_by_role("article", name="edge hook 2").count() == 1
        await page.get_by_text("Nothing deployed yet.").wait_for()
        changed = data_of(await gql(client, "{ deploymentTargets { name url checkPort "
                                            "webhookSecret } }", token))["deploymentTargets"]
        assert changed == [{"name": "edge hook 2", "url": "http://127.0.0.1:9/deploy-v2",
                            "checkPort": 9, "webhookSecret": target["webhookSecret"]}]
        await no_axe(page)
        await screenshot(page, "en-settings-deployments")

        await page.reload()
        card = page.get_by_role("article", name="edge hook 2")
        await card.get_by_text("http://127.0.0.1:9/deploy-v2").wait_for()
        await accept_next_dialog(page)
        await card.get_by_role("button", name="Delete edge hook 2").click()
        await page.get_by_role("status").filter(has_text='Deleted "edge hook 2".').wait_for()
        await wait_focused(page, 'DIV:Deleted "edge hook 2".')
        await page.get_by_text("No deployment targets yet").wait_for()
        assert data_of(await gql(client, "{ deploymentTargets { id } }", token)) == {
            "deploymentTargets": []}
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []


SETUP = [
    ('mutation { setEabCredentials(caName: "google", eabKid: "kid-of-a", '
     f'eabHmacKey: "{HMAC}") {{ caName }} }}'),
    'mutation { setFallbackCaProviders(caNames: ["zerossl"]) }',
    ('mutation { createDeploymentTarget(name: "a-target", kind: WEBHOOK, '
     'settings: { url: "http://127.0.0.1:9/a" }) { id } }'),
    ('mutation { updateNotificationSettings(webhookUrl: "http://127.0.0.1:9/notes") '
     '{ webhookUrl } }'),
]


async def test_another_user_sees_none_of_it(live_settings: Settings, port: int,
                                            bind_server: BindServer):
    origin = f"http://127.0.0.1:{port}"
    key = f"{bind_server.tsig_algorithm}:{bind_server.tsig_key_name}:{bind_server.tsig_secret}"
    async with live_casp(settings_for(live_settings), port) as client, \
            browser_page(origin) as (page, watch):
        _, owner = await new_user(client)
        for mutation in SETUP:
            data_of(await gql(client, mutation, owner))
        data_of(await gql(client, """mutation($c: JSON!) { addDnsCredential(
            provider: "rfc2136", label: "a-credential", zone: "example.test", credentials: $c)
            { id } }""", owner, c={"server": bind_server.address, "tsig_key": key}))
        _, other = await new_user(client, name="Other")
        await open_signed_in(page, origin, other, "/settings/cas")
        await page.get_by_role("heading", name="Certificate authorities").wait_for()
        await page.get_by_text("No fallback CAs").wait_for()
        assert await page.get_by_text("kid-of-a").count() == 0
        await page.goto(f"{origin}/#/settings/dns")
        await page.get_by_text("No DNS credentials yet").wait_for()
        assert await page.get_by_text("a-credential").count() == 0
        await page.goto(f"{origin}/#/settings/deployments")
        await page.get_by_text("No deployment targets yet").wait_for()
        assert await page.get_by_text("a-target").count() == 0
        await page.goto(f"{origin}/#/settings/notifications")
        await page.get_by_role("heading", name="Notification delivery").wait_for()
        assert await page.get_by_label("Webhook URL").input_value() == ""
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []


@pytest.mark.parametrize("lang", ["zh", "phone"])
async def test_every_settings_page_in_chinese_and_at_phone_width(
        live_settings: Settings, port: int, lang: str):
    origin = f"http://127.0.0.1:{port}"
    options: dict[str, Any] = ({"accept_language": "zh-CN,zh;q=0.9", "locale": "zh-CN"}
                               if lang == "zh" else {"width": 375, "height": 800})
    async with live_casp(settings_for(live_settings), port) as client, \
            browser_page(origin, **options) as (page, watch):
        _, token = await new_user(client)
        for mutation in SETUP:
            data_of(await gql(client, mutation, token))
        await open_signed_in(page, origin, token, "/settings")
        for name, path, english, chinese in PAGES:
            await page.goto(f"{origin}/#{path}")
            await page.get_by_role("heading", name=chinese if lang == "zh" else english,
                                   exact=True).wait_for()
            await page.locator(".loading").wait_for(state="detached")
            nav = page.get_by_role("navigation", name="设置分区" if lang == "zh"
                                   else "Settings sections")
            assert await nav.locator("[aria-current=page]").count() == 1
            await no_axe(page)
            if lang == "phone":
                width = await page.evaluate("document.documentElement.scrollWidth")
                assert width <= 375, (name, width)
            await screenshot(page, f"{lang}-settings-{name}")
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []
