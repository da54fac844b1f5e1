"""When to renew: with one third of the lifetime left (90 days: at 30; 45: at 15; 6: at 2),
a little earlier at random so that many certificates do not reach a CA in the same second;
never automatically sooner than a floor after the certificate came (a CA whose window opened
30 s after each issuance had a client renew every 30 s); and after a failure, exponential
backoff from 1 hour, doubling, to at most 24 hours."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

JITTER = 0.05  # up to 5 % of the lifetime earlier
FIRST_RETRY = timedelta(hours=1)
MAX_RETRY = timedelta(hours=24)


def renew_at(not_before: datetime, not_after: datetime,
             rng: random.Random | None = None) -> datetime:
    lifetime = not_after - not_before
    due = not_after - lifetime / 3
    early = (rng or random).uniform(0, JITTER) * lifetime.total_seconds()
    return due - timedelta(seconds=early)


def floor(received: datetime, not_before: datetime, not_after: datetime,
          min_interval: timedelta) -> datetime:
    """The earliest automatic renewal of a certificate received at `received`: the minimum
    interval (CASP_MIN_RENEWAL_INTERVAL_SECONDS), at most a third of the lifetime so that a
    certificate living only hours still renews with time to spare."""
    return received + min(min_interval, (not_after - not_before) / 3)


def retry_delay(failures: int) -> timedelta:
    """After the n-th failure in a row: 1 h, 2 h, 4 h, ... never more than 24 h. The doubling
    stops at 32 h (capped to 24): past 35 failures the factor would overflow a timedelta, and
    an expired certificate with auto-renew fails about once a day for as long as it lasts."""
    return min(MAX_RETRY, FIRST_RETRY * (1 << min(max(0, failures - 1), 5)))
