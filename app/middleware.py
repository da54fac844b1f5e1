"""Pure ASGI middleware: request ids and the last-resort 500, body size, rate limiting.

No door and no service is imported here: an error met before the doors is answered by the
`refuse` renderer that app/main.py hands each middleware (the door of the request's path
renders it), and the caller's identity comes from app/auth.py's Authenticate, which runs
before these."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import header, identity_of
from app.errors import AppError, ServerError, ValidationFailed
from app.logs import request_id
from app.ratelimit import Decision
from app.runtime import current

log = logging.getLogger("casp.request")
# Renders an AppError raised before any door, in the shape of the request's door.
Refuse = Callable[[Scope, AppError], Response]


def _add_headers(message: Message, headers: dict[str, str]) -> None:
    message.setdefault("headers", [])
    message["headers"] = [*message["headers"],
                          *((k.lower().encode(), v.encode()) for k, v in headers.items())]


class HttpMiddleware:
    """Pure ASGI middleware for HTTP requests: other scopes (lifespan, WebSocket) and the
    requests `applies` turns down pass straight through to the app."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.applies(scope):
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    def applies(self, scope: Scope) -> bool:
        return True

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class RefusingMiddleware(HttpMiddleware):
    """One that may answer a request itself, with an error in the shape of the request's
    door: `refuse` is the renderer app/main.py hands it."""

    def __init__(self, app: ASGIApp, *, refuse: Refuse):
        super().__init__(app)
        self._render = refuse

    async def refuse(self, scope: Scope, send: Send, exc: AppError,
                     headers: dict[str, str] | None = None) -> None:
        response = self._render(scope, exc)
        response.headers.update(headers or {})

        async def no_body() -> Message:
            return {"type": "http.disconnect"}
        await response(scope, no_body, send)


class RequestContext(RefusingMiddleware):
    """Gives each request an id (X-Request-ID) and turns anything unexpected into a
    SERVER_ERROR envelope carrying that id; the traceback goes to the log only. A client
    that disconnects before its body is read (Starlette's ClientDisconnect) is a line at
    INFO, without a traceback."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        rid = uuid.uuid4().hex
        token = request_id.set(rid)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                _add_headers(message, {"X-Request-ID": rid})
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:  # the client left (mid-body): nobody to answer, no error
            log.info("client disconnected during %s %s (request id %s)", scope.get("method"),
                     scope.get("path"), rid)
        except Exception:
            log.exception("unhandled error on %s %s (request id %s)", scope.get("method"),
                          scope.get("path"), rid)
            if not started:
                error = ServerError(f"Internal server error (request id {rid})",
                                    details={"request_id": rid})
                await self.refuse(scope, send, error, {"X-Request-ID": rid})
        finally:
            request_id.reset(token)


class _BodyTooLarge(Exception):
    """Raised from BodyLimit's receive. Not an AppError, so that REST's exception handlers
    let it through to BodyLimit, which answers in the shape of the path (HttpMiddleware.refuse)."""


class BodyLimit(RefusingMiddleware):
    """Stops reading a request body past CASP_MAX_BODY_BYTES with a VALIDATION_ERROR."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = current().settings.max_body_bytes
        too_big = ValidationFailed(f"The request body is larger than {limit} bytes")
        declared = header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            await self.refuse(scope, send, too_big)
            return
        seen, started = 0, False

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, capped, watched)
        except _BodyTooLarge:
            if started:  # nothing left to say: RequestContext logs it
                raise
            await self.refuse(scope, send, too_big)


class RateLimit(RefusingMiddleware):
    """One budget per API token (or client IP) over /api and /graphql together; the
    X-RateLimit-* headers go on every answer there."""

    PREFIXES = ("/api/", "/graphql")

    def applies(self, scope: Scope) -> bool:
        return bool(scope["path"].startswith(self.PREFIXES))

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client") or ("unknown", 0)
        key = identity_of(scope).bucket(client[0])
        decision: Decision = await current().limiter.hit_api(key)
        if not decision.allowed:
            await self.refuse(scope, _with_headers(send, decision.headers()),
                              decision.refusal())
            return
        await self.app(scope, receive, _with_headers(send, decision.headers()))


def _with_headers(send: Send, headers: dict[str, str]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            _add_headers(message, headers)
        await send(message)
    return wrapped
