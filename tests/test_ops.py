"""Operations: /healthz, /readyz (database and rate-limit storage), /metrics (Prometheus
text with request, job, certificate and outcome figures), JSON log lines."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families

from app import logs
from app.clock import ManualClock
from app.config import Settings
from app.main import metrics_app
from app.services.certificates import outcome_rows
from models.certificate import Certificate
from tests.support.app import OfflineAcme, quiet_settings, running
from tests.support.net import free_port
from tests.support.rest import bearer, login, register


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, tuple(sorted(labels.items()))))


async def test_healthz_and_readyz(client: httpx.AsyncClient):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ready", "checks": {"database": "ok",
                                                      "rate_limit_storage": "ok"}}


async def test_readyz_is_503_while_the_rate_limit_storage_is_down(settings: Settings):
    gone = dataclasses.replace(settings, rate_limit_storage=f"redis://127.0.0.1:{free_port()}")
    async with running(gone) as client:
        r = await client.get("/readyz")
        assert r.status_code == 503
        assert r.json() == {"status": "unavailable", "checks": {
            "database": "ok", "rate_limit_storage": "unavailable"}}
        assert (await client.get("/healthz")).status_code == 200  # alive all the same


async def test_metrics_count_requests_jobs_certificates_and_outcomes(settings: Settings,
                                                                     clock: ManualClock):
    async with running(quiet_settings(settings), clock, acme=OfflineAcme()) as client:
        # Request counters live as long as the process (other tests add to them): deltas.
        before = (await client.get("/metrics")).text
        await register(client)
        token = await login(client)
        await client.post("/api/v1/domains.php", headers=bearer(token),
                          json={"domain": "metrics.example.com"})
        for _ in range(2):
            r = await client.post("/api/v1/certificates.php", headers=bearer(token), json={
                "ca_provider": "letsencrypt", "domains": ["metrics.example.com"]})
            assert r.status_code == 201, r.text
        odd = await client.get("/api/v1/certificates.php?action=nonsense",
                               headers=bearer(token))
        first = await Certificate.filter(status="pending").first()
        assert first is not None
        await outcome_rows.issuance(first, {"type": "urn:ietf:params:acme:error:rateLimited"})
        await outcome_rows.issuance(first)
        clock.advance(seconds=90)

        r = await client.get("/metrics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        text = r.text
        def added(**labels: str) -> float:
            return (value(text, "casp_http_requests_total", **labels) or 0) - (
                value(before, "casp_http_requests_total", **labels) or 0)
        assert added(route="/api/v1/certificates.php", action="", method="POST",
                     status="201") == 2
        assert added(route="/api/v1/certificates.php", action="other", method="GET",
                     status=str(odd.status_code)) == 1
        assert value(text, "casp_certificates", status="pending", ca="letsencrypt") == 2
        assert value(text, "casp_jobs", kind="issue", state="queued") == 2
        assert value(text, "casp_jobs_oldest_due_age_seconds") >= 90  # type: ignore[operator]
        assert value(text, "casp_issuance_outcomes_total", ca="letsencrypt",
                     outcome="failed", error_kind="rateLimited") == 1
        assert value(text, "casp_issuance_outcomes_total", ca="letsencrypt",
                     outcome="issued", error_kind="") == 1
        assert value(text, "casp_certificate_soonest_expiry_seconds") is None  # none issued

        first.status, first.expires_at = "issued", clock.now() + timedelta(days=3)
        await first.save()
        text = (await client.get("/metrics")).text
        assert value(text, "casp_certificate_soonest_expiry_seconds") == 3 * 86400


def test_json_log_lines_carry_the_request_id():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logs.formatter("json"))
    logger = logging.getLogger("casp.test.json")
    logger.addHandler(handler)
    token = logs.request_id.set("abc123")
    try:
        logger.warning("something %s", "happened")
    finally:
        logs.request_id.reset(token)
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "something happened" and line["request_id"] == "abc123"
    assert line["level"] == "WARNING" and line["logger"] == "casp.test.json" and line["time"]


METRICS_TOKEN = "scrape-token-of-32-characters-xx"


async def test_metrics_behind_a_token(settings: Settings):
    guarded = dataclasses.replace(settings, metrics_token=METRICS_TOKEN)
    async with running(guarded) as client:
        for headers in ({}, bearer("wrong"), bearer(METRICS_TOKEN + "x"),
                        {"Authorization": f"Basic {METRICS_TOKEN}"}, bearer("")):
            r = await client.get("/metrics", headers=headers)
            assert r.status_code == 401, headers
            assert r.json()["error"] == {
                "code": "UNAUTHORIZED",
                "message": "/metrics needs 'Authorization: Bearer <CASP_METRICS_TOKEN>'"}
            assert "casp_" not in r.text
        r = await client.get("/metrics", headers=bearer(METRICS_TOKEN))
        assert r.status_code == 200 and "casp_http_requests_total" in r.text


async def test_metrics_on_a_listener_of_their_own_are_not_on_the_app(settings: Settings):
    """With CASP_METRICS_LISTEN the app has no /metrics; metrics_app (what `casp serve`
    runs on that listener, tests/test_cli.py) has it, behind the token when one is set."""
    apart = dataclasses.replace(settings, metrics_listen=("127.0.0.1", free_port()),
                                metrics_token=METRICS_TOKEN)
    async with running(apart) as client:
        r = await client.get("/metrics", headers=bearer(METRICS_TOKEN))
        assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
        transport = httpx.ASGITransport(app=metrics_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://m") as side:
            assert (await side.get("/metrics")).status_code == 401
            r = await side.get("/metrics", headers=bearer(METRICS_TOKEN))
            assert r.status_code == 200 and "casp_certificates" in r.text
            assert (await side.get("/healthz")).status_code == 404
