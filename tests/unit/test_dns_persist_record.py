"""casp's read of a dns-persist-01 record (app/services/certificates/persist.py): which TXT
values answer the CA's challenge, and the reason it gives for each that does not. The flow
itself is tested against Pebble and the stub CA in tests/acme/test_dns_persist.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.acme.interface import Challenge
from app.acme.persist import record_value
from app.services.certificates.persist import Record, judge, parse

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ACCOUNT = "https://ca.example/acme/acct/42"
NAME = "_validation-persist.example.com"


def wanted(wildcard: bool = False) -> Challenge:
    return Challenge(identifier="example.com", type="dns-persist-01", token="",
                     validation=record_value("ca.example", ACCOUNT, wildcard),
                     issuers=("ca.example", "other-name.example"), account_url=ACCOUNT,
                     wildcard=wildcard)


def test_the_value_casp_shows_is_the_one_it_accepts():
    for wildcard in (False, True):
        assert judge({wanted(wildcard).validation}, wanted(wildcard), NOW).ok


@pytest.mark.parametrize(("value", "record"), [
    ("ca.example; accounturi=https://a/1", Record("ca.example", {"accounturi": "https://a/1"})),
    # RFC 8659 separates parameters by spaces too; keys are not case-sensitive
    ("CA.Example.; accounturi=https://a/1 Policy=wildcard persistUntil=5",
     Record("ca.example", {"accounturi": "https://a/1", "policy": "wildcard",
                           "persistuntil": "5"})),
    ("ca.example", Record("ca.example", {})),
    ("ca.example; junk; =x", Record("ca.example", {"": "x"})),
])
def test_parse(value: str, record: Record):
    assert parse(value) == record


@pytest.mark.parametrize("value", ["", " ; accounturi=x", "two words; accounturi=x"])
def test_a_value_naming_no_issuer_is_no_record(value: str):
    assert parse(value) is None


def test_another_issuer_name_of_the_same_ca_counts():
    assert judge({f"other-name.example; accounturi={ACCOUNT}"}, wanted(), NOW).ok


@pytest.mark.parametrize(("values", "reason"), [
    (set(), f"no TXT record at {NAME}"),
    ({"v=spf1 -all", f"letsencrypt.org; accounturi={ACCOUNT}"},
     f"no TXT record at {NAME} names this CA (ca.example, other-name.example)"),
    ({"ca.example; accounturi=https://ca.example/acme/acct/7"},
     f"{NAME} names accounturi=https://ca.example/acme/acct/7, not your ACME account with "
     f"this CA, {ACCOUNT}"),
    ({"ca.example"}, f"{NAME} names accounturi=(none), not your ACME account with this CA, "
                     f"{ACCOUNT}"),
    ({f"ca.example; accounturi={ACCOUNT}; persistUntil=1764547200"},
     f"{NAME} expired: its persistUntil (2025-12-01 00:00 UTC) has passed"),
    ({f"ca.example; accounturi={ACCOUNT}; persistUntil=next-year"},
     f"{NAME}: its persistUntil 'next-year' is not a UNIX timestamp"),
])
def test_each_wrong_record_is_named(values: set[str], reason: str):
    verdict = judge(values, wanted(), NOW)
    assert not verdict.ok and verdict.reason == reason


def test_a_wildcard_needs_the_policy():
    verdict = judge({f"ca.example; accounturi={ACCOUNT}"}, wanted(wildcard=True), NOW)
    assert verdict.reason == f"{NAME} lacks policy=wildcard, which the wildcard " \
                             "*.example.com needs"


def test_this_accounts_record_is_the_reason_before_another_accounts():
    values = {"ca.example; accounturi=https://someone/else",
              f"ca.example; accounturi={ACCOUNT}; persistUntil=1"}
    assert "expired" in judge(values, wanted(), NOW).reason


def test_the_longest_lasting_good_record_decides_the_warning():
    soon, later = NOW + timedelta(days=3), NOW + timedelta(days=300)
    values = {f"ca.example; accounturi={ACCOUNT}; persistUntil={int(t.timestamp())}"
              for t in (soon, later)}
    assert judge(values, wanted(), NOW).until == later
    values.add(f"ca.example; accounturi={ACCOUNT}")  # one without persistUntil lasts
    verdict = judge(values, wanted(), NOW)
    assert verdict.ok and verdict.until is None
