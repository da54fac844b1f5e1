"""domains.php?action=verify and GraphQL's verifyDomain never show what casp's resolver found
unless it is public: a user must not map private DNS through them. A private address (or an
IPv6 one that carries IPv4) is reported as "does not point at a public address"; a CNAME
that is not the expected one is never named; a public address that was fetched is shown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from app.services.domains import checks as domain_checks
from tests.support.app import OfflineAcme, quiet_settings, running
from tests.support.graphql import data_of, gql, rest, user
from tests.support.lookup import answering
from tests.support.rest import login

DOMAINS = "/api/v1/domains.php"
VERIFY = "mutation($id: Int!) { verifyDomain(id: $id) { ok verification } }"
ZONE = "acme.casp.test"


@pytest.fixture
async def delegating(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """No worker, no private targets, dns-01 delegation set up."""
    ready = quiet_settings(settings, dns_zone=ZONE, dns_update_server="127.0.0.1:5353",
                           dns_tsig_key="hmac-sha256:casp:c2VjcmV0c2VjcmV0c2VjcmV0",
                           allow_private_targets=False)
    async with running(ready, clock, acme=OfflineAcme()) as c:
        yield c


async def both_doors(client: httpx.AsyncClient, name: str,
                     method: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(the domain as added, the REST report, the GraphQL report) of one verification each."""
    token = await user(client, "checks@example.com")
    added = await rest(client, "POST", DOMAINS, token,
                       body={"domain": name, "verification_method": method})
    r = await rest(client, "POST", f"{DOMAINS}?action=verify", token, body={"id": added["id"]})
    g = data_of(await gql(client, VERIFY, token, id=added["id"]))["verifyDomain"]
    return added, r["verification"], g["verification"]


def setup_checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's checks of the domain's setup (the ownership check is tested apart)."""
    return [c for c in report["checks"] if c["check"] != "ownership"]


@pytest.mark.parametrize("address", [
    "10.0.0.1", "127.0.0.1", "169.254.169.254", "100.64.0.1", "fd00::1", "::1",
    "64:ff9b::a00:1", "2002:a00:1::1", "::ffff:10.0.0.1", "fec0::1", "64:ff9b::808:808",
])
async def test_a_private_address_is_not_shown(delegating: httpx.AsyncClient, address: str,
                                              monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(domain_checks, "lookup", answering(address))
    _, r, g = await both_doors(delegating, "www.example.com", "http-01")
    for report in (r, g):
        assert report["ok"] is False
        assert setup_checks(report) == [{"check": "http-01", "ok": False, "detail":
                                     "www.example.com does not point at a public address"}]
        assert address not in str(report)


async def test_a_public_address_is_shown(delegating: httpx.AsyncClient,
                                         monkeypatch: pytest.MonkeyPatch):
    async def unreachable(*args: Any, **kwargs: Any) -> httpx.Response:
        raise httpx.ConnectError("connection refused")  # no internet in tests: as if down

    monkeypatch.setattr(domain_checks, "lookup", answering("93.184.215.14", "10.0.0.1"))
    monkeypatch.setattr(domain_checks, "fetch", unreachable)
    _, r, g = await both_doors(delegating, "www.example.com", "http-01")
    for report in (r, g):
        [check] = setup_checks(report)
        assert check["ok"] is False and check["detail"].startswith(
            "cannot fetch http://www.example.com/.well-known/acme-challenge/... at "
            "93.184.215.14:")
        assert "10.0.0.1" not in str(report)


@pytest.mark.parametrize("seen", ["db.internal.corp", "10-0-0-1.rev.corp.example.com"])
async def test_another_cname_is_not_named(delegating: httpx.AsyncClient, seen: str,
                                          monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(domain_checks, "lookup", answering(cname=seen))
    added, r, g = await both_doors(delegating, "example.com", "dns-01")
    target = added["instructions"]["record"]["value"]
    for report in (r, g):
        assert setup_checks(report) == [{"check": "cname", "ok": False, "detail":
                                     f"create _acme-challenge.example.com CNAME {target} "
                                     "(a CNAME to another name was found)"}]
        assert seen not in str(report)


async def test_no_cname_and_the_expected_one_are_said(delegating: httpx.AsyncClient,
                                                     monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(domain_checks, "lookup", answering())
    added, r, g = await both_doors(delegating, "example.com", "dns-01")
    target = added["instructions"]["record"]["value"]
    assert setup_checks(r)[0]["detail"] == setup_checks(g)[0]["detail"] == (
        f"create _acme-challenge.example.com CNAME {target} (no CNAME was found)")
    monkeypatch.setattr(domain_checks, "lookup", answering(cname=target))
    token = await login(delegating, "checks@example.com")
    g = data_of(await gql(delegating, VERIFY, token, id=added["id"]))["verifyDomain"]
    assert g["ok"] is True and setup_checks(g["verification"])[0]["detail"] == (
        f"_acme-challenge.example.com CNAME {target}")
