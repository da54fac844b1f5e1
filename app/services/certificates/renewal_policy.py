"""When to renew and when to warn, from each certificate's real lifetime (not-after minus
not-before), and the backoff after a failed renewal.

Renewal follows certbot 4: with one third of the lifetime left (90 days: at 30; 45: at 15),
or one half for lifetimes under 10 days (6 days: at 3), a little earlier at random so that
many certificates do not reach a CA in the same second. A CA's renewal window (ARI) replaces
this when it offers one (renewal_info.py). Never automatically sooner than a floor after the
certificate came (a CA whose window opened 30 s after each issuance had a client renew every
30 s). After a failure: exponential backoff from 1 hour, doubling, to at most 24 hours.

Expiry warnings come at 14, 7, 3 and 1 days left on a 90-day lifetime, and at the same
shares of a shorter one (6 days: about 22 h, 11 h, 4 h 48 min, 1 h 36 min); never earlier
than those days for a longer one."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

JITTER = 0.05  # up to 5 % of the lifetime earlier
SHORT_LIFETIME = timedelta(days=10)  # below it, renew at half the lifetime (certbot 4)
FIRST_RETRY = timedelta(hours=1)
MAX_RETRY = timedelta(hours=24)
WARNINGS = (14, 7, 3, 1)  # days left on a 90-day lifetime, latest last
REFERENCE = timedelta(days=90)
PERSIST_WARN_BEFORE = timedelta(days=14)  # a dns-persist-01 record's persistUntil


def renew_at(not_before: datetime, not_after: datetime,
             rng: random.Random | None = None) -> datetime:
    lifetime = not_after - not_before
    due = not_after - (lifetime / 2 if lifetime < SHORT_LIFETIME else lifetime / 3)
    early = (rng or random).uniform(0, JITTER) * lifetime.total_seconds()
    return due - timedelta(seconds=early)


def floor(received: datetime, not_before: datetime, not_after: datetime,
          min_interval: timedelta) -> datetime:
    """The earliest automatic renewal of a certificate received at `received`: the minimum
    interval (CASP_MIN_RENEWAL_INTERVAL_SECONDS), at most a third of the lifetime so that a
    certificate living only hours still renews with time to spare."""
    return received + min(min_interval, (not_after - not_before) / 3)


def warning_at(not_before: datetime, not_after: datetime, days: int) -> datetime:
    """When the warning of `days` is due: that share of the lifetime before not-after (at
    most `days`), to the nearest minute (a CA's lifetime is often a second short of
    whole days)."""
    ahead = min(timedelta(days=days), (not_after - not_before) * days / REFERENCE.days)
    return not_after - timedelta(minutes=round(ahead.total_seconds() / 60))


def next_warning(not_before: datetime, not_after: datetime,
                 sent: int | None = None) -> datetime | None:
    """The first warning after the one of `sent` days (None: none sent yet); None when
    every warning was sent."""
    later = [d for d in WARNINGS if sent is None or d < sent]
    return warning_at(not_before, not_after, later[0]) if later else None


def crossed(not_before: datetime, not_after: datetime, now: datetime) -> int | None:
    """The latest warning due at `now` (days on the 90-day scale), None before the first."""
    due = [d for d in WARNINGS if warning_at(not_before, not_after, d) <= now]
    return min(due) if due else None


def retry_delay(failures: int) -> timedelta:
    """After the n-th failure in a row: 1 h, 2 h, 4 h, ... never more than 24 h. The doubling
    stops at 32 h (capped to 24): past 35 failures the factor would overflow a timedelta, and
    an expired certificate with auto-renew fails about once a day for as long as it lasts."""
    return min(MAX_RETRY, FIRST_RETRY * (1 << min(max(0, failures - 1), 5)))


def persist_warning_at(persist_until: datetime | None, warned: bool, auto_renew: bool,
                       renew_at: datetime | None, now: datetime) -> datetime | None:
    """When to warn that a dns-persist-01 record's persistUntil comes: PERSIST_WARN_BEFORE
    ahead, or now when the next renewal is planned after it (the CA would refuse the
    record then); None once warned, or without a persistUntil. Stored (persist_warn_at) so
    that the sweep reads an index range: comparing renew_at with persist_until in SQL read
    every issued certificate (2.5 s at 1,000,000 on SQLite, docs/benchmarks.md)."""
    if persist_until is None or warned:
        return None
    if auto_renew and renew_at is not None and renew_at >= persist_until:
        return now
    return persist_until - PERSIST_WARN_BEFORE
