"""ACME profiles (draft-ietf-acme-profiles) in front of Pebble 2.4, which has none.

ProfileProxy is an HTTPS reverse proxy for one real Pebble: it forwards every request as it
came (the Host header too, so Pebble writes the proxy's address into every URL it answers
and checks each JWS `url` against it), adds `meta.profiles` to the directory, and records
the payload of each newOrder. It refuses, as a CA with profiles does, a newOrder naming a
profile it does not offer (`invalidProfile`); every other order goes on to Pebble, which
ignores the `profile` field and issues. It can also add more to the directory's meta
(`meta`, e.g. caaIdentities) and refuse every newOrder with a problem of the CA's own
(`refuse_orders`, e.g. rateLimited). Pebble's certificate lifetime is its own setting
(`certificate_validity`), so a test that wants a "shortlived" certificate starts its Pebble
with six days.

DirectoryStub serves a directory and nothing else: enough for the request's checks."""

from __future__ import annotations

import base64
import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from tests.support.pebble import PebbleServer

LETSENCRYPT = {  # as Let's Encrypt's directory describes its profiles
    "classic": "https://letsencrypt.org/docs/profiles#classic",
    "shortlived": "https://letsencrypt.org/docs/profiles#shortlived",
    "tlsserver": "https://letsencrypt.org/docs/profiles#tlsserver",
}
INVALID_PROFILE = "urn:ietf:params:acme:error:invalidProfile"
_RELAYED = ("Content-Type", "Location", "Replay-Nonce", "Link", "Retry-After", "Cache-Control")


def _payload(body: bytes) -> dict[str, Any]:
    """The JSON payload of a flattened JWS (newOrder's body)."""
    encoded = json.loads(body)["payload"]
    return dict(json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))))


@dataclass
class ProfileProxy:
    pebble: PebbleServer
    profiles: dict[str, str] = field(default_factory=lambda: dict(LETSENCRYPT))
    orders: list[dict[str, Any]] = field(default_factory=list)  # each newOrder's payload
    meta: dict[str, Any] = field(default_factory=dict)  # added to the directory's meta
    refuse_orders: str | None = None  # a problem type answering every newOrder
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def directory_url(self) -> str:
        return self.origin + "/dir"

    def __enter__(self) -> ProfileProxy:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _proxy_handler(self))
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certs = self.pebble.workdir / "tls"  # Pebble's listener's, for 127.0.0.1
        tls.load_cert_chain(certs / "cert.pem", certs / "key.pem")
        self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def forward(self, method: str, path: str, host: str, headers: dict[str, str],
                body: bytes) -> tuple[int, dict[str, str], bytes]:
        upstream = f"https://{self.pebble.host}:{self.pebble.port}{path}"
        response = requests.request(method, upstream, data=body or None, timeout=30,
                                    headers=headers | {"Host": host},
                                    verify=self.pebble.ca_bundle)
        kept = {k: response.headers[k] for k in _RELAYED if k in response.headers}
        if method == "GET" and path == "/dir" and response.status_code == 200:
            directory = response.json()
            directory.setdefault("meta", {})["profiles"] = self.profiles
            directory["meta"].update(self.meta)
            return 200, kept, json.dumps(directory).encode()
        return response.status_code, kept, response.content

    def answer(self, method: str, path: str, host: str, headers: dict[str, str],
               body: bytes) -> tuple[int, dict[str, str], bytes]:
        if method == "POST" and path == "/order-plz":
            order = _payload(body)
            self.orders.append(order)
            if self.refuse_orders:
                return self._refuse(host, "refused by the test", self.refuse_orders, 429)
            wanted = order.get("profile")
            if wanted is not None and wanted not in self.profiles:
                return self._refuse(host, f"profile {wanted!r} is not offered")
        return self.forward(method, path, host, headers, body)

    def _refuse(self, host: str, detail: str, kind: str = INVALID_PROFILE,
                status: int = 400) -> tuple[int, dict[str, str], bytes]:
        """A problem document with a fresh nonce from Pebble, as a CA answers one."""
        _, headers, _ = self.forward("HEAD", "/nonce-plz", host, {}, b"")
        problem = {"type": kind, "detail": detail, "status": status}
        return status, {"Content-Type": "application/problem+json",
                     "Replay-Nonce": headers["Replay-Nonce"]}, json.dumps(problem).encode()


@dataclass
class DirectoryStub:
    """An ACME directory over plain HTTP with the given meta (no other endpoint works)."""

    meta: dict[str, Any] = field(default_factory=dict)
    reads: int = 0  # GETs of the directory
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def directory_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/directory"

    def __enter__(self) -> DirectoryStub:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _stub_handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def answer(self, method: str, path: str, host: str, headers: dict[str, str],
               body: bytes) -> tuple[int, dict[str, str], bytes]:
        if path != "/directory":
            return 404, {}, b"{}"
        self.reads += 1
        base = self.directory_url.removesuffix("/directory")
        doc = {name: f"{base}/{name}" for name in (
            "newNonce", "newAccount", "newOrder", "revokeCert", "keyChange")}
        return 200, {}, json.dumps(doc | {"meta": self.meta}).encode()


def _proxy_handler(target: ProfileProxy) -> type[BaseHTTPRequestHandler]:
    return _handler(target.answer)


def _stub_handler(target: DirectoryStub) -> type[BaseHTTPRequestHandler]:
    return _handler(target.answer)


def _handler(answer: Any) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            sent = {k: v for k, v in self.headers.items()
                    if k.lower() in ("content-type", "accept", "user-agent")}
            status, headers, data = answer(self.command, self.path,
                                           self.headers.get("Host", ""), sent, body)
            self.send_response(status)
            headers.setdefault("Content-Type", "application/json")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
