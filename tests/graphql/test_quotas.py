"""Per-user quotas (CASP_QUOTA_*), refused alike by REST and GraphQL: domains held and
certificates pending at once (VALIDATION_ERROR on the field, with the quota and its number),
orders an hour (RATE_LIMIT_EXCEEDED with retry_after). One user's quota is not another's.
The app runs without its worker, so certificates stay pending unless a test issues one."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from tests.support.app import OfflineAcme, quiet_settings, running
from tests.support.graphql import data_of, error_of, gql, make_issued, rest, rest_error, user
from tests.support.rest import bearer

CERTS = "/api/v1/certificates.php"
DOMAINS = "/api/v1/domains.php"
ADD_DOMAIN = "mutation($d: String!) { addDomain(domain: $d) { id } }"
REQUEST = """mutation($d: [String!]!) { requestCertificate(domains: $d,
  caProvider: LETSENCRYPT) { id } }"""
RENEW = "mutation($id: Int!) { renewCertificate(id: $id) { finished } }"


async def quota_app(settings: Settings, clock: ManualClock,
                    **quotas: int) -> AsyncIterator[httpx.AsyncClient]:
    limits = {"quota_domains": 2, "quota_pending_certificates": 2,
              "quota_orders_per_hour": 3} | quotas
    quiet = quiet_settings(settings, renew_wait_seconds=0, **limits)
    async with running(quiet, clock, acme=OfflineAcme()) as c:
        yield c


@pytest.fixture
async def client(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    async for c in quota_app(settings, clock):
        yield c


async def same_refusal(client: httpx.AsyncClient, token: str, query: str,
                       variables: dict[str, Any], path: str, body: dict[str, Any],
                       status: int) -> dict[str, Any]:
    """Both doors refuse with the same code, message and details; REST's error."""
    g = error_of(await gql(client, query, token, **variables))
    code, r = await rest_error(client, "POST", path, token, body=body)
    assert code == status and g["extensions"]["code"] == r["code"]
    assert seconds_out(g["message"]) == seconds_out(r["message"])
    g_details = {k: v for k, v in g["extensions"].items() if k != "code"}
    assert seconds_out(g_details) == seconds_out(r["details"])
    return dict(r)


def seconds_out(value: Any) -> Any:
    """The same refusal a second apart says "try again in" one second less."""
    if isinstance(value, dict):
        return {k: None if k == "retry_after" else v for k, v in value.items()}
    return re.sub(r"in \d+ s", "in N s", value)


async def test_the_domain_quota_is_refused_by_both(client: httpx.AsyncClient):
    token = await user(client, "d@example.com", "a.example.com", "b.example.com")
    error = await same_refusal(client, token, ADD_DOMAIN, {"d": "c.example.com"}, DOMAINS,
                               {"domain": "c.example.com"}, 400)
    assert error["code"] == "VALIDATION_ERROR"
    assert error["message"] == ("domain quota reached: at most 2 domains per account; "
                                "delete one you no longer use first")
    assert error["details"] == {"quota": "domains", "limit": 2,
                                "fields": {"domain": error["message"]}}
    other = await user(client, "other@example.com", "a.example.com", "b.example.com")
    assert other  # another user's domains count apart
    listed = await rest(client, "GET", DOMAINS, token)
    await rest(client, "DELETE", DOMAINS, token, params={"id": listed["domains"][0]["id"]})
    assert data_of(await gql(client, ADD_DOMAIN, token, d="c.example.com"))["addDomain"]


async def test_the_pending_quota_is_refused_by_both(client: httpx.AsyncClient):
    token = await user(client, "p@example.com", "example.com")
    first = await rest(client, "POST", CERTS, token, status=201,
                       body={"ca_provider": "letsencrypt", "domains": ["example.com"]})
    data_of(await gql(client, REQUEST, token, d=["www.example.com"]))
    error = await same_refusal(client, token, REQUEST, {"d": ["x.example.com"]}, CERTS,
                               {"ca_provider": "letsencrypt", "domains": ["x.example.com"]},
                               400)
    assert error["message"] == ("pending certificate quota reached: at most 2 certificates "
                                "pending at once; wait for some to finish or delete them")
    assert error["details"] == {"quota": "pending_certificates", "limit": 2,
                                "fields": {"domains": error["message"]}}
    await make_issued(first["id"])  # no longer pending: room for one more
    assert data_of(await gql(client, REQUEST, token, d=["x.example.com"]))


async def test_orders_an_hour_count_requests_and_renewals_in_both(client: httpx.AsyncClient):
    token = await user(client, "o@example.com", "example.com")
    cert = await rest(client, "POST", CERTS, token, status=201,
                      body={"ca_provider": "letsencrypt", "domains": ["example.com"]})
    await make_issued(cert["id"])
    await rest(client, "POST", f"{CERTS}?action=renew", token, body={"id": cert["id"]},
               status=202)
    assert data_of(await gql(client, RENEW, token, id=cert["id"]))  # the third order
    error = await same_refusal(client, token, RENEW, {"id": cert["id"]},
                               f"{CERTS}?action=renew", {"id": cert["id"]}, 429)
    assert error["code"] == "RATE_LIMIT_EXCEEDED"
    assert re.fullmatch(r"order quota reached: at most 3 certificate requests and renewals "
                        r"an hour; try again in \d+ s", error["message"])
    assert error["details"]["quota"] == "orders_per_hour" and error["details"]["limit"] == 3
    assert 1 <= error["details"]["retry_after"] <= 3600
    r = await client.post(CERTS, headers=bearer(token),
                          json={"ca_provider": "letsencrypt", "domains": ["www.example.com"]})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # another user's orders count apart
    other = await user(client, "o2@example.com", "example.com")
    await rest(client, "POST", CERTS, other, status=201,
               body={"ca_provider": "letsencrypt", "domains": ["example.com"]})


async def test_a_refused_request_spends_no_order(client: httpx.AsyncClient):
    token = await user(client, "s@example.com", "example.com")
    for name in ("example.com", "www.example.com"):
        await rest(client, "POST", CERTS, token, status=201,
                   body={"ca_provider": "letsencrypt", "domains": [name]})
    for _ in range(3):  # over the pending quota: refused before the order is counted
        code, _ = await rest_error(client, "POST", CERTS, token, body={
            "ca_provider": "letsencrypt", "domains": ["x.example.com"]})
        assert code == 400
    listed = await rest(client, "GET", CERTS, token)
    await make_issued(listed["certificates"][0]["id"])
    await rest(client, "POST", CERTS, token, status=201,
               body={"ca_provider": "letsencrypt", "domains": ["x.example.com"]})


async def test_zero_turns_the_quotas_off(settings: Settings, clock: ManualClock):
    async for client in quota_app(settings, clock, quota_domains=0,
                                  quota_pending_certificates=0, quota_orders_per_hour=0):
        names = [f"d{i}.example.com" for i in range(4)]
        token = await user(client, "z@example.com", *names)
        for name in names:
            await rest(client, "POST", CERTS, token, status=201,
                       body={"ca_provider": "letsencrypt", "domains": [name]})
