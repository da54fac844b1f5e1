"""Renewal rules with a moved clock and rows written directly (no CA needed): the due
selection, failure backoff, expiry and the expiry warnings (once each), renewal.php."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.acme.errors import AcmeProblem
from app.acme.interface import Account, ChallengeHooks, IssueRequest
from app.clock import ManualClock
from app.config import Settings
from app.services.certificates import renewal, renewal_policy, sweeps
from models.certificate import Certificate
from models.job import Job
from models.notification import Notification
from tests.support.app import running
from tests.support.rest import bearer, login, register


class RefusingCA:
    """A unit-test stand-in: every order is refused, as a CA's problem document."""

    async def issue(self, request: IssueRequest, hooks: ChallengeHooks) -> str:
        raise AcmeProblem({"type": "urn:ietf:params:acme:error:rejectedIdentifier",
                           "detail": "policy forbids issuing for this name"})

    async def revoke(self, account: Account, cert_pem: str, reason: int) -> None:
        raise AssertionError("not used")

    async def external_account_required(self, directory_url: str) -> bool:
        return False


class RateLimitedCA(RefusingCA):
    """The CA refuses with rateLimited and asks for 5 hours (Retry-After)."""

    async def issue(self, request: IssueRequest, hooks: ChallengeHooks) -> str:
        error = AcmeProblem({"type": "urn:ietf:params:acme:error:rateLimited",
                             "detail": "too many certificates already issued"})
        error.retry_after = 5 * 3600
        raise error


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    quiet = dataclasses.replace(settings, embedded_worker=False)
    async with running(quiet, clock, acme=RefusingCA()) as client:
        yield client


async def _user(client: httpx.AsyncClient) -> tuple[int, str]:
    """A user holding a.example.com (first to add it), the name of _cert's certificates."""
    data = await register(client)
    token = await login(client)
    r = await client.post("/api/v1/domains.php", headers=bearer(token),
                          json={"domain": "a.example.com"})
    assert r.json()["data"]["ownership"]["status"] == "held", r.text
    return data["user_id"], token


async def _cert(user_id: int, clock: ManualClock, days_left: float,
                lifetime: timedelta = timedelta(days=90), **extra: Any) -> Certificate:
    """An issued certificate of `lifetime` with `days_left`, as issuance writes it (its next
    expiry warning after the one of `expiry_notified_days`, if given)."""
    now = clock.now()
    expires = now + timedelta(days=days_left)
    fields: dict[str, Any] = {
        "user_id": user_id, "domains": ["a.example.com"], "search_text": " a.example.com ",
        "ca_provider": "letsencrypt", "challenge_type": "http-01", "key_type": "ec-256",
        "status": "issued", "stage": "done", "serial": "abc", "issued_at": expires - lifetime,
        "expires_at": expires, "renew_at": now + timedelta(days=1000),
        "expiry_warn_at": renewal_policy.next_warning(expires - lifetime, expires,
                                                      extra.get("expiry_notified_days")),
        "certificate_pem": "x", "directory_url": "https://ca.invalid/dir", "created_at": now,
        "updated_at": now}
    return await Certificate.create(**(fields | extra))


async def test_due_selection_queues_only_what_is_due(app: httpx.AsyncClient,
                                                     clock: ManualClock):
    uid, _ = await _user(app)
    due = await _cert(uid, clock, 20, renew_at=clock.now() - timedelta(minutes=1))
    await _cert(uid, clock, 80)  # not due
    await _cert(uid, clock, 10, renew_at=clock.now(), auto_renew=False)  # opted out
    assert await sweeps.renew_due(clock.now()) == 1
    jobs = await Job.filter(kind="renew").values_list("payload", flat=True)
    assert jobs == [{"certificate_id": due.id}]
    assert await sweeps.renew_due(clock.now()) == 1  # the same job again, not a second one
    assert await Job.filter(kind="renew").count() == 1


async def test_failures_back_off_from_an_hour_to_a_day(app: httpx.AsyncClient,
                                                       clock: ManualClock):
    uid, token = await _user(app)
    cert = await _cert(uid, clock, 20, renew_at=clock.now())
    job = Job(payload={"certificate_id": cert.id}, attempts=1)
    gaps = []
    for _ in range(7):
        await renewal.run_renewal(job)
        await cert.refresh_from_db()
        gaps.append(cert.renew_at - clock.now())
        clock._now = cert.renew_at
    assert gaps == [timedelta(hours=h) for h in (1, 2, 4, 8, 16, 24, 24)]
    assert cert.status == "issued" and cert.last_error["detail"].startswith("policy forbids")
    stats = (await app.get("/api/v1/renewal.php", headers=bearer(token))).json()["data"]
    assert stats["failed_renewals"] == 7 and stats["successful_renewals"] == 0
    assert stats["pending_renewals"] == 1  # due again now
    failed = await Notification.filter(type="renewal_failed").count()
    assert failed == 7


async def test_a_failed_renewal_waits_at_least_the_cas_retry_after(settings: Settings,
                                                                   clock: ManualClock):
    quiet = dataclasses.replace(settings, embedded_worker=False)
    async with running(quiet, clock, acme=RateLimitedCA()) as client:
        uid, _ = await _user(client)
        cert = await _cert(uid, clock, 20, renew_at=clock.now())
        job = Job(payload={"certificate_id": cert.id}, attempts=1)
        await renewal.run_renewal(job)  # first failure: backoff 1 h, the CA said 5 h
        await cert.refresh_from_db()
        assert cert.renew_at - clock.now() == timedelta(hours=5)
        assert cert.last_error["type"].endswith(":rateLimited")
        for _ in range(3):  # 2, 4, 8 hours: once the backoff is longer, it wins
            clock._now = cert.renew_at
            await renewal.run_renewal(job)
            await cert.refresh_from_db()
        assert cert.renew_at - clock.now() == timedelta(hours=8)


async def test_expiry_warnings_once_each_then_expired(app: httpx.AsyncClient,
                                                      clock: ManualClock):
    uid, token = await _user(app)
    cert = await _cert(uid, clock, 20, auto_renew=False)
    sent: list[int] = []
    for days_left in (15, 13.5, 13, 6.9, 6, 2.5, 0.9, 0.5):
        clock._now = cert.expires_at - timedelta(days=days_left)
        sent.append(await sweeps.warn_expiring(clock.now()))
    assert sent == [0, 1, 0, 1, 0, 1, 1, 0]
    titles = await Notification.filter(type="expiring").order_by("id").values_list(
        "title", flat=True)
    assert [t.split(":")[0] for t in titles] == [
        "Certificate expires in 13 days", "Certificate expires in 6 days",
        "Certificate expires in 2 days", "Certificate expires in 21 hours"]
    clock._now = cert.expires_at + timedelta(seconds=1)
    assert await sweeps.mark_expired(clock.now()) == 1
    assert await sweeps.mark_expired(clock.now()) == 0
    await cert.refresh_from_db()
    assert cert.status == "expired"
    inbox = (await app.get("/api/v1/notifications.php", headers=bearer(token))).json()["data"]
    assert inbox["notifications"][0]["type"] == "expired"
    assert inbox["unread_count"] == 5


async def test_a_six_day_certificate_is_warned_hours_before_it_expires(
        app: httpx.AsyncClient, clock: ManualClock):
    """At 14, 7, 3 and 1 ninetieths of its lifetime: 22 h 24 min, 11 h 12 min, ... left."""
    uid, _ = await _user(app)
    cert = await _cert(uid, clock, 6, lifetime=timedelta(days=6), auto_renew=False)
    sent: list[int] = []
    for hours_left in (23, 22, 12, 11, 5, 4.5, 2, 1.5, 1):
        clock._now = cert.expires_at - timedelta(hours=hours_left)
        sent.append(await sweeps.warn_expiring(clock.now()))
    assert sent == [0, 1, 0, 1, 0, 1, 0, 1, 0]
    titles = await Notification.filter(type="expiring").order_by("id").values_list(
        "title", flat=True)
    assert [t.split(":")[0] for t in titles] == [
        f"Certificate expires in {left}" for left in ("22 hours", "11 hours", "4 hours",
                                                      "90 minutes")]
    await cert.refresh_from_db()
    assert cert.expiry_notified_days == 1 and cert.expiry_warn_at is None


async def test_renewal_statistics_figures(app: httpx.AsyncClient, clock: ManualClock):
    uid, token = await _user(app)
    await _cert(uid, clock, 10, renew_at=clock.now() - timedelta(hours=1))  # due: pending
    await _cert(uid, clock, 25, renew_at=clock.now() + timedelta(days=2))  # next
    await _cert(uid, clock, 80, renew_at=clock.now() + timedelta(days=50))
    stats = (await app.get("/api/v1/renewal.php", headers=bearer(token))).json()["data"]
    assert stats["pending_renewals"] == 1
    assert stats["expiring_within_30_days"] == 2
    assert stats["next_renewal_at"].startswith(
        (clock.now() + timedelta(days=2)).date().isoformat())
    assert stats["by_ca"] == {"letsencrypt": {"successful_renewals": 0, "failed_renewals": 0,
                                              "pending_renewals": 1}}
    other = await register(app, "other@example.com")
    assert other["user_id"] != uid
    theirs = (await app.get("/api/v1/renewal.php",
                            headers=bearer(await login(app, "other@example.com")))).json()
    assert theirs["data"]["pending_renewals"] == 0 and theirs["data"]["by_ca"] == {}


async def test_a_due_warning_is_not_crowded_out_by_warned_ones(app: httpx.AsyncClient,
                                                               clock: ManualClock):
    """More certificates already warned than one sweep reads (1,000) must not hide the one
    that crossed its next threshold: the rule is in the query, not after it."""
    uid, _ = await _user(app)
    # Warned at 3 days, expiring before the due one: first in expiry order.
    template = await _cert(uid, clock, 2.5, auto_renew=False, expiry_notified_days=3)
    await Certificate.bulk_create([Certificate(**{
        k: getattr(template, k) for k in ("domains", "search_text", "ca_provider",
                                          "challenge_type", "key_type", "status", "stage",
                                          "serial", "issued_at", "expires_at", "renew_at",
                                          "certificate_pem", "directory_url", "created_at",
                                          "updated_at", "expiry_notified_days", "auto_renew",
                                          "expiry_warn_at")},
        user_id=uid) for _ in range(sweeps.BATCH)])
    due = await _cert(uid, clock, 6, auto_renew=False, expiry_notified_days=14)
    assert await sweeps.warn_expiring(clock.now()) == 1
    await due.refresh_from_db()
    assert due.expiry_notified_days == 7


async def test_finished_jobs_are_deleted_once_old(app: httpx.AsyncClient, clock: ManualClock):
    now = clock.now()

    async def job(status: str, age_days: float, key: str | None = None) -> int:
        at = now - timedelta(days=age_days)
        row = await Job.create(kind="issue", payload={}, status=status, run_at=at,
                               created_at=at, key=key,
                               finished_at=at if status in ("done", "failed") else None)
        return row.id

    kept = [await job("done", 6), await job("failed", 8), await job("failed", 29),
            await job("queued", 40, key="issue:1"), await job("running", 40, key="issue:2")]
    gone = [await job("done", 8), await job("done", 100), await job("failed", 31)]
    assert await sweeps.purge_finished_jobs(now) == len(gone)
    left = set(await Job.all().values_list("id", flat=True))
    assert set(kept) <= left and left.isdisjoint(gone)
    assert await sweeps.purge_finished_jobs(now) == 0
