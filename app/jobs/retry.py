"""How many times a job is tried and how long it waits in between: shared by the worker and
by the tasks that choose their own retries (issuance, renewal), which need not import the
worker for it."""

from __future__ import annotations

MAX_ATTEMPTS = 8


def backoff(attempts: int, base: float = 2.0, cap: float = 300.0) -> float:
    """2 s after the first attempt, doubling with each, at most 5 minutes."""
    return min(cap, base * (1 << max(0, attempts - 1)))
