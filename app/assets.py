"""Files casp serves to browsers itself (no CDN): the GraphQL explorer's and the dashboard's.

Each file is known by its SHA-384 (the subresource-integrity value, and the ETag); a URL that
names it (?v=digest) is cached for a year, any other asks again. Gzip is done once per file
and kept.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
from base64 import b64encode
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
IMMUTABLE = "public, max-age=31536000, immutable"
# A Host header safe to repeat in a CSP (host, IPv4, [IPv6], optional port).
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
# Headers every HTML page casp serves carries beside its CSP.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def sri(data: bytes) -> str:
    return f"sha384-{b64encode(hashlib.sha384(data).digest()).decode()}"


@dataclass(frozen=True)
class Asset:
    path: Path
    sri: str  # "sha384-...": the integrity attribute, and the ETag
    versioned: bool  # the URL names the version (vendored) or carries ?v= (casp's own)

    @property
    def digest(self) -> str:
        """A short, URL-safe form of the SRI for ?v= cache busting."""
        return hashlib.sha256(self.sri.encode()).hexdigest()[:16]

    @classmethod
    def own(cls, path: Path) -> Asset:
        return cls(path, sri(path.read_bytes()), versioned=False)


def socket_sources(request: Request) -> list[str]:
    """ws:// and wss:// of the Host the page came from, for a CSP's connect-src (a
    WebSocket to the same origin is not covered by 'self' in every browser)."""
    host = request.headers.get("host", "")
    return [f"ws://{host}", f"wss://{host}"] if _HOST.match(host) else []


@functools.cache
def _gzipped(path: Path) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


@functools.cache
def _plain(path: Path) -> bytes:
    return path.read_bytes()


async def serve(request: Request, found: Asset | None) -> Response:
    """One file: cached for a year when its URL names its version, gzipped when the browser
    takes it, 304 when the browser has it."""
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
