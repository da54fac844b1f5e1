"""Pure ASGI middleware: request ids and the last-resort 500, body size, rate limiting."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import AppError, RateLimited, ValidationFailed
from app.logs import request_id
from app.ratelimit import Decision, client_key
from app.rest.envelope import error_body
from app.rest.errors import headers_for
from app.runtime import current
from app.services import accounts
from schema.refusals import error_body as graphql_error_body

log = logging.getLogger("casp.request")


def _header(scope: Scope, name: bytes) -> str | None:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


async def send_json(send: Send, status: int, body: Any, headers: dict[str, str]) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


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


class RequestContext(HttpMiddleware):
    """Gives each request an id (X-Request-ID) and turns anything unexpected into a
    SERVER_ERROR envelope carrying that id; the traceback goes to the log only."""

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
        except Exception:
            log.exception("unhandled error on %s %s (request id %s)", scope.get("method"),
                          scope.get("path"), rid)
            if not started:
                body = error_body("SERVER_ERROR", f"Internal server error (request id {rid})",
                                  {"request_id": rid})
                await send_json(send, 500, body, {"X-Request-ID": rid})
        finally:
            request_id.reset(token)


class _BodyTooLarge(Exception):
    """Raised from BodyLimit's receive. Not an AppError, so that REST's exception handlers
    let it through to BodyLimit, which answers in the shape of the path (see _refuse)."""


class BodyLimit(HttpMiddleware):
    """Stops reading a request body past CASP_MAX_BODY_BYTES with a VALIDATION_ERROR."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = current().settings.max_body_bytes
        too_big = ValidationFailed(f"The request body is larger than {limit} bytes")
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            await _refuse(send, too_big, scope)
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
            await _refuse(send, too_big, scope)


async def _refuse(send: Send, exc: AppError, scope: Scope) -> None:
    if scope.get("path", "").startswith("/graphql"):
        body: Any = graphql_error_body(exc)
    else:
        body = error_body(exc.code, exc.message, exc.details)
    await send_json(send, exc.status, body, headers_for(exc))


class RateLimit(HttpMiddleware):
    """One budget per API token (or client IP) over /api and /graphql together; the
    X-RateLimit-* headers go on every answer there."""

    PREFIXES = ("/api/", "/graphql")

    def applies(self, scope: Scope) -> bool:
        return bool(scope["path"].startswith(self.PREFIXES))

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client") or ("unknown", 0)
        key = client_key(await _known_token(scope), client[0])
        decision: Decision = await current().limiter.hit_api(key)
        if not decision.allowed:
            exc = RateLimited(f"Rate limit of {decision.limit} requests exceeded; retry in "
                              f"{decision.retry_after} s", retry_after=decision.retry_after)
            await _refuse(_with_headers(send, decision.headers()), exc, scope)
            return
        await self.app(scope, receive, _with_headers(send, decision.headers()))


async def _known_token(scope: Scope) -> str | None:
    """The Authorization header when it carries a real token; made-up tokens count against
    the IP, so that inventing tokens does not buy fresh budgets. The user found is kept in
    the request's state for the endpoint (accounts.authenticate_once)."""
    authorization = _header(scope, b"authorization")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        await accounts.authenticate_once(scope, token.strip())
    except AppError:
        return None
    return authorization


def _with_headers(send: Send, headers: dict[str, str]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            _add_headers(message, headers)
        await send(message)
    return wrapped
