"""Pure ASGI middleware: request ids and the last-resort 500, body size and read time, rate
limiting.

No door and no service is imported here: an error met before the doors is answered by the
`refuse` renderer that app/main.py hands each middleware (the door of the request's path
renders it), and the caller's identity comes from app/auth.py's Authenticate, which runs
before these."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable

from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import header, identity_of
from app.errors import AppError, BodyTimeout, ServerError, ValidationFailed
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
        rid = os.urandom(16).hex()  # 32 hex digits, as uuid4().hex, without the UUID object
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


class _BodyRefused(Exception):
    """Raised from BodyLimit's receive (a body too large or too slow). Not an AppError, so that
    REST's exception handlers let it through to BodyLimit, which answers in the shape of the
    path (RefusingMiddleware.refuse)."""

    def __init__(self, error: AppError):
        super().__init__(error.message)
        self.error = error


class BodyLimit(RefusingMiddleware):
    """Stops reading a request body past CASP_MAX_BODY_BYTES (400), or when all of it has not
    arrived CASP_BODY_TIMEOUT_SECONDS after the app first asked for it (408): a client that
    trickles its body no longer holds a connection and a task for as long as it likes. Both
    are VALIDATION_ERRORs."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings = current().settings
        declared = header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
            await self.refuse(scope, send, _too_big(settings.max_body_bytes))
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        body = _guarded(receive, settings.max_body_bytes, settings.body_timeout_seconds)
        try:
            await self.app(scope, body, watched)
        except _BodyRefused as exc:
            if started:  # nothing left to say: RequestContext logs it
                raise
            await self.refuse(scope, send, exc.error)


def _too_big(limit: int) -> ValidationFailed:
    return ValidationFailed(f"The request body is larger than {limit} bytes")


def _guarded(receive: Receive, limit: int, seconds: int) -> Receive:
    """`receive` that raises _BodyRefused past `limit` bytes of body, or when the body is not
    complete `seconds` after the first read. Once it is, reads (the wait for a disconnect
    that streaming answers do) have no deadline."""
    seen, deadline, done = 0, 0.0, False

    async def guarded() -> Message:
        nonlocal seen, deadline, done
        if done:
            return await receive()
        deadline = deadline or asyncio.get_running_loop().time() + seconds
        try:
            async with asyncio.timeout_at(deadline):
                message = await receive()
        except TimeoutError:
            raise _BodyRefused(BodyTimeout(seconds)) from None
        seen += len(message.get("body", b""))
        if seen > limit:
            raise _BodyRefused(_too_big(limit))
        done = message["type"] != "http.request" or not message.get("more_body", False)
        return message
    return guarded


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
