"""Deliveries beyond the inbox, end to end: mail received by a real SMTP server (aiosmtpd),
webhooks received by a real HTTP server on loopback and their signatures checked, retries
driven by moving the clock, the private-address rule, and an SMTP server that is down."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from app.acme.interface import Account, ChallengeHooks, IssueRequest
from app.clock import ManualClock
from app.config import Settings
from app.services.notifications import deliveries
from app.services.notifications.inbox import notify
from models.job import Job
from tests.support.app import running
from tests.support.certs import cert_pem, make_ca
from tests.support.deliveries import Hit, Receiver, casp, eventually, signed
from tests.support.mail import Smtp
from tests.support.rest import bearer, login, register

SETTINGS_URL = "/api/v1/account.php?action=notification-settings"
Headers = dict[str, str]


class SigningCA:
    """Stands in for the CA (the ACME exchange itself is tested against Pebble in
    tests/acme/): it signs the CSR at once, so issuance writes a real notification."""

    def __init__(self) -> None:
        self.key, self.cert = make_ca()

    async def issue(self, request: IssueRequest, hooks: ChallengeHooks) -> str:
        csr = x509.load_pem_x509_csr(request.csr_pem)
        now = datetime.now(UTC)
        names = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        leaf = (x509.CertificateBuilder().subject_name(csr.subject)
                .issuer_name(self.cert.subject).public_key(csr.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(minutes=1))
                .not_valid_after(now + timedelta(days=90))
                .add_extension(names, critical=False).sign(self.key, hashes.SHA256()))
        return (cert_pem(leaf) + cert_pem(self.cert)).decode()

    async def revoke(self, account: Account, cert_pem: str, reason: int) -> None:
        raise AssertionError("not used")

    async def external_account_required(self, directory_url: str) -> bool:
        return False

    async def renewal_info(self, directory_url: str, cert_pem: str) -> None:
        return None

    async def profiles(self, directory_url: str) -> None:
        return None

    async def caa_identities(self, directory_url: str) -> None:
        return None


def _job(channel: str, **wanted: Any) -> Callable[[], Awaitable[Job | None]]:
    async def check() -> Job | None:
        for job in await Job.filter(kind="deliver"):
            if job.payload["channel"] == channel and all(
                    getattr(job, k) == v for k, v in wanted.items()):
                return job
        return None
    return check


def _wake(client: httpx.AsyncClient, clock: ManualClock, seconds: float) -> None:
    clock.advance(seconds=seconds)
    client.app.state.runtime.wake_worker()  # type: ignore[attr-defined]


async def _user(client: httpx.AsyncClient, **deliveries: Any) -> tuple[int, Headers, str]:
    """A user with these notification settings; answers id, headers and webhook secret."""
    uid = (await register(client))["user_id"]
    me = bearer(await login(client))
    r = await client.post(SETTINGS_URL, headers=me, json=deliveries)
    assert r.status_code == 200, r.text
    return uid, me, r.json()["data"]["webhook_secret"]


async def _issue(client: httpx.AsyncClient, me: Headers) -> int:
    r = await client.post("/api/v1/domains.php", headers=me, json={"domain": "example.com"})
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/certificates.php", headers=me, json={
        "ca_provider": "letsencrypt", "domains": ["www.example.com"]})
    assert r.status_code == 201, r.text
    cert_id = int(r.json()["data"]["id"])

    async def issued() -> bool:
        r = await client.get("/api/v1/certificates.php", params={"id": cert_id}, headers=me)
        return bool(r.json()["data"]["status"] == "issued")
    await eventually(issued)
    return cert_id


async def _inbox(client: httpx.AsyncClient, me: Headers) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/notifications.php", headers=me)
    return list(r.json()["data"]["notifications"])


async def test_issued_certificate_is_mailed_and_posted_signed(
        settings: Settings, clock: ManualClock, smtp: Smtp, receiver: Receiver):
    smtp.start()
    async with running(casp(settings, smtp), clock, acme=SigningCA()) as client:
        _, me, secret = await _user(client, webhook_url=receiver.url)
        cert_id = await _issue(client, me)
        await eventually(lambda: len(receiver.hits) >= 1)
        mails = await eventually(lambda: smtp.mails("Certificate issued"))
        note = (await _inbox(client, me))[0]
    assert note["type"] == "certificate_issued" and note["certificate_id"] == cert_id
    [mail] = mails
    assert mail["Subject"] == "Certificate issued: www.example.com"
    assert mail["To"] == "user@example.com" and "noreply@casp.test" in mail["From"]
    text = mail.get_payload(decode=True).decode()
    assert note["message"] in text
    assert f"/api/v1/certificates.php?id={cert_id}" in text
    [hit] = receiver.hits
    assert signed(hit, secret)
    assert not signed(Hit(hit.path, hit.headers, hit.body + b" "), secret)
    assert hit.path == "/hooks/casp?team=ops"
    assert hit.headers["Host"] == f"127.0.0.1:{receiver.port}"
    assert hit.headers["Content-Type"] == "application/json"
    assert hit.headers["User-Agent"] == "casp/0.1"
    assert hit.headers["X-Casp-Event"] == "certificate_issued"
    assert hit.headers["X-Casp-Delivery"] == str(note["id"])
    body = json.loads(hit.body)
    assert set(body) == {"id", "type", "title", "message", "certificate_id", "created_at",
                         "delivered_at", "attempt"}  # no user id
    assert {k: body[k] for k in ("id", "type", "title", "message", "certificate_id")} == {
        k: note[k] for k in ("id", "type", "title", "message", "certificate_id")}
    assert body["attempt"] == 1


async def test_webhook_answering_500_is_delivered_on_a_later_attempt(
        settings: Settings, clock: ManualClock, smtp: Smtp, receiver: Receiver):
    receiver.statuses = [500]
    async with running(casp(settings, smtp), clock, acme=SigningCA()) as client:
        uid, _, secret = await _user(client, webhook_url=receiver.url, email_enabled=False)
        note = await notify(user_id=uid, type="expiring", title="Certificate expires in 6 days",
                            message="soon", certificate_id=None)
        assert note is not None
        await eventually(lambda: len(receiver.hits) >= 1)
        job = await eventually(_job("webhook", status="queued", attempts=1))
        assert "answered 500" in job.last_error
        assert job.run_at == clock.now() + timedelta(seconds=deliveries.RETRY_DELAYS[0])
        _wake(client, clock, deliveries.RETRY_DELAYS[0])
        await eventually(lambda: len(receiver.hits) >= 2)
        await eventually(_job("webhook", status="done", attempts=2))
    first, second = receiver.hits
    assert signed(first, secret) and signed(second, secret)
    assert first.headers["X-Casp-Delivery"] == second.headers["X-Casp-Delivery"] == str(note.id)
    assert [json.loads(h.body)["attempt"] for h in receiver.hits] == [1, 2]
    assert not smtp.inbox.messages  # mail was turned off


async def test_delivery_gives_up_after_about_a_day(
        settings: Settings, clock: ManualClock, smtp: Smtp, receiver: Receiver,
        caplog: pytest.LogCaptureFixture):
    receiver.statuses = [503] * 20
    async with running(casp(settings, smtp), clock, acme=SigningCA()) as client:
        uid, _, _ = await _user(client, webhook_url=receiver.url, email_enabled=False)
        await notify(user_id=uid, type="renewal_failed", title="t", message="m")
        for attempt, delay in enumerate(deliveries.RETRY_DELAYS, start=1):
            job = await eventually(_job("webhook", status="queued", attempts=attempt))
            assert job.run_at == clock.now() + timedelta(seconds=delay)
            _wake(client, clock, delay)
        with caplog.at_level(logging.WARNING, logger="app.services.notifications.deliveries"):
            await eventually(_job("webhook", status="done", attempts=deliveries.MAX_ATTEMPTS))
    assert len(receiver.hits) == deliveries.MAX_ATTEMPTS == 8
    assert sum(deliveries.RETRY_DELAYS) / 3600 == pytest.approx(24, abs=1)
    assert "given up after 8 attempts" in caplog.text


async def test_removed_webhook_drops_a_pending_delivery(
        settings: Settings, clock: ManualClock, smtp: Smtp, receiver: Receiver):
    receiver.statuses = [500]
    async with running(casp(settings, smtp), clock, acme=SigningCA()) as client:
        uid, me, _ = await _user(client, webhook_url=receiver.url, email_enabled=False)
        await notify(user_id=uid, type="revoked", title="t", message="m")
        await eventually(_job("webhook", status="queued", attempts=1))
        r = await client.post(SETTINGS_URL, headers=me, json={"webhook_url": ""})
        assert r.status_code == 200
        _wake(client, clock, deliveries.RETRY_DELAYS[0])
        await eventually(_job("webhook", status="done", attempts=2))
    assert len(receiver.hits) == 1


async def test_loopback_refused_without_the_allow_flag(
        settings: Settings, clock: ManualClock, smtp: Smtp, receiver: Receiver,
        caplog: pytest.LogCaptureFixture):
    allowing = casp(settings, smtp)
    async with running(allowing, clock, acme=SigningCA()) as client:
        uid, me, _ = await _user(client, webhook_url=receiver.url, email_enabled=False)
    # The same account on a server without the flag (as if the name now pointed inside).
    strict = dataclasses.replace(allowing, webhook_allow_private=False)
    with caplog.at_level(logging.WARNING, logger="app.services.notifications.deliveries"):
        async with running(strict, clock, acme=SigningCA()) as client:
            note = await notify(user_id=uid, type="expired", title="Certificate expired",
                                message="m")
            assert note is not None
            await eventually(_job("webhook", status="done", attempts=1))  # not retried
            assert [n["id"] for n in await _inbox(client, me)] == [note.id]
            r = await client.post(SETTINGS_URL, headers=me, json={"webhook_url": receiver.url})
            assert r.status_code == 400
            assert r.json()["error"]["details"]["fields"]["webhook_url"] == (
                "webhook_url: 127.0.0.1 does not point at a public address")
    assert receiver.hits == []
    assert "(127.0.0.1 is a private, loopback, link-local, reserved or multicast address)" in (
        caplog.text)


async def test_smtp_down_leaves_issuance_alone_and_the_mail_comes_later(
        settings: Settings, clock: ManualClock, smtp: Smtp):
    async with running(casp(settings, smtp), clock, acme=SigningCA()) as client:
        _, me, _ = await _user(client)
        cert_id = await _issue(client, me)  # SMTP is down: issuance finishes all the same
        job = await eventually(_job("email", status="queued", attempts=1))
        assert job.last_error.startswith("email:")
        assert [n["type"] for n in await _inbox(client, me)] == ["certificate_issued"]
        smtp.start()
        _wake(client, clock, deliveries.RETRY_DELAYS[0])
        [mail] = await eventually(lambda: smtp.mails("Certificate issued"))
        await eventually(_job("email", status="done", attempts=2))
        detail = (await client.get("/api/v1/certificates.php", params={"id": cert_id},
                                   headers=me)).json()["data"]
    assert detail["status"] == "issued" and detail["last_error"] is None
    assert mail["To"] == "user@example.com"


async def test_jobs_follow_the_channels_and_types_chosen(
        settings: Settings, clock: ManualClock, smtp: Smtp,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    quiet = casp(settings, smtp, embedded_worker=False)
    async with running(quiet, clock, acme=SigningCA()) as client:
        uid, _, _ = await _user(client, webhook_url="https://hooks.example.com/x",
                                types=["expired"])
        assert await notify(user_id=uid, type="revoked", title="t", message="m")
        assert await Job.filter(kind="deliver").count() == 0  # not a type delivered
        note = await notify(user_id=uid, type="expired", title="t", message="m",
                            dedupe_key="expired:1")
        assert note is not None
        jobs = await Job.filter(kind="deliver").order_by("id")
        assert [(j.key, j.payload) for j in jobs] == [
            (f"deliver:{note.id}:email", {"notification_id": note.id, "channel": "email"}),
            (f"deliver:{note.id}:webhook", {"notification_id": note.id, "channel": "webhook"})]
        assert await notify(user_id=uid, type="expired", title="t", message="m",
                            dedupe_key="expired:1") is None
        assert await Job.filter(kind="deliver").count() == 2  # a repeat is not delivered

        async def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("queue unavailable")
        monkeypatch.setattr(deliveries, "enqueue", broken)
        with caplog.at_level(logging.ERROR, logger="app.services.notifications.deliveries"):
            kept = await notify(user_id=uid, type="expired", title="t2", message="m")
        assert kept is not None and kept.id > note.id  # stored all the same
        assert "could not queue the deliveries" in caplog.text
