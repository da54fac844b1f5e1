"""certificates(order: ...): NEWEST by default (newest request first), EXPIRES_SOONEST the
soonest not-after first with those without one (pending, failed) last; both end on the id, so
pages neither overlap nor skip."""

from __future__ import annotations

from datetime import timedelta

import httpx

from app.clock import ManualClock
from models.certificate import Certificate
from tests.support.graphql import data_of, gql, rest, user

LIST = """query($order: CertificateOrder, $page: Int, $pp: Int, $status: CertificateStatus) {
  certificates(order: $order, page: $page, perPage: $pp, status: $status) {
    total page perPage pages certificates { id expiresAt status } } }"""

# (days to expiry or None, status), in the order they are requested
MADE = [(40, "issued"), (None, "pending"), (5, "issued"), (-3, "expired"), (None, "failed"),
        (5, "issued"), (90, "issued"), (None, "pending")]


async def _owner(client: httpx.AsyncClient, clock: ManualClock) -> tuple[str, list[int]]:
    token = await user(client, "order@example.com", "example.com")
    uid = (await rest(client, "GET", "/api/v1/account.php", token))["user_id"]
    now = clock.now()
    ids = []
    for i, (days, status) in enumerate(MADE):
        cert = await Certificate.create(
            user_id=uid, domains=[f"n{i}.example.com"], search_text=f" n{i}.example.com ",
            ca_provider="letsencrypt", challenge_type="dns-01", key_type="ec-256",
            directory_url="https://acme.example/dir", status=status,
            expires_at=None if days is None else now + timedelta(days=days),
            created_at=now + timedelta(minutes=i), updated_at=now)
        ids.append(cert.id)
    return token, ids


def _expected_soonest(ids: list[int]) -> list[int]:
    dated = sorted(((d, -i) for i, (d, _) in zip(ids, MADE, strict=True) if d is not None))
    undated = sorted((i for i, (d, _) in zip(ids, MADE, strict=True) if d is None),
                     reverse=True)
    return [-i for _, i in dated] + undated


async def _all_pages(client: httpx.AsyncClient, token: str, order: str | None,
                     per_page: int) -> list[int]:
    seen: list[int] = []
    page = 1
    while True:
        got = data_of(await gql(client, LIST, token, order=order, page=page, pp=per_page))
        listing = got["certificates"]
        assert listing["total"] == len(MADE)
        assert listing["pages"] == -(-len(MADE) // per_page)
        seen += [c["id"] for c in listing["certificates"]]
        if page >= listing["pages"]:
            return seen
        page += 1


async def test_newest_is_the_default(quiet: httpx.AsyncClient, clock: ManualClock):
    token, ids = await _owner(quiet, clock)
    default = await _all_pages(quiet, token, None, 100)
    assert default == list(reversed(ids))
    assert await _all_pages(quiet, token, "NEWEST", 100) == default


async def test_expires_soonest_first_and_undated_last(quiet: httpx.AsyncClient,
                                                      clock: ManualClock):
    token, ids = await _owner(quiet, clock)
    got = data_of(await gql(quiet, LIST, token, order="EXPIRES_SOONEST", pp=100))
    rows = got["certificates"]["certificates"]
    assert [c["id"] for c in rows] == _expected_soonest(ids)
    assert rows[0]["status"] == "EXPIRED"  # expired three days ago: the most urgent
    dated = [c["expiresAt"] for c in rows if c["expiresAt"]]
    assert dated == sorted(dated) and len(dated) == 5
    assert all(c["expiresAt"] is None for c in rows[5:])
    # a tie (two expire in 5 days) is broken by the id, newest first
    tie = [c["id"] for c in rows[1:3]]
    assert tie == sorted(tie, reverse=True)


async def test_paging_is_stable_in_both_orders(quiet: httpx.AsyncClient, clock: ManualClock):
    token, ids = await _owner(quiet, clock)
    for order, expected in (("EXPIRES_SOONEST", _expected_soonest(ids)),
                            ("NEWEST", list(reversed(ids)))):
        for per_page in (1, 3, 5):
            assert await _all_pages(quiet, token, order, per_page) == expected, (order, per_page)


async def test_the_order_combines_with_filters(quiet: httpx.AsyncClient, clock: ManualClock):
    token, ids = await _owner(quiet, clock)
    got = data_of(await gql(quiet, LIST, token, order="EXPIRES_SOONEST", status="ISSUED",
                            pp=100))["certificates"]
    assert got["total"] == 4
    days = [MADE[ids.index(c["id"])][0] for c in got["certificates"]]
    assert days == [5, 5, 40, 90]


async def test_an_unknown_order_is_refused(quiet: httpx.AsyncClient, clock: ManualClock):
    token, _ = await _owner(quiet, clock)
    result = await gql(quiet, LIST.replace("$order: CertificateOrder", "$order: String"),
                       token, order="OLDEST")
    assert result.get("errors")
