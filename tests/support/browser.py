"""Debian's Chromium driven by Playwright (never Playwright's own browser download), cut off
from everything but the casp under test: for the GraphQL explorer and the dashboard.

`browser_page` gives a page whose every request is checked: anything not sent to casp's
origin is aborted and recorded (`Watch.blocked`), as are page errors, console errors and CSP
violations (`Watch.problems`). `screenshot` saves a PNG for review under build/screenshots/
(or CASP_SCREENSHOTS_DIR); `axe_violations` runs axe-core (tests/clients/node_modules) on the
page.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import find_binary

if TYPE_CHECKING:
    from playwright.async_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "clients" / "node_modules" / "axe-core" / "axe.min.js"

# Name resolution fails for every host but casp's address: belt and braces beside the
# request interception, which aborts (and records) anything not sent to casp.
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
           "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--no-first-run", "--disable-quic"]

WATCH_CSP = """window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});"""


def chromium() -> str:
    """Debian's Chromium; skip without it, except in CI (CI set), where it must be there."""
    path = find_binary("chromium")
    why = "`chromium` not found: apt-get install chromium (./dev test does it)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        path, why = None, "playwright is not installed: pip install -e '.[test]'"
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{why}; it is needed in CI")
        pytest.skip(why)
    return path


@dataclass
class Watch:
    origin: str
    blocked: list[str] = field(default_factory=list)  # requests not to casp, aborted
    sockets: list[str] = field(default_factory=list)  # WebSocket URLs opened
    problems: list[str] = field(default_factory=list)  # page errors, console errors

    def offsite_sockets(self) -> list[str]:
        own = re.sub(r"^http", "ws", self.origin)
        return [url for url in self.sockets if not url.startswith(own + "/")]


@asynccontextmanager
async def browser_page(origin: str, *, accept_language: str = "en-US,en;q=0.9",
                       locale: str = "en-US", width: int = 1280,
                       height: int = 900) -> AsyncIterator[tuple[Page, Watch]]:
    """A fresh browser profile (no stored language or token) showing nothing yet."""
    from playwright.async_api import Request, Route, async_playwright

    executable = chromium()
    watch = Watch(origin)

    async def only_casp(route: Route, request: Request) -> None:
        if request.url.startswith(origin + "/"):
            await route.continue_()
        else:
            watch.blocked.append(request.url)
            await route.abort("internetdisconnected")

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=OFFLINE)
        try:
            context = await browser.new_context(
                locale=locale, extra_http_headers={"Accept-Language": accept_language},
                viewport={"width": width, "height": height})
            await context.grant_permissions(["clipboard-read", "clipboard-write"],
                                            origin=origin)
            await context.route("**/*", only_casp)
            await context.add_init_script(WATCH_CSP)
            page = await context.new_page()
            page.on("pageerror", lambda e: watch.problems.append(f"page error: {e}"))
            page.on("console", lambda m: m.type == "error"
                    and watch.problems.append(f"console: {m.text}"))
            page.on("websocket", lambda ws: watch.sockets.append(ws.url))
            page.set_default_timeout(30_000)  # CI's second pass runs on a busy machine
            try:
                yield page, watch
            except BaseException:
                # What the page showed when the test failed, beside its problems.
                name = os.environ.get("PYTEST_CURRENT_TEST", "test").split(" ")[0]
                await screenshot(page, "FAILED-" + re.sub(r"[^\w.-]+", "_", name))
                raise
        finally:
            await browser.close()


async def csp_violations(page: Page) -> list[str]:
    return list(await page.evaluate("window.__cspViolations || []"))


def screenshots_dir() -> Path:
    folder = Path(os.environ.get("CASP_SCREENSHOTS_DIR") or ROOT / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """The whole page (or what the window shows) as build/screenshots/<name>.png, for
    review."""
    path = screenshots_dir() / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path


async def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")
                         ) -> list[dict[str, Any]]:
    """axe-core's violations of these impacts on the page as it is now (rule id, help, and
    the first offending elements). Injected through the DevTools protocol, which the page's
    CSP does not govern."""
    if not AXE.is_file():
        why = f"{AXE} is missing: cd tests/clients && npm ci (./dev test does it)"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    await page.evaluate(AXE.read_text())
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"][:5]]}
            for v in result if v["impact"] in impacts]


async def open_signed_in(page: Page, origin: str, token: str, path: str = "/") -> None:
    """The dashboard at `path`, signed in with `token` as the sign-in screen leaves it (in
    localStorage). A new document, not a hash change: the app reads the token as it starts,
    and a hash change could race the signed-out app's redirect to #/login."""
    await page.goto(origin + "/")
    await page.wait_for_function("location.hash.startsWith('#/login')")  # ran, signed out
    await page.evaluate("t => localStorage.setItem('casp.token', t)", token)
    await page.goto(f"{origin}/?signed-in#{path}")
    want = "#" + path.split("?")[0]
    await page.wait_for_function(f"location.hash.startsWith({json.dumps(want)})")


def css_id(element_id: str) -> str:
    """An element id (Preact's useId gives ":r1:" and the like) escaped for a CSS selector."""
    return re.sub(r"([^\w-])", r"\\\1", element_id)


def dashboard_link(outbox: Path, kind: str = "verify-email") -> str:
    """The dashboard link (#/verify-email?token=... or #/reset-password?token=...) of the
    newest mail in the outbox that has one."""
    pattern = re.compile(r"http://\S+/#/" + re.escape(kind) + r"\?token=\S+")
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
        text = path.read_text(errors="replace").replace("=\n", "")
        found = pattern.findall(text)
        if found:
            return found[-1].replace("=3D", "=")
    raise AssertionError(f"no {kind} link in {sorted(p.name for p in outbox.glob('*.eml'))}")
