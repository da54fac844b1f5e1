"""Deliveries as the tests receive them: a real HTTP server on loopback taking webhooks
(Receiver) and their signature checked, casp's settings for mail to an Smtp and webhooks to
loopback, and polling until the background worker got there."""

from __future__ import annotations

import asyncio
import dataclasses
import email.message
import hashlib
import hmac
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.config import Settings
from tests.support.http import QuietHandler
from tests.support.mail import Smtp


@dataclass
class Hit:
    path: str
    headers: email.message.Message
    body: bytes


@dataclass
class Receiver:
    """What a real HTTP server on 127.0.0.1 got: each POST; it answers the next scripted
    status (200 once the script is used up)."""

    statuses: list[int] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    port: int = 0

    def handler(self) -> type[QuietHandler]:
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.hits.append(Hit(self.path, self.headers, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
        return Handler

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/casp?team=ops"


def signed(hit: Hit, secret: str) -> bool:
    """Whether the webhook's X-Casp-Signature is the HMAC of its body with `secret`."""
    expected = "sha256=" + hmac.new(secret.encode(), hit.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, hit.headers["X-Casp-Signature"])


def casp(settings: Settings, smtp: Smtp, **overrides: Any) -> Settings:
    return dataclasses.replace(
        settings, smtp_url=f"smtp://127.0.0.1:{smtp.port}?starttls=0",
        mail_from="casp <noreply@casp.test>", rate_limit="1000/minute",
        webhook_allow_private=True, **overrides)


async def eventually(check: Callable[[], Any], within: float = 15) -> Any:
    """Poll until check() (or what it awaits) is truthy: the worker runs in the background."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"not reached within {within} s")
