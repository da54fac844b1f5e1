"""The process-wide objects services need (settings, clock, crypto, limiter, mailer).

create_app builds one Runtime and installs it for the lifetime of the app; services read it
with current(), so they stay free of Starlette and Strawberry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from app.clock import Clock
from app.config import Settings
from app.crypto import SecretBox, load_or_create_secret
from app.mail import Mailer, make_mailer
from app.passwords import Passwords
from app.ratelimit import Limiter

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    box: SecretBox
    passwords: Passwords
    limiter: Limiter
    mailer: Mailer
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None,
              mailer: Mailer | None = None) -> Runtime:
        secret = load_or_create_secret(settings.data_dir, settings.secret_key)
        return cls(
            settings=settings,
            clock=clock or Clock(),
            box=SecretBox(secret),
            passwords=Passwords(settings),
            limiter=Limiter(settings),
            mailer=mailer or make_mailer(settings.smtp_url, settings.outbox_dir,
                                         settings.mail_from),
        )

    def spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> None:
        """Run work after the answer is sent; a failure is logged, never shown to a client."""
        task = asyncio.create_task(coro, name=what)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work %r failed", task.get_name(), exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for background work (shutdown, and tests that read its results)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


_current: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("no casp runtime installed (create_app's lifespan does it)")
    return _current
