"""The image's HEALTHCHECK (the slim image has no curl): GET /healthz of `casp serve`.

Only a container running `casp serve` has an HTTP port to ask. For `casp worker` and
`casp migrate` this passes: a worker that dies exits, and its restart policy brings it back.
The port is `serve --port` when given, else CASP_PORT, else 8000.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path


def command_line() -> list[str]:
    """The arguments of the container's main process (also under `init: true`)."""
    try:
        raw = Path("/proc/1/cmdline").read_bytes()
    except OSError:
        return ["serve"]
    return [arg.decode(errors="replace") for arg in raw.split(b"\0") if arg]


def address(args: list[str]) -> str:
    port = os.environ.get("CASP_PORT") or "8000"
    host = os.environ.get("CASP_HOST") or "127.0.0.1"
    for i, arg in enumerate(args):
        if arg in ("--port", "--host") and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith(("--port=", "--host=")):
            arg, value = arg.split("=", 1)
        else:
            continue
        if arg == "--port":
            port = value
        else:
            host = value
    if host in ("", "0.0.0.0", "::", "[::]"):  # noqa: S104 (listening everywhere: ask loopback)
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/healthz"


def main() -> int:
    args = command_line()
    if "serve" not in args:
        return 0
    url = address(args)
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 (http to itself)
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
    except OSError as exc:
        print(f"{url}: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"{url}: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
