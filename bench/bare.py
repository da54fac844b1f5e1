"""The framework's ceiling for bench/api.py: one bare Starlette JSON endpoint (GET /), no
middleware, no database, served exactly as `casp serve` serves casp (uvicorn.run in one
process, loop and HTTP parser "auto", so uvloop and httptools with uvicorn[standard], no log
config, proxy headers on, casp's logging set up at CASP_LOG_LEVEL).

    .venv/bin/python bench/bare.py --port 8001
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from app import logs  # noqa: E402
from app.config import Settings  # noqa: E402

# About the size of casp's own small answers (the envelope around a few fields).
BODY = {"success": True, "message": "ok", "data": {"id": 1, "status": "issued",
                                                    "domains": ["www.example.com"]}}


async def hello(request: Request) -> JSONResponse:
    return JSONResponse(BODY)


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/", hello, methods=["GET"]),
                        Route("/healthz", healthz, methods=["GET"])])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    logs.configure(settings.log_level, settings.log_format)
    # The options of app/cli.py's cmd_serve, the app object instead of the factory string.
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, proxy_headers=True,
                forwarded_allow_ips=settings.forwarded_allow_ips)
    return 0


if __name__ == "__main__":
    sys.exit(main())
