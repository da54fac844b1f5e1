"""The cost of a page of certificates in SQL: with DataLoaders, listing 100 certificates with
their history and their domain records takes as many queries as listing 10 (one batched
query per loader, not one per certificate)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx

from app.clock import ManualClock
from models.certificate import Certificate, CertificateVersion
from tests.support.graphql import data_of, gql, rest, user

DOMAINS = ("example.com", "shop.example.com", "example.org", "example.net")
NESTED = """query($pp: Int) { certificates(perPage: $pp) { total certificates {
  id domains status
  history { serial issuedAt expiresAt replacedAt }
  domainRecords { id domain verificationMethod instructions } } } }"""
FLAT = """query($pp: Int) { certificates(perPage: $pp) { total certificates {
  id domains status } } }"""



class _Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sql: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Tortoise logs each statement as ("%s: %s", sql, values); scripts as the bare SQL.
        if record.msg == "%s: %s" and record.args:
            self.sql.append(str(record.args[0]))  # type: ignore[index]
        elif not record.args:
            self.sql.append(str(record.msg))


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """The SQL statements Tortoise executes inside the block."""
    logger = logging.getLogger("tortoise.db_client")
    handler = _Statements()
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # thousands of statements need not reach the test's log capture
    logger.addHandler(handler)
    try:
        yield handler.sql
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


async def owner_of(client: httpx.AsyncClient, email: str, count: int,
                   clock: ManualClock) -> tuple[str, int]:
    """A user with DOMAINS and `count` certificates, each with two earlier versions."""
    token = await user(client, email, *DOMAINS)
    uid = (await rest(client, "GET", "/api/v1/account.php", token))["user_id"]
    now = clock.now()
    names = [[f"n{i}.example.com", f"www.n{i}.shop.example.com"] if i % 3 == 0 else
             [f"n{i}.example.org"] if i % 3 == 1 else [f"n{i}.elsewhere.test"]
             for i in range(count)]
    await Certificate.bulk_create([
        Certificate(user_id=uid, domains=n, search_text=" " + " ".join(n) + " ",
                    ca_provider="letsencrypt", challenge_type="dns-01", key_type="ec-256",
                    directory_url="https://acme.example/dir",
                    created_at=now + timedelta(seconds=i), updated_at=now)
        for i, n in enumerate(names)])
    ids = [c.id for c in await Certificate.filter(user_id=uid).order_by("id")]
    await CertificateVersion.bulk_create([
        CertificateVersion(certificate_id=cid, serial=f"{cid:x}-{v}", certificate_pem="PEM",
                           issued_at=now - timedelta(days=180 - 90 * v),
                           expires_at=now - timedelta(days=90 - 90 * v),
                           replaced_at=now - timedelta(days=95 - 90 * v))
        for cid in ids for v in (0, 1)])
    return token, uid


def tables(sql: str) -> set[str]:
    return set(re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', sql, flags=re.IGNORECASE))


async def listed(client: httpx.AsyncClient, query: str, token: str,
                 per_page: int) -> tuple[dict[str, Any], list[str]]:
    with counting_queries() as sql:
        page = data_of(await gql(client, query, token, pp=per_page))["certificates"]
    return page, list(sql)


async def test_a_page_of_100_costs_what_a_page_of_10_costs(quiet: httpx.AsyncClient,
                                                           clock: ManualClock):
    small, _ = await owner_of(quiet, "ten@example.com", 10, clock)
    large, _ = await owner_of(quiet, "hundred@example.com", 100, clock)

    ten, ten_sql = await listed(quiet, NESTED, small, 100)
    hundred, hundred_sql = await listed(quiet, NESTED, large, 100)
    assert (ten["total"], len(ten["certificates"])) == (10, 10)
    assert (hundred["total"], len(hundred["certificates"])) == (100, 100)
    assert len(hundred_sql) == len(ten_sql), "\n".join(hundred_sql)
    # and what the nesting adds is one batched query per loader
    flat, flat_sql = await listed(quiet, FLAT, large, 100)
    assert len(flat["certificates"]) == 100
    assert len(hundred_sql) == len(flat_sql) + 2, "\n".join(hundred_sql)
    assert [tables(q) for q in hundred_sql if tables(q) not in (
        {"users"}, {"certificates"})] == [{"certificate_versions"}, {"domains"}]


async def test_the_batched_answers_belong_to_their_certificates(quiet: httpx.AsyncClient,
                                                                clock: ManualClock):
    token, _ = await owner_of(quiet, "owner@example.com", 100, clock)
    other, _ = await owner_of(quiet, "other@example.com", 3, clock)  # their domains: not ours
    page, _ = await listed(quiet, NESTED, token, 100)
    assert [c["id"] for c in page["certificates"]] == sorted(
        (c["id"] for c in page["certificates"]), reverse=True)  # newest first
    own = {d["domain"]: d["id"] for d in (await rest(quiet, "GET", "/api/v1/domains.php",
                                                     token))["domains"]}
    for cert in page["certificates"]:
        assert [h["serial"] for h in cert["history"]] == [f"{cert['id']:x}-1",
                                                          f"{cert['id']:x}-0"]
        covering = sorted({d for n in cert["domains"] for d in DOMAINS
                           if n == d or n.endswith("." + d)})
        assert [(r["domain"], r["id"]) for r in cert["domainRecords"]] == [
            (d, own[d]) for d in covering]
        assert all(r["verificationMethod"] == "DNS_01" for r in cert["domainRecords"])
    by_kind = {len(c["domainRecords"]) for c in page["certificates"]}
    assert by_kind == {0, 1, 2}  # elsewhere.test: none; example.org: one; the pair: two
    theirs, _ = await listed(quiet, NESTED, other, 100)
    assert {r["id"] for c in theirs["certificates"] for r in c["domainRecords"]}.isdisjoint(
        own.values())


async def test_the_token_is_looked_up_once_however_many_root_fields(
        quiet: httpx.AsyncClient, clock: ManualClock):
    token, _ = await owner_of(quiet, "roots@example.com", 3, clock)
    query = "{ " + " ".join(f"a{i}: certificates {{ total }}" for i in range(30)) + " }"
    with counting_queries() as sql:
        result = data_of(await gql(quiet, query, token))
    assert {page["total"] for page in result.values()} == {3}
    # one look-up: the rate limiter's (is the token real?) serves the request's user too
    assert sum(tables(q) == {"users"} for q in sql) == 1, "\n".join(sql)


async def test_a_rest_request_looks_its_token_up_once(quiet: httpx.AsyncClient,
                                                      clock: ManualClock):
    """The rate limiter's look-up (is the token real?) is the endpoint's user too; a made-up
    token is refused after one look-up as well."""
    token, _ = await owner_of(quiet, "rest@example.com", 3, clock)
    for bearer, status in ((token, 200), ("casp_made-up", 401)):
        with counting_queries() as sql:
            r = await quiet.get("/api/v1/certificates.php",
                                headers={"Authorization": f"Bearer {bearer}"})
        assert r.status_code == status, r.text
        assert sum(tables(q) == {"users"} for q in sql) == 1, "\n".join(sql)
    assert r.json()["error"] == {"code": "UNAUTHORIZED",
                                 "message": "Invalid or revoked API token"}
