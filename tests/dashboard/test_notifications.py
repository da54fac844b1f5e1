"""The dashboard's notifications inbox in a real browser, with real notifications: a
certificate issued by Pebble through http-01 (certificate_issued), then revoked (revoked) and
another issued; the unread badge in the navigation, mark one read, mark all read, the unread
filter, paging, the empty state; in English, in Chinese and at phone width."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from app.config import Settings
from tests.support.acme import issue_http01, user_token
from tests.support.browser import (
    axe_violations,
    browser_page,
    csp_violations,
    open_signed_in,
    screenshot,
)
from tests.support.graphql import data_of, gql
from tests.support.live import live_casp

pytestmark = pytest.mark.slow  # Chromium, Pebble, BIND

if TYPE_CHECKING:
    from playwright.async_api import Page, Route


async def signed_in(page: Page, origin: str, token: str, path: str) -> None:
    """The dashboard at `path`, signed in with this token (tests/support/browser.py)."""
    await open_signed_in(page, origin, token, path)



async def unread_badge(page: Page) -> str | None:
    texts = await page.get_by_test_id("unread-badge").all_inner_texts()
    return texts[0] if texts else None


async def wait_badge(page: Page, want: str | None) -> None:
    for _ in range(100):
        if await unread_badge(page) == want:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"unread badge {await unread_badge(page)!r}, wanted {want!r}")


async def test_inbox_mark_read_and_mark_all(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port) as client, \
            browser_page(origin) as (page, watch):
        token = await user_token(client)
        first = await issue_http01(client, token, "inbox")
        name = first["domains"][0]

        await signed_in(page, origin, token, "/notifications")
        await page.get_by_role("heading", name="Notifications", level=1).wait_for()
        await wait_badge(page, "1")
        link = page.get_by_role("navigation").get_by_role("link", name="Notifications")
        assert await link.evaluate("a => a.textContent") == "Notifications11 unread"
        assert await page.get_by_role("link", name="Notifications 1 unread").count() == 1
        item = page.locator(".inbox > li")
        await item.first.wait_for()
        assert await item.count() == 1
        title = item.get_by_role("heading", name=f"Certificate issued: {name}")
        assert await title.get_attribute("lang") == "en"
        assert await item.locator(".inbox-message").get_attribute("lang") == "en"
        text = await item.inner_text()
        assert "Unread" in text and "Certificate issued" in text  # the type, translated
        assert f"The certificate for {name} was issued" in text
        link = item.get_by_role("link", name=f"View certificate #{first['id']}")
        assert await link.get_attribute("href") == f"#/certificates/{first['id']}"
        assert await page.get_by_text("1 unread of 1").count() == 1
        assert await axe_violations(page) == []
        await screenshot(page, "en-notifications-unread")

        # The unread filter, then mark the one read: the badge goes.
        await page.get_by_label("Unread only").check()
        await page.get_by_role("button", name="Mark read", exact=True).click()
        await page.get_by_role("status").filter(has_text="Marked read.").wait_for()
        await page.get_by_text("No unread notifications.").wait_for()
        await wait_badge(page, None)
        assert await axe_violations(page) == []
        await page.get_by_role("button", name="Show all notifications").click()
        await item.first.wait_for()
        assert not await page.get_by_label("Unread only").is_checked()
        assert "Unread" not in await item.first.inner_text()
        assert await item.first.locator(".visually-hidden", has_text="Read").count() == 1
        assert await page.get_by_role("button", name="Mark read", exact=True).count() == 0
        assert await page.get_by_role("button", name="Mark all read").is_disabled()

        # Two more: the certificate revoked, another issued; the refresh button finds them.
        revoked = await gql(client, "mutation R($id: Int!) { revokeCertificate(id: $id) "
                            "{ status } }", token, id=first["id"])
        assert data_of(revoked)["revokeCertificate"]["status"] == "REVOKED"
        second = await issue_http01(client, token, "inbox2")
        await page.get_by_role("button", name="Refresh").click()
        await wait_badge(page, "2")
        await page.get_by_role("heading",
                               name=f"Certificate issued: {second['domains'][0]}").wait_for()
        await page.get_by_role("heading", name=f"Certificate revoked: {name}").wait_for()
        assert await item.count() == 3
        assert await page.get_by_role("button", name="Mark read", exact=True).count() == 2
        revoked_item = item.filter(has_text=f"Certificate revoked: {name}")
        assert "Revoked" in await revoked_item.locator(".badge").first.inner_text()
        await screenshot(page, "en-notifications")

        await page.get_by_role("button", name="Mark all read").click()
        await page.get_by_role("status").filter(
            has_text="2 notifications marked read.").wait_for()
        await wait_badge(page, None)
        assert await page.get_by_role("button", name="Mark read", exact=True).count() == 0
        assert await page.get_by_role("button", name="Mark all read").is_disabled()
        # The disabled button gave its focus to the list, not to the page's body.
        assert await page.evaluate("document.activeElement.className") == "inbox-region"
        inbox = data_of(await gql(client, "{ notifications { unreadCount total } }", token))
        assert inbox["notifications"] == {"unreadCount": 0, "total": 3}
        assert await axe_violations(page) == []
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []


async def test_empty_paging_chinese_and_phone(live_settings: Settings, port: int):
    from models.notification import Notification

    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port) as client:
        token = await user_token(client)
        me = data_of(await gql(client, "{ me { id } }", token))["me"]

        # A new user: the empty state, in Chinese, at phone width.
        async with browser_page(origin, accept_language="zh-CN,zh;q=0.9", locale="zh-CN",
                                width=375, height=800) as (page, watch):
            await signed_in(page, origin, token, "/notifications")
            await page.get_by_role("heading", name="通知", level=1).wait_for()
            await page.get_by_text("还没有通知。").wait_for()
            assert await page.get_by_role("button", name="全部标为已读").is_disabled()
            assert await axe_violations(page) == []
            await screenshot(page, "zh-notifications-empty-phone")
            assert await page.evaluate("document.documentElement.scrollWidth") <= 375
            await page.get_by_label("仅显示未读").check()
            await page.get_by_text("没有未读通知。").wait_for()
            assert await csp_violations(page) == []
        assert watch.blocked == [] and watch.offsite_sockets() == [] and watch.problems == []

        # 23 notifications (written straight to the inbox, as casp's jobs write them): two
        # pages of 20, in Chinese and in English.
        now = datetime.now(UTC)
        for i in range(23):
            await Notification.create(
                user_id=me["id"], type="expiring" if i % 2 else "renewal_succeeded",
                title=f"Note {i:02d}", message=f"Message number {i}.", read=i < 3,
                created_at=now - timedelta(minutes=23 - i))
        async with browser_page(origin, accept_language="zh-CN,zh;q=0.9",
                                locale="zh-CN") as (page, watch):
            await signed_in(page, origin, token, "/notifications")
            items = page.locator(".inbox > li")
            await page.get_by_role("heading", name="Note 22").wait_for()
            assert await items.count() == 20
            await wait_badge(page, "20")
            assert "续期成功" in await items.first.inner_text()  # RENEWAL_SUCCEEDED, translated
            assert "即将过期" in await items.nth(1).inner_text()  # EXPIRING
            assert await page.get_by_text("第 1 页，共 2 页").count() == 1
            assert await page.get_by_role("button", name="上一页").is_disabled()
            assert await axe_violations(page) == []
            await screenshot(page, "zh-notifications")
            await page.get_by_role("button", name="下一页").click()
            await page.get_by_text("第 2 页，共 2 页").wait_for()
            await page.get_by_role("heading", name="Note 00").wait_for()
            assert await items.count() == 3
            assert await page.get_by_role("button", name="标为已读", exact=True).count() == 0
            assert await csp_violations(page) == []
        assert watch.blocked == [] and watch.offsite_sockets() == [] and watch.problems == []

        # The unread filter pages too: 20 unread, one page; marking one leaves 19. First the
        # error state: casp answering the inbox's query with an error, then a retry.
        async with browser_page(origin, width=375, height=800) as (page, watch):
            failing = {"on": True}

            async def refuse(route: Route) -> None:
                if failing["on"] and "query Inbox" in (route.request.post_data or ""):
                    await route.fulfill(json={"data": None, "errors": [{
                        "message": "the database is away",
                        "extensions": {"code": "SERVER_ERROR"}}]})
                else:
                    await route.continue_()

            await page.route(origin + "/graphql", refuse)
            await signed_in(page, origin, token, "/notifications")
            alert = page.get_by_role("alert")
            await alert.wait_for()
            text = await alert.inner_text()
            assert "Something went wrong on the server" in text
            assert "the database is away" in text
            assert await page.locator(".inbox > li").count() == 0
            await screenshot(page, "en-notifications-error-phone")
            failing["on"] = False
            await alert.get_by_role("button", name="Try again").click()
            await page.get_by_role("heading", name="Note 22").wait_for()
            await page.get_by_label("Unread only").check()
            await page.get_by_text("20 unread of 20").wait_for()
            assert await page.get_by_role("navigation", name="Pages").count() == 0
            await page.get_by_role("button", name="Mark read", exact=True).first.click()
            await page.get_by_text("19 unread of 19").wait_for()
            await wait_badge(page, "19")
            assert await axe_violations(page) == []
            await screenshot(page, "en-notifications-phone")
            assert await page.evaluate("document.documentElement.scrollWidth") <= 375
            assert await csp_violations(page) == []
        assert watch.blocked == [] and watch.offsite_sockets() == [] and watch.problems == []
