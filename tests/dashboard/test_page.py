"""GET / serves the dashboard's page: its language from Accept-Language, a strict CSP,
only casp's own files with their integrity, and nothing else under /static/dashboard/."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import httpx
import pytest

from app import dashboard
from app.assets import sri

ROOT = Path(__file__).resolve().parents[2]


def loads(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)" integrity="([^"]+)"',
                      html)


async def test_page_is_html_with_a_strict_policy(client: httpx.AsyncClient):
    r = await client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = dict(part.strip().split(" ", 1) for part in r.headers["content-security-policy"]
               .split(";"))
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["connect-src"] == "'self' ws://testserver wss://testserver"
    assert csp["frame-ancestors"] == "'none'" and csp["base-uri"] == "'none'"
    assert csp["img-src"] == "'self'" and csp["form-action"] == "'none'"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-frame-options"] == "DENY"
    assert "<style" not in r.text and " style=" not in r.text
    assert re.findall(r"<script(?![^>]*\bsrc=)", r.text) == []  # no inline script
    assert "http://" not in r.text and "https://" not in r.text  # no CDN, no other host


@pytest.mark.parametrize(("header", "lang"), [
    ("", "en"), ("en-US,en;q=0.9", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    ("zh-TW", "zh-CN"), ("fr-FR,zh;q=0.5,en;q=0.4", "zh-CN"), ("en;q=0.9,zh;q=0.8", "en"),
    ("de, ja", "en"), ("zh;q=0", "en"), ("zh;q=nonsense, en", "en"), ("*", "en"),
])
async def test_language_follows_accept_language(client: httpx.AsyncClient, header: str,
                                                lang: str):
    r = await client.get("/", headers={"Accept-Language": header} if header else {})
    assert f'<html lang="{lang}">' in r.text
    assert r.headers["content-language"] == lang
    assert "accept-language" in r.headers["vary"].lower()
    assert ("正在加载" in r.text) == (lang == "zh-CN")


async def test_files_carry_their_integrity_and_are_cached_by_version(
        client: httpx.AsyncClient):
    page = (await client.get("/")).text
    found = loads(page)
    assert [url.split("?")[0] for url, _ in found] == ["/static/dashboard/app.css",
                                                        "/static/dashboard/app.js"]
    for url, integrity in found:
        r = await client.get(url, headers={"Accept-Encoding": "identity"})
        assert r.status_code == 200 and sri(r.content) == integrity
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        again = await client.get(url, headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304
        zipped = await client.get(url, headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["content-encoding"] == "gzip"
    js = (await client.get(found[1][0])).text
    assert 'new URL("graphql",document.baseURI)' in js  # the one API it speaks
    assert "/api/v1" not in js  # never the REST door


async def test_only_the_bundle_is_served(client: httpx.AsyncClient):
    for path in ("/static/dashboard/", "/static/dashboard/../../config.py",
                 "/static/dashboard/app.js.map", "/static/dashboard/index.html"):
        r = await client.get(path)
        assert r.status_code == 404, path
    stale = await client.get("/static/dashboard/app.js?v=old")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"


async def test_page_behind_a_path_prefix_names_its_files_under_it():
    html = dashboard.page("en", "/casp")
    assert all(url.startswith("/casp/static/dashboard/") for url, _ in loads(html))


def test_bundle_is_package_data():
    """A non-editable install (the Docker image) ships the bundle: pyproject lists it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = config["package-data"]["app"]
    files = [p.relative_to(ROOT / "app").as_posix()
             for p in dashboard.STATIC_DIR.iterdir() if p.is_file()]
    assert sorted(p.name for p in dashboard.STATIC_DIR.iterdir()) == sorted(dashboard.FILES)
    assert all(any(fnmatch(f, pattern) and f.count("/") == pattern.count("/")
                   for pattern in patterns) for f in files), (files, patterns)
