"""When to renew, and the backoff after failures."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from app.services.certificates.renewal_policy import floor, renew_at, retry_delay

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("days", "left"), [(90, 30), (45, 15), (6, 2)])
def test_one_third_of_the_lifetime_left(days: int, left: int):
    rng = random.Random(1)
    for _ in range(200):
        at = renew_at(T0, T0 + timedelta(days=days), rng)
        remaining = T0 + timedelta(days=days) - at
        assert timedelta(days=left) <= remaining <= timedelta(days=left) + timedelta(
            days=days) * 0.05


def test_jitter_spreads_a_thousand_certificates():
    rng = random.Random(7)
    moments = {renew_at(T0, T0 + timedelta(days=90), rng) for _ in range(1000)}
    spread = max(moments) - min(moments)
    assert len(moments) == 1000 and spread > timedelta(days=4)


def test_backoff_doubles_from_an_hour_to_a_day():
    assert [retry_delay(n) for n in range(1, 8)] == [timedelta(hours=h) for h in
                                                     (1, 2, 4, 8, 16, 24, 24)]


def test_retry_delay_stays_at_a_day_after_many_failures():
    # from the 36th failure in a row the doubling overflowed timedelta (OverflowError), so a
    # long-dead certificate could no longer move its renew_at
    assert [retry_delay(n) for n in (5, 6, 36, 1000, 10**6)] == [
        timedelta(hours=16), timedelta(hours=24), timedelta(hours=24), timedelta(hours=24),
        timedelta(hours=24)]


@pytest.mark.parametrize(("lifetime", "expected"), [
    (timedelta(days=90), timedelta(hours=1)),  # the minimum interval
    (timedelta(hours=1), timedelta(minutes=20)),  # a third of a short life at most
])
def test_the_floor_is_the_interval_or_a_third_of_a_short_life(lifetime: timedelta,
                                                              expected: timedelta):
    got = T0 + timedelta(minutes=5)
    assert floor(got, T0, T0 + lifetime, timedelta(hours=1)) == got + expected
