"""Timing probes for the issuance benchmark: wrap casp's async steps (in this process only,
the app's files are untouched) and record when each ran, to show where an issuance's time goes.
"""

from __future__ import annotations

import functools
import inspect
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from acme import client as acme_lib

from app.acme import client as acme_client
from app.jobs import queue
from app.services.certificates import acme_accounts, challenges, issuance


@dataclass(frozen=True)
class Span:
    label: str
    start: float  # time.perf_counter()
    end: float


# (module or class, attribute, label, keep the span only when the result passes this test)
_PROBES: list[tuple[Any, str, str, Callable[[Any], bool] | None]] = [
    (queue, "claim", "job claimed", bool),
    (issuance, "run_issuance", "job total", None),
    (issuance, "ensure_key", "key + CSR", None),
    (acme_accounts, "account_for", "account lookup", None),
    (acme_client.AcmeSession, "open", "directory", None),
    (acme_client.AcmeSession, "register", "account registration", None),
    (acme_client.AcmeSession, "place_order", "new order", None),
    (challenges.IssuanceHooks, "order_created", "save order url", None),
    (challenges.IssuanceHooks, "publish", "publish http-01 answer", None),
    (acme_client.AcmeSession, "answer", "answer challenge", None),
    (acme_client.AcmeSession, "poll_authorization", "answer -> authz valid", None),
    (challenges.IssuanceHooks, "unpublish", "unpublish answer", None),
    (acme_client.AcmeSession, "finalize", "finalize + download", None),
    (issuance, "_issued", "save issued", None),
    (queue, "complete", "job complete", None),
    (acme_client, "run", "ACME round trips (sum)", None),
    (acme_lib.ClientNetwork, "_send_request", "HTTP to Pebble, in thread (sum)", None),
    (acme_client, "_wait", "poll sleeps (sum)", None),
]


@dataclass
class Probes:
    spans: list[Span] = field(default_factory=list)
    _undo: list[tuple[Any, str, Any]] = field(default_factory=list)

    def install(self) -> None:
        """Before the app starts: the worker picks `run_issuance` up when it is built."""
        for owner, attr, label, keep in _PROBES:
            original = getattr(owner, attr)
            setattr(owner, attr, self._timed(original, label, keep))
            self._undo.append((owner, attr, original))

    def remove(self) -> None:
        while self._undo:
            owner, attr, original = self._undo.pop()
            setattr(owner, attr, original)

    def _timed(self, fn: Callable[..., Any], label: str,
               keep: Callable[[Any], bool] | None) -> Callable[..., Any]:
        def record(start: float, result: Any) -> None:
            if keep is None or keep(result):  # list.append is atomic: threads may record too
                self.spans.append(Span(label, start, time.perf_counter()))

        if not inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            def timed_sync(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                result = fn(*args, **kwargs)
                record(start, result)
                return result
            return timed_sync

        @functools.wraps(fn)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            result = await fn(*args, **kwargs)
            record(start, result)
            return result
        return timed

    def clear(self) -> None:
        self.spans.clear()

    def window(self, start: float, end: float) -> list[Span]:
        return [s for s in self.spans if start <= s.start <= end]


def p90(ordered: list[float]) -> float:
    """Nearest-rank 90th percentile of sorted values."""
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def breakdown(windows: list[tuple[float, list[Span]]]) -> list[dict[str, Any]]:
    """Per label, over the issuances given as (POST time, spans): median start offset from the
    POST, median time spent (summed when a step runs more than once) and median call count."""
    rows = []
    for _, _, label, _ in _PROBES:
        offsets, totals, counts = [], [], []
        for posted, spans in windows:
            mine = [s for s in spans if s.label == label]
            if mine:
                offsets.append(min(s.start for s in mine) - posted)
                totals.append(sum(s.end - s.start for s in mine))
                counts.append(len(mine))
        if totals:
            rows.append({"step": label, "starts_at_s": round(statistics.median(offsets), 4),
                         "seconds": round(statistics.median(totals), 4),
                         "calls": statistics.median(counts), "seen_in": len(totals)})
    return rows


def per_call(spans: list[Span], certificates: int) -> list[dict[str, Any]]:
    """Per label, over many issuances at once: calls per certificate, median and p90 call time."""
    rows = []
    for _, _, label, _ in _PROBES:
        times = sorted(s.end - s.start for s in spans if s.label == label)
        if times:
            rows.append({"step": label, "calls_per_cert": round(len(times) / certificates, 2),
                         "median_s": round(statistics.median(times), 4),
                         "p90_s": round(p90(times), 4)})
    return rows
