"""The GraphiQL explorer that a browser's GET /graphql opens, and the files it loads.

Every script and style comes from casp itself, under /static/graphiql/ (app/static/graphiql/,
vendored from npm by tools/vendor_graphiql.py, with VERSIONS.json listing each file and its
SHA-384), so the explorer works with no internet access. The page has no inline script or
style: its Content-Security-Policy allows this origin only, and each file is loaded with its
subresource integrity.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import html
import json
import re
from base64 import b64encode
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

STATIC_DIR = Path(str(resources.files("app"))) / "static" / "graphiql"
PREFIX = "/static/graphiql"
MANIFEST = "VERSIONS.json"
# casp's own files, loaded after the vendored ones (their URLs carry a digest: ?v=...).
OWN_STYLES = ("explorer.css",)
OWN_SCRIPTS = ("explorer.js",)

CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
IMMUTABLE = "public, max-age=31536000, immutable"
# GraphiQL's dialogs (settings, short keys) lock the page's scrolling with a <style> element
# that react-remove-scroll-bar adds; with explorer.css (no body margin, no scrollbar) its
# text is always the same, so its hash is allowed rather than 'unsafe-inline'.
SCROLL_LOCK_STYLE = "'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='"
# A Host header safe to repeat in the CSP (host, IPv4, [IPv6], optional port).
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


@dataclass(frozen=True)
class Asset:
    path: Path
    sri: str  # "sha384-...": the integrity attribute, and the ETag
    versioned: bool  # the URL names the version (vendored) or carries ?v= (casp's own)

    @property
    def digest(self) -> str:
        """A short, URL-safe form of the SRI for ?v= cache busting."""
        return hashlib.sha256(self.sri.encode()).hexdigest()[:16]


def _sri(data: bytes) -> str:
    return f"sha384-{b64encode(hashlib.sha384(data).digest()).decode()}"


@functools.cache
def manifest() -> dict[str, list[str]]:
    """The page's styles and scripts, in load order, as paths under /static/graphiql/."""
    data = json.loads((STATIC_DIR / MANIFEST).read_text())
    return {"styles": [*data["styles"], *OWN_STYLES],
            "scripts": [*data["scripts"], *OWN_SCRIPTS]}


@functools.cache
def assets() -> dict[str, Asset]:
    """Every file the page loads: the only paths /static/graphiql/ answers."""
    data = json.loads((STATIC_DIR / MANIFEST).read_text())
    found = {}
    for package in data["packages"]:
        for name, entry in package["files"].items():
            if entry["sri"]:  # the licence texts are in the tree, not served
                found[name] = Asset(STATIC_DIR / name, entry["sri"], versioned=True)
    for name in (*OWN_STYLES, *OWN_SCRIPTS):
        path = STATIC_DIR / name
        found[name] = Asset(path, _sri(path.read_bytes()), versioned=False)
    return found


def url_of(name: str, root_path: str = "") -> str:
    asset = assets()[name]
    query = "" if asset.versioned else f"?v={asset.digest}"
    return f"{root_path}{PREFIX}/{name}{query}"


def page(root_path: str = "") -> str:
    def attr(value: str) -> str:
        return html.escape(value, quote=True)

    table = assets()
    styles = "\n".join(
        f'    <link rel="stylesheet" href="{attr(url_of(name, root_path))}"'
        f' integrity="{table[name].sri}">' for name in manifest()["styles"])
    scripts = "\n".join(
        f'    <script src="{attr(url_of(name, root_path))}"'
        f' integrity="{table[name].sri}"></script>' for name in manifest()["scripts"])
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <title>casp GraphQL explorer</title>
    <link rel="icon" href="data:,">
{styles}
  </head>
  <body>
    <div id="graphiql">Loading…</div>
    <noscript>The GraphQL explorer needs JavaScript; POST /graphql works without it.</noscript>
{scripts}
  </body>
</html>
"""


def content_security_policy(request: Request) -> str:
    """This origin only (and one known style element, above); the fonts are data: URLs
    inside GraphiQL's CSS; the fetcher may open a WebSocket to the same host for
    subscriptions."""
    connect = ["'self'"]
    host = request.headers.get("host", "")
    if _HOST.match(host):
        connect += [f"ws://{host}", f"wss://{host}"]
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        f"style-src 'self' {SCROLL_LOCK_STYLE}",
        "img-src 'self' data:",
        "font-src 'self' data:",
        f"connect-src {' '.join(connect)}",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])


def page_response(request: Request) -> HTMLResponse:
    return HTMLResponse(page(request.scope.get("root_path", "")), headers={
        "Content-Security-Policy": content_security_policy(request),
        "Cache-Control": "no-store",  # as every /graphql answer (schema/build.py)
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    })


@functools.cache
def _gzipped(path: Path) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


@functools.cache
def _plain(path: Path) -> bytes:
    return path.read_bytes()


async def asset(request: Request) -> Response:
    """GET /static/graphiql/{name}: a file the page loads, cached for a year when its URL
    names its version, gzipped when the browser takes it (compressed once, kept)."""
    name = request.path_params["name"]
    found = assets().get(name)
    if found is None:
        raise HTTPException(404)
    fresh = found.versioned or request.query_params.get("v") == found.digest
    headers = {
        "Cache-Control": IMMUTABLE if fresh else "no-cache",
        "ETag": f'"{found.sri}"',
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    media_type = CONTENT_TYPES[found.path.suffix]
    if headers["ETag"] in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = await run_in_threadpool(_gzipped, found.path)
        headers["Content-Encoding"] = "gzip"
    else:
        body = await run_in_threadpool(_plain, found.path)
    return Response(body, media_type=media_type, headers=headers)


def assets_route() -> Route:
    return Route(PREFIX + "/{name:path}", asset, methods=["GET"], name="graphiql-static")
