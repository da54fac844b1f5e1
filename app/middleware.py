"""The one pure ASGI layer in front of the routes (`Gateway`): the request id and the
last-resort 500, the request metrics, who is asking, the rate limit, the body's size and read
time. One layer with one `send` wrapper, not five: each layer used to cost a coroutine frame
and a wrapper per message, and together they were 2.4 bare answers on a 401
(docs/benchmarks.md, issue 15).

No door and no service is imported here: an error met before the doors is answered by the
`refuse` renderer app/main.py hands the layer (the door of the request's path renders it),
the metrics by its `observe`, and the caller's identity comes from app/auth.py."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable

from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import bearer_token, header, identify
from app.errors import AppError, BodyTimeout, ServerError, ValidationFailed
from app.logs import request_id
from app.runtime import current

log = logging.getLogger("casp.request")
# Renders an AppError raised before any door, in the shape of the request's door.
Refuse = Callable[[Scope, AppError], Response]
# Records one answered request: the scope (its route), the status sent, seconds taken.
Observe = Callable[[Scope, int, float], None]
CLIENT_CLOSED = 499  # the status of a request whose client left (nginx's)
LIMITED = ("/api/", "/graphql")  # where tokens mean something and the rate limit applies


class Gateway:
    """Every HTTP request, outermost first: an id (X-Request-ID) and anything unexpected
    turned into a SERVER_ERROR envelope carrying it (the traceback to the log only; a client
    that left mid-body is a line at INFO); the caller's identity; one budget per API token
    (or client IP) over /api and /graphql with X-RateLimit-* on every answer there; a body
    cut off past CASP_MAX_BODY_BYTES (400) or not complete CASP_BODY_TIMEOUT_SECONDS after
    the app first asked for it (408); the request counted and timed by `observe`.
    WebSocket scopes under /api and /graphql are identified and passed on; others pass."""

    def __init__(self, app: ASGIApp, *, refuse: Refuse, observe: Observe | None = None):
        self.app, self._render, self._observe = app, refuse, observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket" and scope["path"].startswith(LIMITED):
                await identify(scope, bearer_token(header(scope, b"authorization")))
            await self.app(scope, receive, send)
            return
        rid = os.urandom(16).hex()  # 32 hex digits, as uuid4().hex, without the UUID object
        context = request_id.set(rid)
        began, reply = time.perf_counter(), _Reply(send, rid)
        try:
            await self._handle(scope, receive, reply)
        except ClientDisconnect:  # the client left (mid-body): nobody to answer, no error
            reply.status = CLIENT_CLOSED
            log.info("client disconnected during %s %s (request id %s)", scope.get("method"),
                     scope.get("path"), rid)
        except _BodyRefused as exc:
            if reply.started:  # nothing left to say but the log
                log.warning("%s on %s %s after the answer began (request id %s)",
                            exc.error.message, scope.get("method"), scope.get("path"), rid)
            else:
                await self._refuse(scope, reply, exc.error)
        except Exception:
            log.exception("unhandled error on %s %s (request id %s)", scope.get("method"),
                          scope.get("path"), rid)
            if not reply.started:
                await self._refuse(scope, reply, ServerError(
                    f"Internal server error (request id {rid})", details={"request_id": rid}))
        finally:
            request_id.reset(context)
            if self._observe is not None:
                self._observe(scope, reply.status, time.perf_counter() - began)

    async def _handle(self, scope: Scope, receive: Receive, reply: _Reply) -> None:
        settings = current().settings
        if scope["path"].startswith(LIMITED):
            identity = await identify(scope, bearer_token(header(scope, b"authorization")))
            client = scope.get("client") or ("unknown", 0)
            decision = await current().limiter.hit_api(identity.bucket(client[0]))
            reply.extra.extend(_encoded(decision.headers()))
            if not decision.allowed:
                await self._refuse(scope, reply, decision.refusal())
                return
        declared = header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
            await self._refuse(scope, reply, _too_big(settings.max_body_bytes))
            return
        body = _guarded(receive, settings.max_body_bytes, settings.body_timeout_seconds)
        await self.app(scope, body, reply)

    async def _refuse(self, scope: Scope, send: Send, exc: AppError) -> None:
        response = self._render(scope, exc)

        async def no_body() -> Message:
            return {"type": "http.disconnect"}
        await response(scope, no_body, send)


class _Reply:
    """The one `send` wrapper: adds the request id and the rate-limit headers to the answer's
    start and notes its status."""

    __slots__ = ("extra", "send", "started", "status")

    def __init__(self, send: Send, rid: str):
        self.send, self.started, self.status = send, False, 500
        self.extra: list[tuple[bytes, bytes]] = [(b"x-request-id", rid.encode())]

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started, self.status = True, message["status"]
            message["headers"] = [*message.get("headers", ()), *self.extra]
        await self.send(message)


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode(), v.encode()) for k, v in headers.items()]


class _BodyRefused(Exception):
    """Raised from BodyLimit's receive (a body too large or too slow). Not an AppError, so that
    REST's exception handlers let it through to the Gateway, which answers in the shape of the
    path."""

    def __init__(self, error: AppError):
        super().__init__(error.message)
        self.error = error


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
