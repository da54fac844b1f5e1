"""Events about a user, across processes: certificate changes for live subscribers, and the
retirement of the user's API tokens for their open WebSockets.

The certificates service publishes each change a user would care about (status, stage,
last error, renewal moment: app/services/certificates/saving.py); the accounts service
publishes a token retirement; every API process fans them out to the subscribers it holds.
The job queue publishes a jobs-queued signal (no user's, no job's), on which every worker
process looks for work at once instead of at its next poll.
The transport (CASP_EVENTS) is the engine already running: Redis pub/sub, PostgreSQL
LISTEN/NOTIFY, or, for one process, memory."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, fields
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from app.config import Settings

log = logging.getLogger(__name__)
CHANNEL = "casp_events"  # PostgreSQL's: NOTIFY reaches only the same database's listeners
QUEUE_SIZE = 256  # per subscriber; a subscriber that falls this far behind loses the oldest


CERTIFICATE = "certificate"  # a certificate changed (see CHANGES)
# What a certificate event reports, in the order the GraphQL enum CertificateChange lists them.
CHANGES = ("status", "stage", "last_error", "renew_at")
TOKENS_RETIRED = "tokens_retired"  # every token the user held before now is retired
# New jobs are due: every worker looks for them now instead of at its next poll. The signal
# names no user and no job (user 0 is nobody; no subscriber ever receives it).
JOBS_QUEUED = "jobs_queued"


@dataclass(frozen=True)
class UserEvent:
    user_id: int
    certificate_id: int = 0
    status: str = ""
    stage: str = ""
    at: str = ""  # ISO 8601
    kind: str = CERTIFICATE
    last_error: dict[str, Any] | None = None  # the CA's problem document
    renew_at: str | None = None  # ISO 8601; None without auto-renew
    changed: tuple[str, ...] = ()  # of CHANGES; empty: the state as it is (on subscribe)

    @classmethod
    def tokens_retired(cls, user_id: int) -> UserEvent:
        return cls(user_id, kind=TOKENS_RETIRED)

    @classmethod
    def jobs_queued(cls) -> UserEvent:
        return cls(0, kind=JOBS_QUEUED)

    def dumps(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | bytes) -> UserEvent:
        """Fields this version does not know are dropped: during a rolling upgrade, a newer
        process's events still reach an older one's subscribers."""
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        data["changed"] = tuple(data.get("changed", ()))
        return cls(**{k: v for k, v in data.items() if k in known})


class EventBus:
    """In-process fan-out; subclasses carry events between processes."""

    def __init__(self) -> None:
        self._subscribers: dict[int, set[asyncio.Queue[UserEvent]]] = defaultdict(set)
        self._listening: asyncio.Task[None] | None = None
        self._wakers: list[Callable[[], None]] = []

    async def publish(self, event: UserEvent) -> None:
        self.deliver(event)

    async def jobs_queued(self) -> None:
        """Tell the workers of every process of this install that new jobs are due."""
        await self.publish(UserEvent.jobs_queued())

    async def watch_jobs(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever a process queues jobs (a worker's wake-up). Called again, it
        restarts a listener that has ended (a connection lost): the worker does at each
        idle poll, so a lost signal costs one poll interval at most."""
        if wake not in self._wakers:
            self._wakers.append(wake)
        await self._ensure_listening()

    def deliver(self, event: UserEvent) -> None:
        if event.kind == JOBS_QUEUED:
            for wake in self._wakers:
                wake()
            return
        for queue in list(self._subscribers.get(event.user_id, ())):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribe(self, user_id: int) -> AsyncIterator[asyncio.Queue[UserEvent]]:
        await self._ensure_listening()
        queue: asyncio.Queue[UserEvent] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers[user_id].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[user_id].discard(queue)
            if not self._subscribers[user_id]:
                del self._subscribers[user_id]

    async def _ensure_listening(self) -> None:
        """Start the cross-process listener at the first subscriber, once per process."""
        if self._listening is None or self._listening.done():
            if self._listening is not None and not self._listening.cancelled() and (
                    ended := self._listening.exception()) is not None:
                log.warning("the event listener ended (%s); listening again", ended)
            ready = asyncio.get_running_loop().create_future()
            self._listening = asyncio.create_task(self._listen(ready), name="events")
            await ready

    async def _listen(self, ready: asyncio.Future[None]) -> None:
        ready.set_result(None)

    async def close(self) -> None:
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listening
            self._listening = None


def redis_channel(install: str) -> str:
    """One install's Redis channel (crypto.install_id): pub/sub is global to a Redis server,
    and two installs sharing one would hear each other's events."""
    return f"{CHANNEL}:{install}"


class RedisBus(EventBus):
    def __init__(self, url: str, channel: str) -> None:
        super().__init__()
        from redis import asyncio as aioredis

        self._redis = aioredis.from_url(url)
        self.channel = channel

    async def publish(self, event: UserEvent) -> None:
        await self._redis.publish(self.channel, event.dumps())

    async def _listen(self, ready: asyncio.Future[None]) -> None:
        pubsub = self._redis.pubsub()
        try:
            await pubsub.subscribe(self.channel)
            ready.set_result(None)
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    self.deliver(UserEvent.loads(message["data"]))
        finally:
            if not ready.done():
                ready.set_result(None)
            await pubsub.aclose()

    async def close(self) -> None:
        await super().close()
        await self._redis.aclose()


class PostgresBus(EventBus):
    """NOTIFY through the app's own connection pool; LISTEN on one connection of its own."""

    def __init__(self, dsn: str) -> None:
        super().__init__()
        self._dsn = dsn

    async def publish(self, event: UserEvent) -> None:
        from tortoise import connections

        await connections.get("default").execute_query(
            "SELECT pg_notify($1, $2)", [CHANNEL, event.dumps()])

    async def _listen(self, ready: asyncio.Future[None]) -> None:
        import asyncpg

        connection = None
        try:
            connection = await asyncpg.connect(self._dsn)
            await connection.add_listener(CHANNEL, self._on_notify)
            ready.set_result(None)
            await asyncio.Event().wait()  # until cancelled
        finally:
            if not ready.done():
                ready.set_result(None)
            if connection is not None:
                await connection.close()

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        self.deliver(UserEvent.loads(payload))


def _dsn(database_url: str) -> str:
    """asyncpg's DSN from Tortoise's URL: Tortoise's own options (?maxsize=...) dropped."""
    parts = urlsplit(database_url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


def make_bus(settings: Settings, install: str) -> EventBus:
    """CASP_EVENTS: auto (Redis when the rate limits use it, else PostgreSQL when the
    database is, else memory), memory, postgres, or a redis:// URL."""
    choice = settings.events.strip()
    if choice == "auto":
        if settings.rate_limit_storage.startswith(("redis://", "rediss://")):
            choice = settings.rate_limit_storage
        elif settings.database_url.startswith(("postgres://", "postgresql://")):
            choice = "postgres"
        else:
            choice = "memory"
    if choice == "memory":
        return EventBus()
    if choice == "postgres":
        return PostgresBus(_dsn(settings.database_url))
    return RedisBus(choice, redis_channel(install))
