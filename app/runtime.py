"""The process-wide objects services need (settings, clock, crypto, limiter, mailer).

create_app builds one Runtime and installs it for the lifetime of the app; services read it
with current(), so they stay free of Starlette and Strawberry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.acme.interface import Acme
from app.acme.issuer import AcmeIssuer
from app.clock import Clock
from app.config import Settings
from app.crypto import SecretBox, install_id, load_or_create_secret
from app.events import EventBus, make_bus
from app.files import tighten
from app.mail import Mailer, make_mailer
from app.passwords import Passwords
from app.ratelimit import Limiter

if TYPE_CHECKING:
    from app.jobs.worker import Worker

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    box: SecretBox
    passwords: Passwords
    limiter: Limiter
    mailer: Mailer
    acme: Acme
    events: EventBus = field(default_factory=EventBus)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    worker: Worker | None = None

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None,
              mailer: Mailer | None = None, acme: Acme | None = None) -> Runtime:
        tighten(settings.data_dir)  # what an older casp left readable by others
        secret = load_or_create_secret(settings.data_dir, settings.secret_key)
        return cls(
            settings=settings,
            clock=clock or Clock(),
            box=SecretBox(secret),
            passwords=Passwords(settings),
            limiter=Limiter(settings, install_id(secret)),
            mailer=mailer or make_mailer(settings.smtp_url, settings.outbox_dir,
                                         settings.mail_from),
            acme=acme or AcmeIssuer(verify=settings.acme_ca_bundle or True),
            events=make_bus(settings, install_id(secret)),
        )

    def wake_worker(self) -> None:
        """New work: the worker in this process looks now instead of at its next poll."""
        if self.worker is not None:
            self.worker.wake.set()

    async def jobs_queued(self) -> None:
        """New jobs are due: the worker in this process looks now, and so do `casp worker`
        processes, told through the event bus (CASP_EVENTS). Never raises: a signal lost
        costs a worker's poll interval at most. Inside a transaction, PostgreSQL's NOTIFY
        is sent when it commits (none if it rolls back)."""
        self.wake_worker()
        try:
            await self.events.jobs_queued()
        except Exception:
            log.warning("could not tell the worker processes of new jobs", exc_info=True)

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
