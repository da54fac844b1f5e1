"""CPU per request with no socket and no uvicorn: casp's ASGI app called directly.

    .venv/bin/python bench/inprocess.py [N] [list|detail|gql|401 ...]

The bench/api.py data (one user, 1,000 certificates) in a fresh data directory; each request
kind N times (1,000) one after another, after 200 warm-up requests, best of three rounds, as
microseconds of process CPU a request. Run it from a checkout's root to measure that checkout
(its app, its migrations): the way docs/benchmarks.md compares a baseline with main in one
run. Pin it (`taskset -c 0`) on a quiet machine."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, os.getcwd())
from bench import api as bench_api

GRAPHQL = json.dumps({"query": bench_api.GRAPHQL_LIST}).encode()
CASES: dict[str, tuple[str, str, str, bool, bytes]] = {
    "list": ("GET", bench_api.CERTS, f"page=1&per_page={bench_api.PER_PAGE}", True, b""),
    "detail": ("GET", bench_api.CERTS, "id={detail}", True, b""),
    "gql": ("POST", "/graphql", "", True, GRAPHQL),
    "401": ("GET", bench_api.CERTS, "", False, b""),
}


def scope(method: str, path: str, query: str, token: str | None, body: bytes) -> dict[str, Any]:
    headers = [(b"host", b"bench")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if body:
        headers += [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": query.encode(), "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80)}


async def one(app: Any, request: dict[str, Any], body: bytes) -> int:
    sent: list[dict[str, Any]] = []
    given = False

    async def receive() -> dict[str, Any]:
        nonlocal given
        if given:
            await asyncio.sleep(3600)  # no disconnect while the answer is written
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(dict(request), receive, send)
    return int(sent[0]["status"])


async def measure(n: int, kinds: list[str], data: Path, fixture: Any) -> None:
    os.environ.update({"CASP_DATA_DIR": str(data), "CASP_RATE_LIMIT": "100000000/minute",
                       "CASP_EMBEDDED_WORKER": "false", "CASP_LOG_LEVEL": "WARNING"})
    from app.config import Settings
    from app.main import create_app

    app = create_app(Settings.from_env())
    logging.getLogger().setLevel(logging.WARNING)
    async with app.router.lifespan_context(app):
        for kind in kinds:
            method, path, query, auth, body = CASES[kind]
            request = scope(method, path, query.format(detail=fixture.detail_id),
                            fixture.token if auth else None, body)
            for _ in range(200):
                status = await one(app, request, body)
            best = float("inf")
            for _ in range(3):
                started = time.process_time()
                for _ in range(n):
                    await one(app, request, body)
                best = min(best, (time.process_time() - started) / n * 1e6)
            print(f"{kind}: {best:.1f} µs a request (status {status})", flush=True)


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    data = Path(tempfile.mkdtemp(prefix="casp-inprocess-")) / "data"
    fixture = bench_api.prepare(data, 7, None)  # runs its own event loop
    asyncio.run(measure(n, sys.argv[2:] or list(CASES), data, fixture))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
