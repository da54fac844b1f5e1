"""The dashboard's overview in a real browser: the get-started guide of a new user; then,
with certificates issued by Pebble through http-01 (one of them revoked), the counts by
status, the renewal figures, the soonest expiries and the chart of the next 12 weeks'
expiries with its table; in English, in Chinese and at phone width."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from app.config import Settings
from tests.support import require_binary
from tests.support.acme import issue_http01, user_token
from tests.support.browser import (
    axe_violations,
    browser_page,
    csp_violations,
    open_signed_in,
    screenshot,
)
from tests.support.dns import BindServer
from tests.support.graphql import data_of, gql
from tests.support.live import live_casp
from tests.support.pebble import PebbleServer

if TYPE_CHECKING:
    from playwright.async_api import Page

pytestmark = pytest.mark.slow  # Chromium, Pebble, BIND

VALIDITY = timedelta(days=40)  # inside the chart's 12 weeks: in its sixth


@pytest.fixture(scope="module")
def ca(bind_server: BindServer, port: int) -> Iterator[PebbleServer]:
    """This module's Pebble issues for 40 days (the conftest's for five years)."""
    server = PebbleServer(bind_server.address, http_port=port,
                          pebble=require_binary("pebble", "pebble"),
                          certificate_validity=int(VALIDITY.total_seconds()))
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


async def signed_in(page: Page, origin: str, token: str, path: str = "/") -> None:
    """The dashboard at `path`, signed in with this token (tests/support/browser.py)."""
    await open_signed_in(page, origin, token, path)



def utc(value: str) -> datetime:
    at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def graphql_posts(page: Page) -> list[str]:
    """The GraphQL operations the page sends from now on (their query text)."""
    seen: list[str] = []
    page.on("request", lambda r: r.url.endswith("/graphql") and r.method == "POST"
            and seen.append(r.post_data_json["query"]))
    return seen


async def test_first_run_guide(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port) as client:
        token = await user_token(client)
        async with browser_page(origin) as (page, watch):
            await signed_in(page, origin, token)
            await page.get_by_role("heading", name="Overview", level=1).wait_for()
            guide = page.get_by_role("region", name="Get started")
            await guide.wait_for()
            steps = guide.get_by_role("listitem")
            assert await steps.count() == 3
            assert await guide.get_by_role("link", name="Add a domain").get_attribute(
                "href") == "#/domains"
            assert await guide.get_by_role("link", name="Request a certificate") \
                .get_attribute("href") == "#/certificates/new"
            assert "It renews itself" in await steps.nth(2).inner_text()
            assert await page.get_by_role("img").count() == 0  # no chart yet
            assert await axe_violations(page) == []
            await screenshot(page, "en-overview-get-started")
            assert await csp_violations(page) == []
        assert watch.blocked == [] and watch.offsite_sockets() == [] and watch.problems == []

        # In Chinese, at phone width; a welcome put into the address is not shown (only a
        # sign-up in this page makes one: a link cannot put words into casp's page).
        async with browser_page(origin, accept_language="zh-CN,zh;q=0.9", locale="zh-CN",
                                width=375, height=800) as (page, watch):
            await signed_in(page, origin, token, "/?welcome=new%40example.com")
            await page.get_by_role("heading", name="概览", level=1).wait_for()
            guide = page.get_by_role("region", name="快速上手")
            await guide.wait_for()
            assert await guide.get_by_role("link", name="添加域名").count() == 1
            assert await guide.get_by_role("link", name="申请证书").count() == 1
            assert "归您所有" in await guide.inner_text()  # 您 throughout, as elsewhere
            assert await page.get_by_text("new@example.com").count() == 0
            assert await axe_violations(page) == []
            await screenshot(page, "zh-overview-get-started-phone")
            assert await page.evaluate("document.documentElement.scrollWidth") <= 375
            assert await csp_violations(page) == []
        assert watch.blocked == [] and watch.offsite_sockets() == [] and watch.problems == []


async def test_counts_chart_and_soonest(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port) as client:
        token = await user_token(client)
        certs = list(await asyncio.gather(*(issue_http01(client, token, f"ov{i}")
                                            for i in range(3))))
        revoked = data_of(await gql(client, "mutation R($id: Int!) { revokeCertificate("
                                    "id: $id) { status } }", token, id=certs[0]["id"]))
        assert revoked["revokeCertificate"]["status"] == "REVOKED"
        issued = certs[1:]
        now = datetime.now(UTC)
        weeks = {int((utc(c["expires_at"]) - now) / timedelta(weeks=1))
                 for c in issued}
        assert len(weeks) == 1, weeks
        week = weeks.pop()
        assert 0 <= week < 12

        async with browser_page(origin) as (page, watch):
            sent = graphql_posts(page)
            await signed_in(page, origin, token)
            await page.get_by_role("heading", name="Overview", level=1).wait_for()
            counts = page.get_by_role("region", name="Certificates")
            await counts.wait_for()
            assert await page.get_by_role("region", name="Get started").count() == 0

            async def count(label: str) -> str:
                card = counts.get_by_role("listitem").filter(has_text=label)
                return (await card.locator(".stat").inner_text()).strip()

            assert await count("In total") == "3"
            assert await count("Issued") == "2"
            assert await count("Revoked") == "1"
            assert await count("Pending") == "0"
            assert await count("Failed") == "0"
            assert await count("Expired") == "0"
            assert await count("Domains") == "3"

            chart = page.get_by_role("img", name="Bar chart: issued certificates expiring")
            assert "2 in total" in (await chart.get_attribute("aria-label") or "")
            assert await chart.locator("rect.bar").count() == 1
            table = page.get_by_role("table", name="Certificates expiring per week")
            rows = table.locator("tbody tr")
            assert await rows.count() == 12
            numbers = [int((await rows.nth(i).locator("td").inner_text()).strip())
                       for i in range(12)]
            assert numbers == [2 if i == week else 0 for i in range(12)]

            soonest = page.get_by_role("region", name="Expiring soonest")
            for cert in issued:
                link = soonest.get_by_role("link", name=cert["domains"][0])
                assert await link.get_attribute("href") == f"#/certificates/{cert['id']}"
            assert await soonest.get_by_role("link", name=certs[0]["domains"][0]).count() == 0
            assert await soonest.locator("tbody tr").count() == 2

            renewals = page.get_by_role("region", name="Renewals")
            text = await renewals.inner_text()
            assert "No renewals yet" in text
            assert "None scheduled" not in text  # the next renewal is planned
            assert await renewals.locator("time").count() == 1

            assert len(sent) == 2, sent  # the navigation's badge, and the ONE overview query
            assert any("renewalStats" in q and "upcoming:" in q for q in sent)
            assert await axe_violations(page) == []
            await screenshot(page, "en-overview")
            assert await csp_violations(page) == []
        assert watch.blocked == [] and watch.offsite_sockets() == [] and watch.problems == []

        async with browser_page(origin, accept_language="zh-CN,zh;q=0.9",
                                locale="zh-CN") as (page, watch):
            await signed_in(page, origin, token)
            await page.get_by_role("heading", name="概览", level=1).wait_for()
            chart = page.get_by_role("img", name="柱状图")
            await chart.wait_for()
            assert "共 2 张" in (await chart.get_attribute("aria-label") or "")
            await page.get_by_role("region", name="最快过期的证书").wait_for()
            assert await axe_violations(page) == []
            await screenshot(page, "zh-overview")
            assert await csp_violations(page) == []
        assert watch.blocked == [] and watch.offsite_sockets() == [] and watch.problems == []

        async with browser_page(origin, width=375, height=800) as (page, watch):
            await signed_in(page, origin, token)
            chart = page.get_by_role("img", name="Bar chart: issued certificates expiring")
            await chart.wait_for()
            assert await chart.locator("rect.bar").count() == 1
            assert await axe_violations(page) == []
            await screenshot(page, "en-overview-phone")
            assert await page.evaluate("document.documentElement.scrollWidth") <= 375
            assert await csp_violations(page) == []
        assert watch.blocked == [] and watch.offsite_sockets() == [] and watch.problems == []
