"""The GraphiQL explorer at GET /graphql works offline: every file it loads is casp's own.

The browser test drives Debian's Chromium (`apt-get install chromium`; ./dev test installs
it) through Playwright, with every request that is not to casp aborted and recorded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import sys
import time
import tomllib
from base64 import b64encode
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.services.certificates.saving import save
from models.certificate import Certificate
from schema import explorer
from tests.support.browser import OFFLINE, WATCH_CSP, chromium
from tests.support.live import live_casp
from tests.support.net import free_port
from tests.support.rest import bearer, login, register

ROOT = Path(__file__).resolve().parents[2]
HTML = {"Accept": "text/html"}


def sri(data: bytes) -> str:
    return f"sha384-{b64encode(hashlib.sha384(data).digest()).decode()}"


class Loads(HTMLParser):
    """The page's <script src> and <link href>, with their integrity attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[str, str | None]] = []
        self.links: list[tuple[str, str | None, str | None]] = []
        self.inline_scripts = 0
        self.inline_styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.scripts.append((a["src"] or "", a.get("integrity")))
            else:
                self.inline_scripts += 1
        elif tag == "link":
            self.links.append((a.get("href") or "", a.get("rel"), a.get("integrity")))
        elif tag == "style" or "style" in a:
            self.inline_styles += 1


async def explorer_page(client: httpx.AsyncClient) -> tuple[httpx.Response, Loads]:
    r = await client.get("/graphql", headers=HTML)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    loads = Loads()
    loads.feed(r.text)
    return r, loads


async def test_explorer_page_loads_only_casps_own_files(client: httpx.AsyncClient):
    r, loads = await explorer_page(client)
    assert "unpkg.com" not in r.text and "cdn" not in r.text.lower()
    assert loads.inline_scripts == 0 and loads.inline_styles == 0
    assert len(loads.scripts) == 5 and len(loads.links) == 4  # 3 stylesheets and the icon
    urls = [(src, "script", integrity) for src, integrity in loads.scripts]
    for href, rel, integrity in loads.links:
        if rel == "icon":
            assert href.startswith("data:")
        else:
            assert rel == "stylesheet"
            urls.append((href, "style", integrity))
    for url, kind, integrity in urls:
        assert url.startswith("/static/graphiql/") and not url.startswith("//"), url
        got = await client.get(url)
        assert got.status_code == 200, url
        expected = "text/javascript" if kind == "script" else "text/css"
        assert got.headers["content-type"].startswith(expected), (url, got.headers)
        assert got.headers["x-content-type-options"] == "nosniff"
        assert integrity == sri(got.content), url  # the browser checks it too
        assert "max-age=31536000" in got.headers["cache-control"], url


async def test_explorer_page_has_a_strict_content_security_policy(client: httpx.AsyncClient):
    r, _ = await explorer_page(client)
    csp = dict(part.strip().split(" ", 1) for part in r.headers["content-security-policy"]
               .split(";"))
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == f"'self' {explorer.SCROLL_LOCK_STYLE}"
    assert csp["connect-src"] == "'self' ws://testserver wss://testserver"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe" not in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"  # as every /graphql answer
    # A Host that is not a plain host name stays out of the policy.
    odd = await client.get("/graphql", headers={**HTML, "Host": "a.example; script-src *"})
    assert "connect-src 'self';" in odd.headers["content-security-policy"]


async def test_explorer_files_are_gzipped_cached_and_nothing_else_is_served(
        client: httpx.AsyncClient):
    url = "/static/graphiql/graphiql-3.8.3/graphiql.min.js"
    plain = await client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    zipped = await client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(plain.content) / 3
    assert zipped.content == plain.content  # httpx decodes
    again = await client.get(url, headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304 and not again.content
    # casp's own files: cached for long only under the URL that names their digest.
    _, loads = await explorer_page(client)
    own = next(src for src, _ in loads.scripts if "explorer.js" in src)
    assert "max-age" in (await client.get(own)).headers["cache-control"]
    bare = await client.get(own.split("?")[0])
    assert bare.status_code == 200 and bare.headers["cache-control"] == "no-cache"
    for path in ("VERSIONS.json", "README.md", "react-18.2.0/LICENSE", "../explorer.py",
                 "%2e%2e/%2e%2e/main.py", "nothing.js"):
        assert (await client.get(f"/static/graphiql/{path}")).status_code == 404, path


async def test_graphql_still_answers_json_and_get_queries(client: httpx.AsyncClient):
    r = await client.get("/graphql", params={"query": "{ __typename }"}, headers=HTML)
    assert r.json() == {"data": {"__typename": "Query"}}
    r = await client.post("/graphql", json={"query": "{ __typename }"})
    assert r.json() == {"data": {"__typename": "Query"}}


def vendor_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor_graphiql",
                                                  ROOT / "tools" / "vendor_graphiql.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_vendored_files_match_the_pinned_versions():
    """What is committed under app/static/graphiql/ is what tools/vendor_graphiql.py pins:
    each file's SHA-384, and the manifest the page is built from."""
    tool = vendor_tool()
    assert tool.check() == []
    assert tool.DEST == explorer.STATIC_DIR
    for name, asset in explorer.assets().items():
        assert sri(asset.path.read_bytes()) == asset.sri, name
    pinned = {p.name: p.version for p in tool.PACKAGES}
    assert pinned == {"react": "18.2.0", "react-dom": "18.2.0", "graphiql": "3.8.3",
                      "@graphiql/plugin-explorer": "1.0.2"}


def test_vendored_files_are_package_data():
    """A non-editable install ships them: pyproject lists them as package data."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = config["package-data"]["app"]
    files = {p.relative_to(ROOT / "app").as_posix()
             for p in explorer.STATIC_DIR.rglob("*") if p.is_file()}
    unmatched = {f for f in files if not any(fnmatch(f, pattern) and
                                             f.count("/") == pattern.count("/")
                                             for pattern in patterns)}
    assert not unmatched


# ---------------------------------------------------------------- the browser test

RESULT = """() => {
  const el = document.querySelector(".result-window .CodeMirror");
  return el && el.CodeMirror ? el.CodeMirror.getValue() : "";
}"""


SUBSCRIPTION = """subscription {
  certificateEvents(id: %d) { certificateId status stage lastError changed }
}"""
PROBLEM = {"type": "casp:unavailable", "detail": "the CA is away"}


async def requested_certificate(client: httpx.AsyncClient, token: str) -> int:
    r = await client.post("/api/v1/domains.php", headers=bearer(token),
                          json={"domain": "explorer.example", "verification_method": "dns-01"})
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/certificates.php", headers=bearer(token), json={
        "domains": ["explorer.example"], "ca_provider": "letsencrypt"})
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


@pytest.mark.slow  # Chromium
async def test_explorer_runs_a_query_and_a_subscription_with_the_network_cut_off(
        settings: Settings):
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import Request, Route, async_playwright

    executable = chromium()
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    socket = f"ws://127.0.0.1:{port}"
    # No worker (the certificate stays queued); no CA reached either (a closed port).
    settings = dataclasses.replace(settings, embedded_worker=False, ca_directories={
        "letsencrypt": f"http://127.0.0.1:{free_port()}/directory"})
    blocked: list[str] = []
    requested: list[str] = []
    problems: list[str] = []

    async def only_casp(route: Route, request: Request) -> None:
        if request.url.startswith(origin + "/"):
            await route.continue_()
        else:
            blocked.append(request.url)
            await route.abort("internetdisconnected")

    started = time.monotonic()
    async with live_casp(settings, port) as client:
        await register(client, email="explorer@example.com")
        token = await login(client, email="explorer@example.com")
        cert_id = await requested_certificate(client, token)  # queued: no worker runs
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=executable, args=OFFLINE)
            try:
                context = await browser.new_context()
                await context.route("**/*", only_casp)
                await context.add_init_script(WATCH_CSP)
                context.on("request", lambda r: requested.append(r.url))
                page = await context.new_page()
                page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
                page.on("console", lambda m: m.type == "error"
                        and problems.append(f"console: {m.text}"))
                page.on("websocket", lambda ws: requested.append(ws.url))

                page.set_default_timeout(15_000)
                try:
                    await page.goto(f"{origin}/graphql")
                    await page.locator(".graphiql-execute-button").wait_for()

                    # The Authorization header, in the Headers editor (pasted: typing would
                    # have CodeMirror close the braces and quotes itself).
                    await page.locator(".graphiql-editor-tools button", has_text="Headers").click()
                    headers = page.locator(
                        ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
                    await headers.click()
                    await page.keyboard.press("Control+A")
                    await page.keyboard.insert_text(
                        json.dumps({"Authorization": f"Bearer {token}"}))

                    query = page.locator(".graphiql-query-editor .CodeMirror")
                    await query.click()
                    await page.keyboard.press("Control+A")
                    await page.keyboard.insert_text("{ me { email } }")
                    await page.locator(".graphiql-execute-button").click()

                    await page.wait_for_function(f"() => ({RESULT})().includes('data')")
                    result: dict[str, Any] = json.loads(await page.evaluate(RESULT))

                    # A subscription, over the explorer's own WebSocket: the certificate's
                    # state first, then a change as it happens.
                    await query.click()
                    await page.keyboard.press("Control+A")
                    await page.keyboard.insert_text(SUBSCRIPTION % cert_id)
                    # GraphiQL parses the editor's text after a pause, and picks WebSocket or
                    # HTTP from that parse: run before it, the subscription goes by HTTP.
                    await page.wait_for_timeout(1000)
                    await page.locator(".graphiql-execute-button").click()
                    await page.wait_for_function(f"() => ({RESULT})().includes('queued')")
                    told: dict[str, Any] = json.loads(await page.evaluate(RESULT))
                    await save(await Certificate.get(id=cert_id), last_error=PROBLEM)
                    await page.wait_for_function(f"() => ({RESULT})().includes('LAST_ERROR')")
                    changed: dict[str, Any] = json.loads(await page.evaluate(RESULT))
                    await page.locator(".graphiql-execute-button").click()  # stops it

                    # A dialog adds a <style> element: the CSP allows it by its hash.
                    await page.get_by_label("Open settings dialog").click()
                    await page.get_by_text("Clear storage").wait_for()
                    await page.keyboard.press("Escape")
                except PlaywrightError as exc:
                    pytest.fail(f"{exc}\nresult pane: {await page.evaluate(RESULT)}\n"
                                f"requests that left casp: {blocked}\nproblems: {problems}")
                violations = await page.evaluate("window.__cspViolations")
                await context.close()
            finally:
                await browser.close()
    elapsed = time.monotonic() - started

    assert result == {"data": {"me": {"email": "explorer@example.com"}}}
    event = {"certificateId": cert_id, "status": "PENDING", "stage": "queued"}
    assert told == {"data": {"certificateEvents": {**event, "lastError": None,
                                                   "changed": []}}}
    assert changed == {"data": {"certificateEvents": {**event, "lastError": PROBLEM,
                                                      "changed": ["LAST_ERROR"]}}}
    assert blocked == [], f"requests that left casp: {blocked}"
    assert requested and all(url.startswith((origin + "/", socket + "/")) for url in requested
                             ), requested
    assert f"{socket}/graphql" in requested  # the subscription's WebSocket
    assert violations == [], violations
    assert problems == [], problems
    assert elapsed < 60, elapsed
