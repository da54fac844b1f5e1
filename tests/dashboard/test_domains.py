"""The dashboard's domain screens in a real browser against a live casp (Pebble, BIND): the
empty state, adding through the form (casp's validation error at its field), the list, the
detail's setup and ownership records with copy buttons holding the API's values, a check now
(an http-01 domain casp reaches; a dns-01 domain whose delegation CNAME is missing), the CAA
report, delete; another user's domain not found; axe; English, Chinese and phone width."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from app.config import Settings
from tests.support.acme import add_domain, request_cert, unique, user_token
from tests.support.browser import (
    axe_violations,
    browser_page,
    csp_violations,
    css_id,
    open_signed_in,
    screenshot,
)
from tests.support.dns import BindServer
from tests.support.focus import notice
from tests.support.live import live_casp
from tests.support.rest import bearer

pytestmark = pytest.mark.slow  # Chromium, Pebble, BIND

DOMAIN = """query D($id: Int!) { domain(id: $id) {
  domain instructions ownership { record { name type value } } } }"""

if TYPE_CHECKING:
    from playwright.async_api import Page


async def graphql(client: httpx.AsyncClient, token: str, query: str,
                  **variables: Any) -> dict[str, Any]:
    r = await client.post("/graphql", headers=bearer(token),
                          json={"query": query, "variables": variables})
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    return dict(r.json()["data"])


async def signed_in(page: Page, origin: str, token: str, path: str) -> None:
    """The dashboard at `path`, signed in with this token (tests/support/browser.py)."""
    await open_signed_in(page, origin, token, path)


async def copy_value(page: Page, label: str) -> str:
    """The value shown beside the copy button named `label`; the button copies it."""
    button = page.get_by_role("button", name=f"Copy {label}")
    shown = await button.locator("xpath=preceding-sibling::code").inner_text()
    await button.click()
    # The button says so, in its text and so in its name.
    await page.get_by_role("button", name=f"Copied {label}").wait_for()
    assert await page.evaluate("navigator.clipboard.readText()") == shown
    return shown


async def field_says(page: Page, label: str) -> list[str]:
    field = page.get_by_label(label)
    assert await field.get_attribute("aria-invalid") == "true"
    described = await field.get_attribute("aria-describedby") or ""
    return [await page.locator(f"#{css_id(i)}").inner_text() for i in described.split()]


async def no_axe(page: Page) -> None:
    assert await axe_violations(page) == []


async def test_add_check_copy_and_delete(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    web, dns = unique("d"), unique("d")
    async with live_casp(live_settings, port) as client, \
            browser_page(origin) as (page, watch):
        token = await user_token(client)
        await signed_in(page, origin, token, "/domains")
        await page.get_by_role("heading", name="Domains").wait_for()
        await page.get_by_text("You have no domains yet.").wait_for()
        await no_axe(page)
        await screenshot(page, "en-domains-empty")

        # casp's validation error shows at the field
        await page.get_by_label("Domain name").fill("localhost")
        await page.get_by_role("button", name="Add domain").click()
        await page.get_by_role("alert").get_by_text("Please check what you entered.").wait_for()
        said = await field_says(page, "Domain name")
        assert any("is a public suffix" in text for text in said), said
        await screenshot(page, "en-domains-add-error")

        await page.get_by_label("Domain name").fill(web)
        await page.get_by_label("Verification method").select_option("HTTP_01")
        await page.get_by_role("button", name="Add domain").click()
        await notice(page, f"Added {web}.").wait_for()
        assert await page.get_by_label("Domain name").input_value() == ""
        # the table's caption counts in English's singular for one
        await page.locator("table caption").filter(has_text=re.compile(r"^1 domain$")).wait_for(
            state="attached")
        await page.get_by_label("Domain name").fill(dns)
        await page.get_by_label("Verification method").select_option("DNS_01")
        await page.get_by_role("button", name="Add domain").click()
        await notice(page, f"Added {dns}.").wait_for()
        rows = page.locator("table tbody tr")
        await page.get_by_role("link", name=dns).wait_for()
        assert await rows.count() == 2
        texts = sorted([await rows.nth(i).inner_text() for i in range(2)])
        by_name = {text.split()[0]: text for text in texts}
        assert "Web server (http-01)" in by_name[web] and "Not verified yet" in by_name[web]
        assert "DNS record (dns-01)" in by_name[dns]
        await no_axe(page)
        await screenshot(page, "en-domains-list")

        listed = await graphql(client, token, "{ domains { domains { id domain } } }")
        ids = {d["domain"]: d["id"] for d in listed["domains"]["domains"]}

        # http-01: the address, the ownership record, and a check casp passes
        await page.get_by_role("link", name=web).click()
        await page.get_by_role("heading", name=web, exact=True).wait_for()
        api = (await graphql(client, token, DOMAIN, id=ids[web]))["domain"]
        assert await copy_value(page, "http-01 address") == (
            f"http://{web}{api['instructions']['path']}")
        assert (await copy_value(page, "proxy target")).startswith(origin + "/.well-known/")
        record = api["ownership"]["record"]
        assert await copy_value(page, "Ownership TXT record name") == record["name"]
        assert await copy_value(page, "Ownership TXT record value") == record["value"]
        await page.get_by_text("Not checked yet.").wait_for()
        await page.get_by_role("button", name="Check now").click()
        await notice(page, "Everything is set up.").wait_for()
        await page.get_by_text(
            f"http://{web}/.well-known/acme-challenge/ answers from casp.").wait_for()
        await page.get_by_text(f"You hold {web}.").wait_for()
        await page.get_by_text(
            f"No CAA records: every certificate authority may issue for {web}.").wait_for()
        await page.locator(".badge", has_text=re.compile("^Verified$")).wait_for()
        await no_axe(page)
        await screenshot(page, "en-domains-detail-http01")

        # dns-01: the delegation CNAME as the API gives it, and the check naming it missing
        await page.get_by_role("link", name="All domains").click()
        await page.get_by_role("link", name=dns).click()
        await page.get_by_role("heading", name=dns, exact=True).wait_for()
        api = (await graphql(client, token, DOMAIN, id=ids[dns]))["domain"]
        cname = api["instructions"]["record"]
        assert cname["type"] == "CNAME" and cname["name"] == f"_acme-challenge.{dns}"
        assert await copy_value(page, "CNAME record name") == cname["name"]
        assert await copy_value(page, "CNAME record value") == cname["value"]
        record = api["ownership"]["record"]
        assert await copy_value(page, "Ownership TXT record value") == record["value"]
        await page.get_by_role("button", name="Check now").click()
        await notice(page, "Something is missing or wrong:").wait_for()
        missing = (f"The CNAME record {cname['name']} with the value {cname['value']} "
                   "was not found.")
        assert await page.get_by_text(missing).count() == 2  # the summary and the check
        await page.get_by_text(f"create {cname['name']} CNAME {cname['value']}").wait_for()
        assert await page.locator(".badge", has_text=re.compile("^Verified$")).count() == 0
        await no_axe(page)
        await screenshot(page, "en-domains-detail-dns01")

        # delete, confirmed, back to the list
        page.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await page.get_by_role("button", name="Delete domain").click()
        await page.get_by_role("heading", name="Domains").wait_for()
        await notice(page, f"Deleted {dns}.").wait_for()
        await page.get_by_role("link", name=web).wait_for()
        assert await page.get_by_role("link", name=dns).count() == 0
        left = await graphql(client, token, "{ domains { total } }")
        assert left["domains"]["total"] == 1
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []


async def test_records_found_caa_blocking_and_delete_cancelled(
        live_settings: Settings, port: int, bind_server: BindServer):
    origin = f"http://127.0.0.1:{port}"
    name = unique("d")
    async with live_casp(live_settings, port) as client, \
            browser_page(origin) as (page, watch):
        token = await user_token(client)
        added = await add_domain(client, token, name)
        cname = added["instructions"]["record"]
        bind_server.add_record(cname["name"], "CNAME", cname["value"] + ".")
        bind_server.add_record(name, "CAA", '0 issue "ca.example.org"')
        await signed_in(page, origin, token, f"/domains/{added['id']}")
        await page.get_by_role("heading", name=name, exact=True).wait_for()
        await page.get_by_role("button", name="Check now").click()
        await notice(page, "Everything is set up.").wait_for()
        await page.get_by_text(f"The CNAME record {cname['name']} points to casp "
                               f"({cname['value']}).").wait_for()
        blocked = notice(page, f"The CAA records at {name} stop these certificate "
                                   "authorities from issuing: ")
        await blocked.wait_for()
        assert "letsencrypt" in await blocked.inner_text()
        await page.get_by_text("issue ca.example.org", exact=True).wait_for()
        await no_axe(page)
        await screenshot(page, "en-domains-detail-caa")

        page.once("dialog", lambda d: asyncio.ensure_future(d.dismiss()))
        await page.get_by_role("button", name="Delete domain").click()
        await asyncio.sleep(0.3)
        await page.get_by_role("heading", name=name, exact=True).wait_for()
        assert (await graphql(client, token, "{ domains { total } }"))["domains"]["total"] == 1

        # refused while a certificate covers it: said in words, with casp's reason
        cert = await request_cert(client, token, domains=[name])
        page.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await page.get_by_role("button", name="Delete domain").click()
        alert = page.get_by_role("alert")
        await alert.get_by_text("This domain cannot be deleted while a pending or issued "
                                "certificate covers it").wait_for()
        assert f"live certificate(s) [{cert['id']}]" in await alert.inner_text()
        await page.get_by_role("heading", name=name, exact=True).wait_for()
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.problems == []


async def test_another_users_domain_is_not_found(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    theirs = unique("d")
    async with live_casp(live_settings, port) as client, \
            browser_page(origin) as (page, watch):
        other = await user_token(client)
        added = await add_domain(client, other, theirs)
        token = await user_token(client)
        await signed_in(page, origin, token, f"/domains/{added['id']}")
        await page.get_by_role("heading", name="Domain not found").wait_for()
        await page.get_by_text("There is no domain of yours with this id.").wait_for()
        text = await page.locator("body").inner_text()
        assert theirs not in text and "_casp-verify" not in text
        await page.goto(origin + "/#/domains/nonsense")
        await page.get_by_role("heading", name="Domain not found").wait_for()
        await no_axe(page)
        await screenshot(page, "en-domains-not-found")
        await page.get_by_role("link", name="All domains").click()
        await page.get_by_text("You have no domains yet.").wait_for()

        # the same name added second: held by the other user, and how to take it over
        await add_domain(client, token, theirs)
        await page.reload()
        await page.get_by_role("link", name=theirs).wait_for()
        await page.get_by_text("Held by another user").wait_for()
        await page.get_by_role("link", name=theirs).click()
        await page.get_by_text(f"Another user of this casp holds {theirs}.").wait_for()
        await page.get_by_role("button", name="Check now").click()
        await notice(page, "Something is missing or wrong:").wait_for()
        proof = f"_casp-verify.{theirs}"
        await page.get_by_text(f"Another user holds {theirs}; the ownership TXT record "
                               f"{proof} was not found.").first.wait_for()
        await no_axe(page)
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []


async def test_chinese_and_phone_width(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    web, dns = unique("d"), unique("d")
    async with live_casp(live_settings, port) as client:
        token = await user_token(client)
        first = await add_domain(client, token, web, "http-01")
        second = await add_domain(client, token, dns)
        async with browser_page(origin, accept_language="zh-CN,zh;q=0.9",
                                locale="zh-CN") as (page, watch):
            await signed_in(page, origin, token, "/domains")
            await page.get_by_role("heading", name="域名", exact=True).wait_for()
            await page.get_by_role("link", name=web).wait_for()
            await page.get_by_text("Web 服务器（http-01）").first.wait_for()
            await no_axe(page)
            await screenshot(page, "zh-domains-list")
            await page.goto(f"{origin}/#/domains/{first['id']}")
            await page.get_by_role("heading", name=web, exact=True).wait_for()
            await page.get_by_role("button", name="立即检查").click()
            await notice(page, "一切均已设置妥当。").wait_for()
            await no_axe(page)
            await screenshot(page, "zh-domains-detail-http01")
            await page.goto(f"{origin}/#/domains/{second['id']}")
            await page.get_by_role("heading", name=dns, exact=True).wait_for()
            await page.get_by_role("button", name="立即检查").click()
            await notice(page, "有缺失或错误的设置：").wait_for()
            await page.get_by_text(f"未找到 CNAME 记录 _acme-challenge.{dns}").first.wait_for()
            await no_axe(page)
            await screenshot(page, "zh-domains-detail-dns01")
            assert await csp_violations(page) == []
        assert watch.blocked == [] and watch.problems == []

        async with browser_page(origin, width=375, height=800) as (page, watch):
            await signed_in(page, origin, token, "/domains")
            await page.get_by_role("link", name=web).wait_for()
            await no_axe(page)
            await screenshot(page, "phone-domains-list")
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, width
            await page.goto(f"{origin}/#/domains/{second['id']}")
            await page.get_by_role("heading", name=dns, exact=True).wait_for()
            # the last check (from the Chinese session) is shown without a new one
            await notice(page, "Something is missing or wrong:").wait_for()
            await no_axe(page)
            await screenshot(page, "phone-domains-detail")
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, width
            assert await csp_violations(page) == []
        assert watch.blocked == [] and watch.problems == []


async def test_dns_credential_choice(live_settings: Settings, port: int,
                                     bind_server: BindServer):
    origin = f"http://127.0.0.1:{port}"
    name = unique("d")
    key = f"{bind_server.tsig_algorithm}:{bind_server.tsig_key_name}:{bind_server.tsig_secret}"
    add = """mutation($c: JSON!) { addDnsCredential(provider: "rfc2136", label: "bind",
               zone: "example.test", credentials: $c) { id } }"""
    settings = dataclasses.replace(live_settings, dns_providers_allow_private=True)
    async with live_casp(settings, port) as client, \
            browser_page(origin) as (page, watch):
        token = await user_token(client)
        added = await add_domain(client, token, name)
        made = await graphql(client, token, add, c={"server": bind_server.address,
                                                     "tsig_key": key})
        credential = made["addDnsCredential"]["id"]
        await signed_in(page, origin, token, f"/domains/{added['id']}")
        await page.get_by_role("heading", name=name, exact=True).wait_for()
        await page.get_by_role("button", name="Copy CNAME record value").wait_for()
        choice = page.get_by_role("combobox", name="DNS provider credential")
        assert await choice.input_value() == ""
        await choice.select_option(str(credential))
        await page.get_by_role("button", name="Save").click()
        await notice(page, "Saved.").wait_for()
        await page.get_by_text("Nothing to set up: casp writes the TXT records").wait_for()
        assert await page.get_by_role("button", name="Copy CNAME record value").count() == 0
        api = await graphql(client, token, "query($id: Int!) { domain(id: $id) { "
                            "dnsCredentialId } }", id=added["id"])
        assert api["domain"]["dnsCredentialId"] == credential
        await page.get_by_role("button", name="Check now").click()
        await page.get_by_text("Your DNS credential works: casp writes the TXT records.").wait_for()
        await no_axe(page)
        await screenshot(page, "en-domains-detail-credential")
        await choice.select_option("")
        await page.get_by_role("button", name="Save").click()
        await page.get_by_role("button", name="Copy CNAME record value").wait_for()
        assert await csp_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []
