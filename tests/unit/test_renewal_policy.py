"""When to renew and to warn, from the lifetime; the backoff after failures."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from app.services.certificates.renewal_policy import (
    crossed,
    floor,
    next_warning,
    renew_at,
    retry_delay,
    warning_at,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


# certbot 4: one third of the lifetime left, one half under 10 days (Let's Encrypt's
# six-day "shortlived": 160 hours, renewed with 80 left)
@pytest.mark.parametrize(("lifetime", "left"), [
    (timedelta(days=90), timedelta(days=30)), (timedelta(days=45), timedelta(days=15)),
    (timedelta(days=10), timedelta(days=10) / 3), (timedelta(days=10, seconds=-1),
                                                    timedelta(days=5, seconds=-0.5)),
    (timedelta(hours=160), timedelta(hours=80)), (timedelta(days=6), timedelta(days=3))])
def test_renewal_with_a_third_or_under_ten_days_a_half_of_the_lifetime_left(
        lifetime: timedelta, left: timedelta):
    rng = random.Random(1)
    for _ in range(200):
        at = renew_at(T0, T0 + lifetime, rng)
        remaining = T0 + lifetime - at
        assert left <= remaining <= left + lifetime * 0.05


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


def test_warnings_of_a_90_day_certificate_at_14_7_3_1_days():
    end = T0 + timedelta(days=90)
    assert [end - warning_at(T0, end, d) for d in (14, 7, 3, 1)] == [
        timedelta(days=d) for d in (14, 7, 3, 1)]


def test_warnings_of_a_six_day_certificate_at_the_same_shares_of_its_lifetime():
    end = T0 + timedelta(days=6)
    assert [end - warning_at(T0, end, d) for d in (14, 7, 3, 1)] == [
        timedelta(hours=22, minutes=24), timedelta(hours=11, minutes=12),
        timedelta(hours=4, minutes=48), timedelta(hours=1, minutes=36)]


def test_a_longer_lifetime_warns_no_earlier_than_14_7_3_1_days():
    end = T0 + timedelta(days=398)
    assert [end - warning_at(T0, end, d) for d in (14, 7, 3, 1)] == [
        timedelta(days=d) for d in (14, 7, 3, 1)]


def test_next_warning_and_the_one_crossed():
    end = T0 + timedelta(hours=160)
    first = next_warning(T0, end)
    assert first == warning_at(T0, end, 14) and end - first == timedelta(hours=24, minutes=53)
    assert next_warning(T0, end, 14) == warning_at(T0, end, 7)
    assert next_warning(T0, end, 1) is None
    assert crossed(T0, end, first - timedelta(seconds=1)) is None
    assert crossed(T0, end, first) == 14
    assert crossed(T0, end, end - timedelta(hours=2)) == 3  # 7 and 3 passed while asleep


def test_the_persist_warning_comes_14_days_ahead_or_now_when_a_renewal_is_later():
    from app.services.certificates.renewal_policy import persist_warning_at

    until, now = T0 + timedelta(days=100), T0
    assert persist_warning_at(until, False, True, T0 + timedelta(days=60), now) == (
        until - timedelta(days=14))
    assert persist_warning_at(until, False, True, until, now) == now  # renewal refused then
    assert persist_warning_at(until, False, False, until, now) == until - timedelta(days=14)
    assert persist_warning_at(until, True, True, until, now) is None  # warned once
    assert persist_warning_at(None, False, True, until, now) is None
