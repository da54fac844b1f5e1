"""Rate limits with `limits`: one budget per API token (or client IP) across REST and GraphQL,
and stricter budgets per email and per IP for the account actions that guessing would use."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerHour, parse
from limits.aio.storage import Storage as AsyncStorage
from limits.storage import storage_from_string

from app.config import Settings
from app.errors import RateLimited

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # epoch seconds when the window ends

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.reset_at - time.time()))

    def refusal(self) -> RateLimited:
        """The error for a request this decision turns away (HTTP and WebSocket alike)."""
        return RateLimited(f"Rate limit of {self.limit} requests exceeded; retry in "
                           f"{self.retry_after} s", retry_after=self.retry_after)

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }


def _async_uri(uri: str) -> str:
    return uri if uri.startswith("async+") else f"async+{uri}"


class Limiter:
    def __init__(self, settings: Settings, install: str = ""):
        uri = _async_uri(settings.rate_limit_storage)
        options: dict[str, str] = {}
        if uri.startswith("async+redis"):
            # redis-py rather than limits' default coredis: one Redis client for all of casp;
            # keys under the install's name (crypto.install_id): buckets are per user id, and
            # ids repeat across installs sharing a Redis, which would share their budgets.
            options = {"implementation": "redispy", "key_prefix": f"casp:{install}"}
        storage = storage_from_string(uri, **options)
        if not isinstance(storage, AsyncStorage):  # "async+" picks limits' asyncio storages
            raise ValueError(f"not an asyncio rate-limit storage: {uri}")
        self.storage = storage
        self.api_limit = parse(settings.rate_limit)
        self._auth_email = parse(settings.auth_rate_limit)
        self._auth_ip = parse(settings.auth_ip_rate_limit)

    async def hit(self, item: RateLimitItem, *key: str) -> Decision:
        """A fixed window, as limits' FixedWindowRateLimiter counts it (incr under the
        window's key), but in two storage calls instead of four: its hit() then
        get_window_stats() read back the count incr had just returned."""
        name = item.key_for(*key)
        try:
            count = await self.storage.incr(name, item.get_expiry(), amount=1)
            reset_at = await self.storage.get_expiry(name)
        except Exception:  # storage down: serving beats limiting; the log says so
            log.warning("rate-limit storage unavailable; request let through", exc_info=True)
            return Decision(True, item.amount, item.amount, time.time() + item.get_expiry())
        return Decision(count <= item.amount, item.amount, max(0, item.amount - count),
                        reset_at)

    async def hit_hourly(self, amount: int, *key: str) -> Decision:
        """A budget of `amount` an hour (the per-user quotas)."""
        return await self.hit(RateLimitItemPerHour(amount), *key)

    async def hit_api(self, key: str) -> Decision:
        return await self.hit(self.api_limit, "api", key)

    async def guard_auth(self, action: str, *, email: str | None, client_ip: str | None) -> None:
        """Raise RateLimited when this email or this IP has tried an account action too often."""
        keys = [(self._auth_ip, f"ip:{client_ip}")] if client_ip else []
        if email:
            keys.append((self._auth_email, f"email:{email.strip().lower()}"))
        for item, key in keys:
            decision = await self.hit(item, "auth", action, key)
            if not decision.allowed:
                raise RateLimited(
                    f"Too many {action} attempts; try again in {decision.retry_after} s",
                    retry_after=decision.retry_after,
                )

    async def close(self) -> None:
        bridge = getattr(self.storage, "bridge", None)
        client = getattr(bridge, "storage", None)
        if client is not None:
            await client.aclose()
