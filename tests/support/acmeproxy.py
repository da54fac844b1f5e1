"""Pebble behind a recording HTTPS proxy that can act like another ACME server.

The proxy answers on its own port with Pebble's TLS certificate and forwards each request
to Pebble with the proxy's Host header; Pebble builds its URLs (and checks each signed
request's `url`) from that header, so casp talks to the proxy throughout and Pebble does
all the real work. It records each request's method, path and User-Agent, and with
`strip_errors_from` it leaves `error` out of the challenges of the answers under those
paths: "/authZ/" for the challenges an authorization lists (as acme2certifier does; a
challenge's own URL still answers with its error), and "/chalZ/" too for a CA that never
gives a reason. A `rewrite` hook sees each request and Pebble's answer and may change the
answer: persist.py makes Pebble a dns-persist-01 CA with it."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from tests.support.http import QuietHandler, serving
from tests.support.pebble import PebbleServer

# Not forwarded: the proxy sets its own framing.
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host",
        "accept-encoding", "content-encoding"}


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    user_agent: str


@dataclass
class AcmeProxy:
    pebble: PebbleServer
    strip_errors_from: tuple[str, ...] = ()
    # (method, path, request body, answer body) -> the answer body the client gets
    rewrite: Callable[[str, str, bytes, bytes], bytes] | None = None
    seen: list[Seen] = field(default_factory=list)
    stripped: list[str] = field(default_factory=list)  # paths answered without their errors
    _server: ThreadingHTTPServer | None = None
    _stack: ExitStack = field(default_factory=ExitStack)

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def directory_url(self) -> str:
        return f"https://{self.origin}/dir"

    def __enter__(self) -> AcmeProxy:
        tls = Path(self.pebble.workdir) / "tls"  # Pebble's listener certificate: 127.0.0.1
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls / "cert.pem", tls / "key.pem")
        self._server = self._stack.enter_context(serving(_handler(self), context))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def forward(self, method: str, path: str, headers: dict[str, str],
                body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        self.seen.append(Seen(method, path, headers.get("User-Agent", "")))
        sent = {k: v for k, v in headers.items() if k.lower() not in _HOP}
        response = requests.request(
            method, f"https://127.0.0.1:{self.pebble.port}{path}", data=body or None,
            headers={**sent, "Host": self.origin}, verify=self.pebble.ca_bundle, timeout=30,
            allow_redirects=False)
        content = response.content
        if path.startswith(self.strip_errors_from) and content:
            content = self._strip(path, content)
        if self.rewrite is not None and content:
            content = self.rewrite(method, path, body, content)
        kept = [(k, v) for k, v in response.raw.headers.items() if k.lower() not in _HOP]
        return response.status_code, kept, content

    def _strip(self, path: str, content: bytes) -> bytes:
        """An authorization's challenges, or a challenge itself, without `error`."""
        doc: dict[str, Any] = json.loads(content)
        challenges = doc.get("challenges", [doc])
        if any("error" in c for c in challenges):
            self.stripped.append(path)
        for challenge in challenges:
            challenge.pop("error", None)
        return json.dumps(doc).encode()


def _handler(proxy: AcmeProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def _relay(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, content = proxy.forward(self.command, self.path,
                                                     dict(self.headers.items()), body)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        do_GET = do_POST = do_HEAD = _relay

    return Handler
