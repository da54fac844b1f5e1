"""Prometheus metrics (prometheus-client). Request counts and latency are this process's
own; the rest is read from the database at each scrape, so any API process reports what
every worker did (issuance and renewal outcomes, the job queue, certificates)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from starlette.types import Scope
from tortoise.functions import Count, Min

from app.runtime import current
from models.certificate import Certificate, IssuanceEvent, RenewalEvent
from models.job import Job

disable_created_metrics()  # the *_created series only add noise to every scrape
REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
REQUESTS = Counter("casp_http_requests", "HTTP requests answered",
                   ("route", "action", "method", "status"), registry=REGISTRY)
LATENCY = Histogram("casp_http_request_duration_seconds", "Time to answer, by route",
                    ("route", "action", "method"), registry=REGISTRY,
                    buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60))


def _route(scope: Scope) -> tuple[str, str]:
    """Bounded labels: the route's template (not the raw path) and a known action."""
    path = getattr(scope.get("route"), "path", None) or "unmatched"
    action = ""
    query = scope.get("query_string", b"")
    if path.startswith("/api/") and (b"action" in query or b"%" in query):  # else none
        for key, value in _query(scope):
            if key == "action":
                action = value if value in _actions() else "other"
    return path, action


@functools.cache
def _actions() -> frozenset[str]:
    from app.rest.v1 import RESOURCES

    return frozenset(a.name for r in RESOURCES for a in r.actions if a.name)


def _query(scope: Scope) -> Iterator[tuple[str, str]]:
    from urllib.parse import parse_qsl

    yield from parse_qsl(scope.get("query_string", b"").decode("latin-1"))


# The series' children by label values: `labels()` validates and locks on every call (half
# of recording a request). Bounded like the series themselves; cleared if it ever grows past.
_CHILDREN: dict[tuple[str, str, str, int], tuple[Any, Any]] = {}
MAX_CHILDREN = 4096


def record(scope: Scope, status: int, seconds: float) -> None:
    """Count and time one answered request (app/middleware.py's Gateway calls it)."""
    route, action = _route(scope)
    key = (route, action, scope.get("method", ""), status)
    children = _CHILDREN.get(key)
    if children is None:
        if len(_CHILDREN) >= MAX_CHILDREN:
            _CHILDREN.clear()
        children = _CHILDREN[key] = (REQUESTS.labels(route, action, key[2], str(status)),
                                     LATENCY.labels(route, action, key[2]))
    children[0].inc()
    children[1].observe(seconds)


@dataclass(eq=False)  # hashable by identity: a registry keeps collectors in a dict
class Snapshot:
    """What the database says at one scrape."""

    issuance: list[dict[str, Any]] = field(default_factory=list)
    renewal: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    oldest_due: datetime | None = None
    certificates: list[dict[str, Any]] = field(default_factory=list)
    soonest_expiry: datetime | None = None
    now: datetime = field(default_factory=lambda: current().clock.now())

    async def read(self) -> Snapshot:
        outcome = ("ca_provider", "succeeded", "error_kind")
        self.issuance = await IssuanceEvent.annotate(n=Count("id")).group_by(
            *outcome).values(*outcome, "n")
        self.renewal = await RenewalEvent.annotate(n=Count("id")).group_by(
            *outcome).values(*outcome, "n")
        self.jobs = await Job.filter(status__in=("queued", "running")).annotate(
            n=Count("id")).group_by("kind", "status").values("kind", "status", "n")
        due = await Job.filter(status="queued", run_at__lte=self.now).annotate(
            first=Min("run_at")).values("first")
        self.oldest_due = due[0]["first"] if due else None
        self.certificates = await Certificate.annotate(n=Count("id")).group_by(
            "status", "ca_provider").values("status", "ca_provider", "n")
        soonest = await Certificate.filter(status="issued").order_by("expires_at").first()
        self.soonest_expiry = soonest.expires_at if soonest else None
        return self

    def collect(self) -> Iterator[Metric]:
        yield from (self._outcomes("casp_issuance_outcomes", "Issuance results by CA and "
                                   "error kind", self.issuance, "issued"),
                    self._outcomes("casp_renewal_outcomes", "Renewal results by CA and "
                                   "error kind", self.renewal, "renewed"))
        jobs = GaugeMetricFamily("casp_jobs", "Unfinished jobs by kind and state",
                                 labels=("kind", "state"))
        for row in self.jobs:
            jobs.add_metric((row["kind"], row["status"]), row["n"])
        yield jobs
        yield GaugeMetricFamily(
            "casp_jobs_oldest_due_age_seconds", "How long the oldest due job has waited",
            value=_seconds(self.now, self.oldest_due) if self.oldest_due else 0.0)
        certs = GaugeMetricFamily("casp_certificates", "Certificates by status and CA",
                                  labels=("status", "ca"))
        for row in self.certificates:
            certs.add_metric((row["status"], row["ca_provider"]), row["n"])
        yield certs
        if self.soonest_expiry is not None:
            yield GaugeMetricFamily(
                "casp_certificate_soonest_expiry_seconds",
                "Seconds until the soonest not-after of an issued certificate",
                value=_seconds(self.soonest_expiry, self.now))

    @staticmethod
    def _outcomes(name: str, doc: str, rows: list[dict[str, Any]],
                  good: str) -> CounterMetricFamily:
        family = CounterMetricFamily(name, doc, labels=("ca", "outcome", "error_kind"))
        for row in rows:
            family.add_metric((row["ca_provider"], good if row["succeeded"] else "failed",
                               row["error_kind"] or ""), row["n"])
        return family


def _seconds(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()


async def exposition() -> bytes:
    """This process's metrics, then the database's, in the text format."""
    snapshot = await Snapshot().read()
    scrape = CollectorRegistry()
    scrape.register(snapshot)
    return generate_latest(REGISTRY) + generate_latest(scrape)
