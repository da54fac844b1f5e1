"""A DNS that never answers costs a look-up CASP_DNS_TIMEOUT_SECONDS, not more: the manual
dns-01 checks and the domain checks hold a worker slot (or a request) that long at most."""

from __future__ import annotations

import time

import pytest

from app.config import Settings
from app.services.domains.dns import DnsError, Lookup
from tests.support.dns import SilentDns


def test_the_timeout_is_a_setting():
    settings = Settings.from_env({"CASP_DNS_TIMEOUT_SECONDS": "2",
                                  "CASP_DNS_RESOLVER": "127.0.0.1:5300"})
    lookup = Lookup.of(settings)
    assert (lookup.resolver.lifetime, lookup.resolver.timeout) == (2, 1)
    assert lookup.resolver.nameservers == ["127.0.0.1"] and lookup.resolver.port == 5300
    assert Settings.from_env({}).dns_timeout_seconds == 3


async def test_a_dns_that_never_answers_fails_within_the_timeout():
    with SilentDns() as silent:
        lookup = Lookup(silent.address, timeout=1)
        for check in (lookup.txt("_acme-challenge.example.com"),
                      lookup.wait_txt("_acme-challenge.example.com", {"v"}, within=2.0)):
            started = time.monotonic()
            with pytest.raises(DnsError, match=r"_acme-challenge\.example\.com TXT"):
                await check
            assert time.monotonic() - started < 1.5
        assert silent.queries == 4  # twice per look-up: a lost datagram is asked again
