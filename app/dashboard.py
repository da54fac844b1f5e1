"""The web dashboard at GET /: one HTML page and the bundle web/ builds (app/static/dashboard/).

The page speaks only the public GraphQL API; every file it loads is casp's own, with its
integrity, under a Content-Security-Policy that allows this origin only (no inline script
or style at all). Its language is picked from Accept-Language, until the user's switch
(kept in the browser) says otherwise.
"""

from __future__ import annotations

import functools
import html
from importlib import resources
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from app.assets import PAGE_HEADERS, Asset, serve, socket_sources

STATIC_DIR = Path(str(resources.files("app"))) / "static" / "dashboard"
PREFIX = "/static/dashboard"
FILES = ("app.css", "app.js", "favicon.svg")
LOADING = {"en": "Loading casp…", "zh": "正在加载 casp…"}
NOSCRIPT = {
    "en": "casp's dashboard needs JavaScript. The REST API (/api/v1/) and GraphQL (/graphql) "
          "work without it.",
    "zh": "casp 控制台需要启用 JavaScript。REST API（/api/v1/）和 GraphQL（/graphql）"
          "无需浏览器即可使用。",
}


@functools.cache
def assets() -> dict[str, Asset]:
    """The bundle's files: the only paths /static/dashboard/ answers."""
    return {name: Asset.own(STATIC_DIR / name) for name in FILES}


def language(accept_language: str) -> str:
    """"zh" when the reader prefers Chinese to English (RFC 9110 q-values), else "en"."""
    best: tuple[float, int, str] = (-1.0, 0, "en")
    for position, part in enumerate(accept_language.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        lang = tag.strip().lower().split("-")[0]
        if lang in ("zh", "en") and q > 0 and (q, -position) > best[:2]:
            best = (q, -position, lang)
    return best[2]


def url_of(name: str, root_path: str = "") -> str:
    return f"{root_path}{PREFIX}/{name}?v={assets()[name].digest}"


def page(lang: str, root_path: str = "") -> str:
    def attr(value: str) -> str:
        return html.escape(value, quote=True)

    table = assets()
    css, js = table["app.css"], table["app.js"]
    return f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <meta name="color-scheme" content="light">
    <title>casp</title>
    <link rel="icon" type="image/svg+xml" href="{attr(url_of('favicon.svg', root_path))}">
    <link rel="stylesheet" href="{attr(url_of('app.css', root_path))}" integrity="{css.sri}">
    <script src="{attr(url_of('app.js', root_path))}" integrity="{js.sri}" defer></script>
  </head>
  <body>
    <div id="app"><p class="boot">{LOADING[lang]}</p></div>
    <noscript>{NOSCRIPT[lang]}</noscript>
  </body>
</html>
"""


def content_security_policy(request: Request) -> str:
    connect = " ".join(["'self'", *socket_sources(request)])
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        f"connect-src {connect}",
        "base-uri 'none'",
        "form-action 'none'",  # every form is handled by the script, none is posted
        "frame-ancestors 'none'",
    ])


async def page_response(request: Request) -> HTMLResponse:
    lang = language(request.headers.get("accept-language", ""))
    return HTMLResponse(page(lang, request.scope.get("root_path", "")), headers={
        "Content-Security-Policy": content_security_policy(request),
        "Content-Language": "zh-CN" if lang == "zh" else "en",
        "Vary": "Accept-Language",
        **PAGE_HEADERS,
    })


async def asset(request: Request) -> Response:
    """GET /static/dashboard/{name}: a file of the bundle (app/assets.serve)."""
    return await serve(request, assets().get(request.path_params["name"]))


def routes() -> list[Route]:
    return [Route("/", page_response, methods=["GET"], name="dashboard"),
            Route(PREFIX + "/{name:path}", asset, methods=["GET"], name="dashboard-static")]
