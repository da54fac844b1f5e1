"""Small HTTP(S) servers on loopback, each in a thread, for tests of outbound requests."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler],
            tls: ssl.SSLContext | None = None) -> Iterator[ThreadingHTTPServer]:
    """Serve on 127.0.0.1 (a free port: server_address[1]) until the block ends, then close
    the socket (warnings are errors, so nothing may be left open)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
