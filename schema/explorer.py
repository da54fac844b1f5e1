"""The GraphiQL explorer that a browser's GET /graphql opens, and the files it loads.

Every script and style comes from casp itself, under /static/graphiql/ (app/static/graphiql/,
vendored from npm by tools/vendor_graphiql.py, with VERSIONS.json listing each file and its
SHA-384), so the explorer works with no internet access. The page has no inline script or
style: its Content-Security-Policy allows this origin only, and each file is loaded with its
subresource integrity.
"""

from __future__ import annotations

import functools
import html
import json
from importlib import resources
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from app.assets import PAGE_HEADERS, Asset, serve, socket_sources

STATIC_DIR = Path(str(resources.files("app"))) / "static" / "graphiql"
PREFIX = "/static/graphiql"
MANIFEST = "VERSIONS.json"
# casp's own files, loaded after the vendored ones (their URLs carry a digest: ?v=...).
OWN_STYLES = ("explorer.css",)
OWN_SCRIPTS = ("explorer.js",)

# GraphiQL's dialogs (settings, short keys) lock the page's scrolling with a <style> element
# that react-remove-scroll-bar adds; with explorer.css (no body margin, no scrollbar) its
# text is always the same, so its hash is allowed rather than 'unsafe-inline'.
SCROLL_LOCK_STYLE = "'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='"


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
        found[name] = Asset.own(path)
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
    connect = ["'self'", *socket_sources(request)]
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
        "Content-Security-Policy": content_security_policy(request), **PAGE_HEADERS})


async def asset(request: Request) -> Response:
    """GET /static/graphiql/{name}: a file the page loads (app/assets.serve)."""
    return await serve(request, assets().get(request.path_params["name"]))


def assets_route() -> Route:
    return Route(PREFIX + "/{name:path}", asset, methods=["GET"], name="graphiql-static")
