"""A renewalInfo stub for Pebble 2.4, which has none (RFC 9773).

It serves a copy of Pebble's directory with `renewalInfo` pointing at itself, so casp talks
to the real Pebble for everything else, and answers GET renewalInfo/<cert id> with the
window the test sets, recording every certificate id it was asked about and each request's
path and User-Agent."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


@dataclass
class Window:
    start: datetime
    end: datetime
    retry_after: int | None = 3600


@dataclass
class AriStub:
    pebble_directory_url: str
    pebble_ca_bundle: str
    window: Window | None = None  # None: 404, as for a certificate the CA does not know
    asked: list[str] = field(default_factory=list)
    seen: list[tuple[str, str]] = field(default_factory=list)  # (path, User-Agent)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _directory: dict[str, Any] = field(default_factory=dict)

    @property
    def directory_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/directory"

    def __enter__(self) -> AriStub:
        with requests.get(self.pebble_directory_url, verify=self.pebble_ca_bundle,
                          timeout=10) as response:
            self._directory = response.json()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._directory["renewalInfo"] = self.directory_url.replace("/directory",
                                                                    "/renewal-info")
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        if path == "/directory":
            return 200, {}, json.dumps(self._directory).encode()
        if path.startswith("/renewal-info/"):
            self.asked.append(path.removeprefix("/renewal-info/"))
            if self.window is None:
                problem = {"type": "urn:ietf:params:acme:error:malformed",
                           "detail": "unknown certificate"}
                return 404, {"Content-Type": "application/problem+json"}, \
                    json.dumps(problem).encode()
            body = {"suggestedWindow": {"start": _rfc3339(self.window.start),
                                        "end": _rfc3339(self.window.end)}}
            headers = {} if self.window.retry_after is None else {
                "Retry-After": str(self.window.retry_after)}
            return 200, headers, json.dumps(body).encode()
        return 404, {}, b"{}"


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _handler(stub: AriStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            stub.seen.append((self.path, self.headers.get("User-Agent", "")))
            status, headers, body = stub.answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
