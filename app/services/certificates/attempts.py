"""One attempt at a certificate's ACME order, for issuance and renewal alike: run the order,
and let what went wrong decide what follows (wait for the user's DNS records, retry while
the CA or DNS is unreachable, fail with the CA's problem, or leave a bug to the worker's
retries). What the two do differently is data, in their AttemptPolicy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.acme.errors import AcmeError, AwaitingDns, Transient
from app.jobs.queue import RetryLater
from app.jobs.retry import MAX_ATTEMPTS, backoff
from app.runtime import current
from app.services.certificates import fallback
from app.services.certificates.saving import save
from models.certificate import Certificate
from models.job import Job

Problem = dict[str, Any]
Succeeded = Callable[[Certificate, str], Awaitable[None]]  # with the full chain
Failed = Callable[[Certificate, Problem, float | None], Awaitable[None]]  # the Retry-After


@dataclass(frozen=True)
class AttemptPolicy:
    """How one kind of job treats an attempt that did not end in a certificate."""

    kind: str  # "issuance" or "renewal", in the detail of an internal error
    since: str  # the record's field that waits are measured from (unset: from now)
    # An unreachable CA or DNS is retried for this long since `since`, those tries not
    # counted as attempts (an outage of the CA must not fail what it issues an hour later) ...
    transient_window: timedelta | None = None
    # ... or while the job has had fewer attempts than this.
    transient_attempts: int = 0
    # Then it fails with a problem of this type (None: the error's own problem).
    transient_gives_up_as: str | None = None
    dns_moves_renew_at: bool = False  # awaited DNS: keep the sweep from bringing it forward
    order_field: str = "order_url"  # the record's field of this attempt's order URL
    # An unexpected error on the last attempt fails the record, and the job too (or the
    # job ends done, the failure being recorded).
    internal_fails_job: bool = True


async def run(job: Job, cert: Certificate, policy: AttemptPolicy, order: Awaitable[str], *,
              succeeded: Succeeded, failed: Failed) -> None:
    """Await the order and record its outcome; raises RetryLater, or the unexpected error,
    for the worker to run the job again. The outcome callbacks come with each call, not in
    the policy: a wrapper put on them later (bench/probes.py) is the one that runs."""
    try:
        chain = await order
    except AwaitingDns as exc:
        await _await_dns(cert, exc, policy, failed)
    except Transient as exc:
        await _next_ca(cert, exc, policy)
        await _transient(job, cert, exc, policy, failed)
    except AcmeError as exc:
        await _next_ca(cert, exc, policy)
        await failed(cert, exc.problem(), exc.retry_after)
    except Exception:
        if job.attempts < MAX_ATTEMPTS:
            raise
        await failed(cert, {"type": "casp:internal",
                            "detail": f"internal error during {policy.kind} (see the log)"},
                     None)
        if policy.internal_fails_job:
            raise
    else:
        await succeeded(cert, chain)


async def _next_ca(cert: Certificate, exc: Exception, policy: AttemptPolicy) -> None:
    """The CA's own failure, with a fallback CA left: run again at once, with that CA."""
    if await fallback.switched(cert, exc, policy.order_field):
        raise RetryLater(0.5, f"{exc}; trying {cert.ca_provider}", count_attempt=False) from exc


async def _await_dns(cert: Certificate, exc: AwaitingDns, policy: AttemptPolicy,
                     failed: Failed) -> None:
    """Manual dns-01: fail past the bound; else look again later, with backoff (the user
    may also ask now)."""
    since = _since(cert, policy)
    overdue = _dns_overdue(since, exc)
    if overdue is not None:
        await failed(cert, overdue, None)
        return
    waited = (current().clock.now() - since).total_seconds()
    delay = min(1800.0, max(15.0, waited / 10))
    moved = ({"renew_at": current().clock.now() + timedelta(seconds=delay)}
             if policy.dns_moves_renew_at else {})
    await save(cert, stage="awaiting_dns", last_error=exc.problem(), **moved)
    raise RetryLater(delay, str(exc), count_attempt=False)


def _since(cert: Certificate, policy: AttemptPolicy) -> datetime:
    return getattr(cert, policy.since) or current().clock.now()


def _dns_overdue(since: datetime, exc: AwaitingDns) -> Problem | None:
    """The problem to fail with when manual records were awaited past the bound."""
    hours = current().settings.manual_dns_hours
    if (current().clock.now() - since).total_seconds() <= hours * 3600:
        return None
    return {"type": "casp:dnsNotFound",
            "detail": f"the TXT records were not seen within {hours} hours: {exc}"}


async def _transient(job: Job, cert: Certificate, exc: Transient, policy: AttemptPolicy,
                     failed: Failed) -> None:
    """The CA or DNS is unreachable for now: show why on the record and try again, never
    before the CA's Retry-After; past the policy's bound, fail."""
    retry = _transient_retry(job, cert, policy)
    if retry is None:
        given_up = policy.transient_gives_up_as
        await failed(cert, {"type": given_up, "detail": str(exc)} if given_up
                     else exc.problem(), exc.retry_after)
        return
    delay, counted = retry
    # `since`: when the failures in a row began, for the fallback's CASP_FALLBACK_AFTER_SECONDS
    since = fallback.unavailable_since(cert).isoformat()
    await save(cert, last_error=exc.problem() | {"since": since})
    raise RetryLater(max(delay, exc.retry_after or 0), str(exc), count_attempt=counted) from exc


def _transient_retry(job: Job, cert: Certificate,
                     policy: AttemptPolicy) -> tuple[float, bool] | None:
    """The delay before the next try and whether it counts as an attempt; None: give up."""
    if policy.transient_window is None:
        return (backoff(job.attempts), True) if job.attempts < policy.transient_attempts else None
    waited = (current().clock.now() - _since(cert, policy)).total_seconds()
    if waited > policy.transient_window.total_seconds():
        return None
    # Uncounted tries leave job.attempts as it is: the wait itself lengthens the backoff,
    # from seconds to 5 minutes (backoff's cap).
    return min(backoff(9), max(backoff(job.attempts), waited / 10)), False
