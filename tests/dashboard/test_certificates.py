"""The dashboard's certificate screens in a real browser against a live casp issuing from a
real Pebble: request through the form, follow the detail live to issued (over casp's own
WebSocket), download, renew, revoke, delete; the list's filters, search, order, pages and
empty states; errors at their field; another user's certificate not found; in English and
in Chinese, and at phone width."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from app.config import Settings
from app.runtime import current
from app.services.certificates import issuance
from models.certificate import Certificate
from tests.support.acme import add_domain, unique, wait_for
from tests.support.browser import (
    axe_violations,
    browser_page,
    csp_violations,
    css_id,
    screenshot,
)
from tests.support.focus import wait_focused, wait_said
from tests.support.gqlws import subscriber
from tests.support.graphql import data_of, gql
from tests.support.live import live_casp
from tests.support.pebble import PebbleServer
from tests.support.rest import PASSWORD, login, register

if TYPE_CHECKING:
    from playwright.async_api import Download, Locator, Page

pytestmark = pytest.mark.slow  # Chromium, Pebble, BIND

ZH = {"accept_language": "zh-CN,zh;q=0.9", "locale": "zh-CN"}


async def account(client: httpx.AsyncClient) -> tuple[str, str, int]:
    """A new user: email, token and id."""
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    await register(client, email)
    token = await login(client, email)
    me = data_of(await gql(client, "{ me { id } }", token))["me"]
    return email, token, int(me["id"])


async def sign_in(page: Page, origin: str, email: str, path: str = "/certificates") -> None:
    """Through the login form (in any language: by the inputs' types)."""
    await page.goto(f"{origin}/#/login?next={path}")
    await page.locator("input[type=email]").fill(email)
    await page.locator("input[type=password]").fill(PASSWORD)
    await page.locator("button[type=submit]").click()
    await page.wait_for_url(f"**/#{path}")


async def field_says(page: Page, control: Locator) -> list[str]:
    """What is tied to a control by aria-describedby (its hint and its error)."""
    described = await control.get_attribute("aria-describedby") or ""
    return [await page.locator(f"#{css_id(i)}").inner_text() for i in described.split()]


async def clean(page: Page, watch: Any) -> None:
    assert await csp_violations(page) == []
    assert await axe_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []


async def saved(download: Download) -> bytes:
    path = await download.path()
    assert path is not None
    return await asyncio.to_thread(Path(path).read_bytes)


@pytest.fixture
def slow_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each issuance and renewal waits 1.5 s before making its key, so that the detail page
    is open and subscribed while the certificate is still queued (Pebble answers at once)."""
    original = issuance.ensure_key

    async def later(cert: Any, slot: Any) -> None:
        await asyncio.sleep(1.5)
        await original(cert, slot)
    monkeypatch.setattr(issuance, "ensure_key", later)


async def test_request_follow_live_download_renew_revoke_delete(
        live_settings: Settings, port: int, slow_start: None):
    from playwright.async_api import expect

    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port) as client, \
            browser_page(origin) as (page, watch):
        email, token, _ = await account(client)
        name = unique("web")
        await add_domain(client, token, name, "http-01")
        await sign_in(page, origin, email)
        await page.get_by_role("heading", name="Certificates").wait_for()
        await page.get_by_text("You have no certificates yet.").wait_for()
        await screenshot(page, "en-certificates-empty")
        assert await axe_violations(page) == []
        await page.get_by_role("link", name="Request a certificate").first.click()
        await page.get_by_role("heading", name="Request a certificate").wait_for()
        ca = page.get_by_label("Certificate authority")
        await expect(ca).to_have_value("letsencrypt")  # no custom CA: the first available

        # wrong requests: the error at the field
        names = page.get_by_label("Names")
        await page.get_by_role("button", name="Request the certificate").click()
        await page.get_by_role("alert").first.wait_for()
        assert await names.get_attribute("aria-invalid") == "true"
        assert any("1 to 100 names" in s for s in await field_says(page, names))
        await names.fill(f"{unique('elsewhere')}")
        await page.get_by_label("Challenge type").select_option("HTTP_01")
        await page.get_by_role("button", name="Request the certificate").click()
        await page.get_by_text("is not one of your domains").wait_for()
        assert any("is not one of your domains" in s for s in await field_says(page, names))
        await screenshot(page, "en-certificates-form-error")
        assert await axe_violations(page) == []

        # the real request, followed live to issued
        await names.fill(name)
        await page.get_by_role("button", name="Request the certificate").click()
        await page.get_by_role("heading", name=f"Certificate for {name}").wait_for()
        await page.evaluate("window.__stayed = true")  # gone if the page reloads
        status = page.get_by_test_id("cert-status")
        assert await status.inner_text() == "Pending"
        await screenshot(page, "en-certificates-detail-pending")
        await page.get_by_test_id("cert-status").get_by_text("Issued").wait_for(timeout=60_000)
        assert await page.evaluate("window.__stayed") is True
        assert any(url == f"ws://127.0.0.1:{port}/graphql" for url in watch.sockets), watch.sockets
        activity = page.get_by_test_id("activity")
        assert "Validating the names" in await activity.inner_text()
        assert "Issued · Issued" in await activity.inner_text()
        announced = await page.get_by_test_id("announcer").inner_text()
        assert announced == "Status: Issued. Step: Issued."
        assert await page.locator(".cert-stages li.done").count() == 4
        serial = await page.get_by_test_id("serial").inner_text()
        cert_id = int(page.url.rsplit("/", 1)[1])
        await screenshot(page, "en-certificates-detail-issued")
        assert await axe_violations(page) == []

        # downloads: the full chain and the key match the certificate shown
        async with page.expect_download() as got:
            await page.get_by_role("button", name="Full chain (PEM)").click()
        chain = x509.load_pem_x509_certificates(await saved(await got.value))
        assert len(chain) >= 2 and chain[0].serial_number == int(serial, 16)
        assert name in (await got.value).suggested_filename
        async with page.expect_download() as got:
            await page.get_by_role("button", name="Private key (PEM)").click()
        key = serialization.load_pem_private_key(await saved(await got.value), None)
        assert key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == \
            chain[0].public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        await page.get_by_label("PFX password").fill("pfx-Secret1")
        async with page.expect_download() as got:
            await page.get_by_role("button", name="PKCS#12 / PFX").click()
        bundle = pkcs12.load_pkcs12(await saved(await got.value), b"pfx-Secret1")
        assert bundle.cert is not None
        assert bundle.cert.certificate.serial_number == int(serial, 16)

        # renew: back through the stages, to issued with a new serial
        before = await activity.locator("li").count()
        await page.get_by_role("button", name="Renew now").click()
        renewed = page.get_by_role("status").filter(
            has_text=re.compile(r"Renewed\.|The renewal is running"))
        await renewed.wait_for(timeout=60_000)
        await page.wait_for_function(  # Renew is disabled meanwhile: focus is on its result
            "() => document.activeElement?.tagName === 'DIV' && /^(Renewed\\.|The renewal is "
            "running)/.test(document.activeElement.textContent)")
        await page.get_by_test_id("serial").filter(has_not_text=serial).wait_for(timeout=60_000)
        assert await page.get_by_text("A renewal is under way").count() == 0
        renewal = (await activity.locator("li").all_inner_texts())[before:]
        assert any("Validating the names" in line for line in renewal), renewal
        assert renewal[-1].endswith("Issued · Issued"), renewal
        history = page.get_by_role("region", name="Earlier versions")
        await history.get_by_text(serial).wait_for()
        assert await page.evaluate("window.__stayed") is True

        # revoke, with a reason, after confirming
        await page.get_by_label("Reason").select_option("SUPERSEDED")
        page.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await page.get_by_role("button", name="Revoke", exact=True).click()
        await status.get_by_text("Revoked").wait_for(timeout=30_000)
        await page.get_by_role("status").filter(
            has_text="The certificate is revoked.").wait_for()
        # the revoke block is gone: focus went to its result, said by the live region
        await wait_focused(page, "DIV:The certificate is revoked.")
        await wait_said(page, "The certificate is revoked.")
        done = await wait_for(client, token, cert_id, statuses=("revoked",))
        assert done["status"] == "revoked"

        # delete: back to the list, where it is gone (with no "not found" on the way)
        await page.evaluate("""() => { window.__notFound = false;
          new MutationObserver(() => { if (document.body.textContent.includes(
            'Certificate not found')) window.__notFound = true; })
            .observe(document.body, { subtree: true, childList: true, characterData: true });
        }""")
        page.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await page.get_by_role("button", name="Delete", exact=True).click()
        await page.get_by_role("heading", name="Certificates").wait_for()
        assert await page.evaluate("window.__notFound") is False
        await page.get_by_text("You have no certificates yet.").wait_for()
        assert await page.get_by_text(name).count() == 0
        await clean(page, watch)


async def make_list(uid: int) -> dict[str, int]:
    """Certificates straight in the database, with expiries to order by: their ids."""
    now = current().clock.now()
    rows = {  # label: (status, days to expiry, CA)
        "alpha": ("issued", 12, "letsencrypt"), "bravo": ("issued", 80, "letsencrypt"),
        "charlie": ("expired", -3, "letsencrypt"), "delta": ("pending", None, "letsencrypt"),
        "echo": ("failed", None, "zerossl")}
    ids = {}
    for i, (label, (status, days, ca)) in enumerate(rows.items()):
        domains = [f"{label}.example.test", f"www.{label}.example.test"]
        cert = await Certificate.create(
            user_id=uid, domains=domains, search_text=" " + " ".join(domains) + " ",
            ca_provider=ca, challenge_type="http-01", key_type="ec-256",
            directory_url="https://acme.example/dir", status=status,
            stage="done" if days is not None else "failed" if status == "failed" else "queued",
            serial=f"0a{i}" if days is not None else None,
            issued_at=now - timedelta(days=10) if days is not None else None,
            expires_at=now + timedelta(days=days) if days is not None else None,
            created_at=now + timedelta(minutes=i), updated_at=now)
        ids[label] = cert.id
    await Certificate.bulk_create([
        Certificate(user_id=uid, domains=[f"bulk{i}.example.test"],
                    search_text=f" bulk{i}.example.test ", ca_provider="letsencrypt",
                    challenge_type="http-01", key_type="ec-256", status="failed",
                    stage="failed", directory_url="https://acme.example/dir",
                    created_at=now - timedelta(days=1, minutes=i), updated_at=now)
        for i in range(18)])
    return ids


async def first_names(page: Page) -> list[str]:
    return [n.strip() for n in await page.locator(".cert-name").all_inner_texts()]


async def test_list_filters_search_order_pages_and_not_found(live_settings: Settings,
                                                             port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port) as client, \
            browser_page(origin) as (page, watch):
        email, _, uid = await account(client)
        ids = await make_list(uid)
        _, _, other_uid = await account(client)
        theirs = (await Certificate.create(
            user_id=other_uid, domains=["theirs.example.test"],
            search_text=" theirs.example.test ", ca_provider="letsencrypt",
            challenge_type="http-01", key_type="ec-256", directory_url="https://acme.example/dir",
            created_at=current().clock.now(), updated_at=current().clock.now())).id

        await sign_in(page, origin, email)
        await page.get_by_text("23 certificates").wait_for()
        # soonest expiry first: the expired one, then by expiry; those without one last
        # (newest first among them)
        assert (await first_names(page))[:4] == [
            "charlie.example.test", "alpha.example.test", "bravo.example.test",
            "bulk17.example.test"]
        rows = page.get_by_test_id("certificate-row")
        assert await rows.count() == 20
        alpha = rows.filter(has_text="alpha.example.test")
        assert await alpha.get_by_text("+1 more").count() == 1
        soon = alpha.locator(".badge.soon")
        assert (await soon.inner_text()).startswith("expires in 1")  # 11 or 12 days
        assert await rows.filter(has_text="charlie.example.test").locator(
            ".badge.expired").all_inner_texts() == ["Expired", "expired 3 days ago"]
        assert await rows.filter(has_text="bravo.example.test").locator(
            ".badge.ok").count() == 1
        await screenshot(page, "en-certificates-list")
        assert await axe_violations(page) == []

        # pages
        await page.get_by_text("Page 1 of 2").wait_for()
        await page.get_by_role("button", name="Next page").click()
        await page.get_by_text("Page 2 of 2").wait_for()
        assert await rows.count() == 3
        await page.get_by_role("button", name="Previous page").click()
        await page.get_by_text("Page 1 of 2").wait_for()

        # newest first
        await page.get_by_label("Order").select_option("NEWEST")
        await page.get_by_role("link", name="echo.example.test").wait_for()
        await page.wait_for_function(
            "document.querySelector('.cert-name').textContent === 'echo.example.test'")
        assert (await first_names(page))[:5] == [
            f"{n}.example.test" for n in ("echo", "delta", "charlie", "bravo", "alpha")]
        await page.get_by_label("Order").select_option("EXPIRES_SOONEST")

        # filters
        await page.get_by_label("Status").select_option("ISSUED")
        await page.get_by_text("2 certificates").wait_for()
        assert await first_names(page) == ["alpha.example.test", "bravo.example.test"]
        await page.get_by_label("Status").select_option("")
        await page.get_by_text("23 certificates").wait_for()
        await page.get_by_label("Certificate authority").select_option("zerossl")
        await page.get_by_text("1 certificate", exact=True).wait_for()
        assert await first_names(page) == ["echo.example.test"]
        assert await rows.first.get_by_text("ZeroSSL").count() == 1
        await page.get_by_label("Certificate authority").select_option("")
        await page.get_by_text("23 certificates").wait_for()
        await page.get_by_label("Search names").fill("www.brav")  # debounced
        await page.get_by_text("1 certificate", exact=True).wait_for()
        assert await first_names(page) == ["bravo.example.test"]
        await page.get_by_label("Search names").fill("nothing-like-it")
        await page.get_by_text("No certificate matches these filters.").wait_for()
        await screenshot(page, "en-certificates-list-no-match")
        await page.get_by_role("button", name="Clear the filters").click()
        await page.get_by_text("23 certificates").wait_for()
        assert await page.get_by_label("Search names").input_value() == ""

        # a detail of one made by hand (no live events needed), and someone else's
        await page.get_by_role("link", name="alpha.example.test").click()
        await page.get_by_role("heading", name="Certificate for alpha.example.test").wait_for()
        await page.get_by_text("www.alpha.example.test").wait_for()
        await page.goto(f"{origin}/#/certificates/{theirs}")
        await page.get_by_role("heading", name="Certificate not found").wait_for()
        await page.goto(f"{origin}/#/certificates/99999999")
        await page.get_by_role("heading", name="Certificate not found").wait_for()
        await screenshot(page, "en-certificates-not-found")
        assert ids["alpha"] != theirs

        # the view is kept in the address: Back from a certificate returns to the same list
        await page.goto(f"{origin}/#/certificates")
        await page.get_by_text("23 certificates").wait_for()
        await page.get_by_label("Order").select_option("NEWEST")
        await page.get_by_role("button", name="Next page").click()
        await page.get_by_text("Page 2 of 2").wait_for()
        await page.wait_for_function("location.hash === '#/certificates?order=NEWEST&page=2'")
        shown = await first_names(page)
        await page.get_by_role("link", name=shown[0]).click()
        await page.get_by_role("heading", name=f"Certificate for {shown[0]}").wait_for()
        await page.go_back()
        await page.get_by_text("Page 2 of 2").wait_for()
        assert await page.get_by_label("Order").input_value() == "NEWEST"
        assert await first_names(page) == shown
        # a page past the end shows the last one
        await page.goto(f"{origin}/#/certificates?status=ISSUED&page=5")
        await page.get_by_role("link", name="bravo.example.test").wait_for()
        assert await first_names(page) == ["alpha.example.test", "bravo.example.test"]
        await page.wait_for_function("location.hash === '#/certificates?status=ISSUED'")
        assert await page.get_by_label("Status").input_value() == "ISSUED"
        # a link to the plain list (the menu's) resets the view
        await page.get_by_role("navigation").get_by_role("link", name="Certificates").click()
        await page.get_by_text("23 certificates").wait_for()
        assert await page.get_by_label("Status").input_value() == ""
        await clean(page, watch)


async def test_chinese_and_phone_width(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port) as client:
        email, token, uid = await account(client)
        ids = await make_list(uid)
        name = unique("zh")
        await add_domain(client, token, name, "http-01")
        async with browser_page(origin, **ZH) as (page, watch):
            await sign_in(page, origin, email)
            await page.get_by_role("heading", name="证书").wait_for()
            await page.get_by_text("共 23 张证书").wait_for()
            await page.get_by_text("3天前已过期").wait_for()
            await screenshot(page, "zh-certificates-list")
            assert await axe_violations(page) == []
            await page.get_by_role("link", name="申请证书").click()
            await page.get_by_role("heading", name="申请证书").wait_for()
            await page.get_by_label("域名").fill(name)
            await page.get_by_label("验证方式").select_option("HTTP_01")
            await screenshot(page, "zh-certificates-form")
            assert await axe_violations(page) == []
            await page.get_by_role("button", name="申请证书").click()
            await page.get_by_role("heading", name=f"{name} 的证书").wait_for()
            await page.get_by_test_id("cert-status").get_by_text("已签发").wait_for(
                timeout=60_000)
            await page.get_by_role("button", name="完整证书链（PEM）").wait_for()
            await screenshot(page, "zh-certificates-detail")
            assert await axe_violations(page) == []
            await clean(page, watch)
        async with browser_page(origin, width=375, height=800) as (page, watch):
            await sign_in(page, origin, email)
            await page.get_by_text("24 certificates").wait_for()
            await screenshot(page, "phone-en-certificates-list")
            assert await axe_violations(page) == []
            await page.goto(f"{origin}/#/certificates/new")
            await page.get_by_label("Names").wait_for()
            await screenshot(page, "phone-en-certificates-form")
            await page.goto(f"{origin}/#/certificates/{ids['alpha']}")
            await page.get_by_role("heading", name="Certificate for alpha.example.test").wait_for()
            await screenshot(page, "phone-en-certificates-detail")
            assert await axe_violations(page) == []
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, width  # nothing wider than the phone
            await clean(page, watch)


async def test_manual_dns_records_to_add_and_check(live_settings: Settings, port: int):
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(live_settings, port) as client, \
            browser_page(origin) as (page, watch):
        email, token, _ = await account(client)
        name = unique("dns")
        await add_domain(client, token, name)  # dns-01, no delegation CNAME: records by hand
        made = data_of(await gql(
            client, """mutation($d: [String!]!) { requestCertificate(domains: $d,
              caProvider: LETSENCRYPT, challengeType: DNS_01) { id } }""", token, d=[name]))
        cert_id = made["requestCertificate"]["id"]
        await sign_in(page, origin, email, f"/certificates/{cert_id}")
        records = page.get_by_role("region", name="DNS records to add")
        await records.wait_for(timeout=60_000)
        await records.get_by_text(f"_acme-challenge.{name}").wait_for()
        assert await page.locator(".cert-stages li[aria-current=step]").inner_text() == \
            "Waiting for DNS records"
        await records.get_by_role("button", name="Copy Name 1").click()
        await records.get_by_text("Copied").wait_for()
        assert await page.evaluate("navigator.clipboard.readText()") == f"_acme-challenge.{name}"
        await screenshot(page, "en-certificates-detail-dns")
        await page.get_by_role("button", name="I added them, check now").click()
        await page.get_by_text("casp is checking the records.").wait_for()
        await clean(page, watch)


async def test_a_custom_ca_is_preselected_and_named_by_caname(
        live_settings: Settings, port: int, ca: PebbleServer):
    """As `./dev run` offers its local test CA: an operator's CA comes first in the form."""
    from playwright.async_api import expect

    local = Settings.from_env({"CASP_CUSTOM_CAS": "local",
                               "CASP_CA_LOCAL_DIRECTORY": ca.directory_url,
                               "CASP_CA_LOCAL_NAME": "Local test CA"}).custom_cas
    settings = dataclasses.replace(live_settings, custom_cas=local)
    origin = f"http://127.0.0.1:{port}"
    async with live_casp(settings, port) as client, browser_page(origin) as (page, watch):
        email, token, _ = await account(client)
        name = unique("local")
        await add_domain(client, token, name, "http-01")
        await sign_in(page, origin, email, "/certificates/new")
        picked = page.get_by_label("Certificate authority")
        await expect(picked).to_have_value("local")
        assert "Local test CA (this server's own CA)" in await picked.inner_text()
        await page.get_by_label("Names").fill(name)
        await page.get_by_label("Challenge type").select_option("HTTP_01")
        await page.get_by_role("button", name="Request the certificate").click()
        await page.get_by_role("heading", name=f"Certificate for {name}").wait_for()
        await page.get_by_test_id("cert-status").get_by_text("Issued").wait_for(timeout=60_000)
        facts = page.get_by_role("region", name="Details")
        await facts.get_by_text("Local test CA").wait_for()
        listed = data_of(await gql(client, "{ certificates { certificates { caName } } }",
                                   token))["certificates"]["certificates"]
        assert listed == [{"caName": "local"}]
        await page.get_by_role("link", name="All certificates").click()
        await page.get_by_test_id("certificate-row").get_by_text("Local test CA").wait_for()
        await clean(page, watch)


async def test_a_refused_live_connection_offers_reconnect(live_settings: Settings, port: int):
    """Over the sockets a user may hold (4429), the page says so and offers Reconnect (not
    "reload the page", which would make it worse); Reconnect subscribes again."""
    origin = f"http://127.0.0.1:{port}"
    settings = dataclasses.replace(live_settings, ws_per_user=1)
    async with live_casp(settings, port) as client, \
            browser_page(origin) as (page, watch):
        email, token, uid = await account(client)
        ids = await make_list(uid)
        async with subscriber(origin, token):  # the one socket this user may hold
            await sign_in(page, origin, email, f"/certificates/{ids['delta']}")
            await page.get_by_role("heading",
                                   name="Certificate for delta.example.test").wait_for()
            lost = page.get_by_text("The live connection was lost")
            await lost.wait_for()
            assert await page.get_by_text("reload the page").count() == 0
        await page.get_by_role("button", name="Reconnect").click()
        await page.get_by_text("Following live").wait_for()  # casp's first event came
        assert await lost.count() == 0
        assert await page.get_by_role("button", name="Reconnect").count() == 0
        assert await csp_violations(page) == []
        assert await axe_violations(page) == []
    assert watch.blocked == [] and watch.offsite_sockets() == []
    assert watch.problems == []
