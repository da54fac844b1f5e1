"""The dashboard's frame with the keyboard alone, and at phone width: the skip link comes
first, every navigation link is reachable, focus is visible, the menu button opens the
navigation on a narrow screen; axe-core finds nothing serious on the frame."""

from __future__ import annotations

import pytest

from app.config import Settings
from tests.support.browser import axe_violations, browser_page, screenshot
from tests.support.live import live_casp

pytestmark = pytest.mark.slow  # Chromium, Pebble, BIND

FOCUSED = """() => {
  const el = document.activeElement;
  return el ? (el.getAttribute('aria-label') || el.textContent || el.id || el.tagName).trim() : '';
}"""
HEADING_FOCUSED = "() => document.activeElement && document.activeElement.tagName === 'H1'"
OUTLINE = "() => getComputedStyle(document.activeElement).outlineStyle"


async def sign_up_with_keys(page, origin: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(origin + "/#/signup")
    await page.get_by_role("heading", name="Create your casp account").wait_for()
    # The screen's heading has the focus on arrival: the next stop is the first field.
    await page.wait_for_function(HEADING_FOCUSED)
    await page.keyboard.press("Tab")
    await page.keyboard.type("keys@example.com")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Sup3r-secret")
    await page.keyboard.press("Enter")  # submits the form
    await page.get_by_role("heading", name="Overview").wait_for()


async def test_keyboard_alone_signs_up_and_reaches_every_screen(live_settings: Settings,
                                                                port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port), browser_page(origin) as (page, watch):
        await sign_up_with_keys(page, origin)
        # Focus is on the screen's heading: going back reaches the header, every link of
        # the navigation, and the skip link first of all.
        await page.wait_for_function(HEADING_FOCUSED)
        seen = []
        for _ in range(14):
            await page.keyboard.press("Shift+Tab")
            seen.append(await page.evaluate(FOCUSED))
            assert await page.evaluate(OUTLINE) != "none", seen[-1]  # focus is visible
            if seen[-1] == "Skip to content":
                break
        assert seen[-1] == "Skip to content", seen
        for name in ("Overview", "Certificates", "Domains", "Notifications", "Settings",
                     "Sign out", "Language"):
            assert any(s.startswith(name) for s in seen), (name, seen)
        await page.keyboard.press("Enter")  # the skip link: to the main content
        assert await page.evaluate("document.activeElement.id") == "main"
        # Follow a link with Enter: the screen's heading takes the focus.
        await page.get_by_role("link", name="Domains").focus()
        await page.keyboard.press("Enter")
        await page.get_by_role("heading", name="Domains", level=1).wait_for()
        await page.wait_for_function(HEADING_FOCUSED)
        assert await axe_violations(page) == []
    assert watch.blocked == [] and watch.problems == []


async def test_phone_width_menu(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port), browser_page(
            origin, width=375, height=800) as (page, watch):
        await page.goto(origin + "/")
        await page.get_by_role("heading", name="Sign in to casp").wait_for()
        await screenshot(page, "en-phone-login")
        await sign_up_with_keys(page, origin)
        menu = page.get_by_role("button", name="Menu")
        nav = page.get_by_role("navigation", name="Main")
        assert await nav.is_hidden()
        assert await menu.get_attribute("aria-expanded") == "false"
        await menu.click()
        assert await menu.get_attribute("aria-expanded") == "true"
        await nav.get_by_role("link", name="Certificates").click()
        await page.get_by_role("heading", name="Certificates", level=1).wait_for()
        assert await nav.is_hidden()  # closed again on arrival
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, width  # nothing wider than the screen
        await screenshot(page, "en-phone-certificates")
        assert await axe_violations(page) == []
    assert watch.blocked == [] and watch.problems == []
