"""Renewal: the job that renews one certificate in its own record (the old version goes to
the history), the renew-now action, and the outcome bookkeeping."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.acme.errors import AcmeError, AwaitingDns
from app.errors import ValidationFailed
from app.jobs.queue import RetryLater, enqueue
from app.jobs.worker import MAX_ATTEMPTS, backoff
from app.runtime import current
from app.services import outcomes, renewal_policy
from app.services.certificate_view import CertificateDetail, detail_of
from app.services.certificates import get_certificate
from app.services.issuance import (
    RENEWAL,
    TRANSIENT,
    certificate_fields,
    dns_overdue,
    issue,
)
from app.services.notifications import notify
from app.services.records import atomic_then_publish, save
from models.certificate import Certificate, CertificateVersion, RenewalEvent
from models.job import Job
from models.user import User

log = logging.getLogger(__name__)
RENEWABLE = ("issued", "expired")


def job_key(cert_id: int) -> str:
    return f"renew:{cert_id}"


async def schedule(cert_id: int) -> None:
    await enqueue("renew", {"certificate_id": cert_id}, key=job_key(cert_id))


async def run_renewal(job: Job) -> None:
    cert = await Certificate.get_or_none(id=job.payload["certificate_id"])
    if cert is None or cert.status not in RENEWABLE or await _done_already(cert, job):
        return
    if cert.renewal_started_at is None:
        await save(cert, renewal_started_at=current().clock.now())
    try:
        chain = await issue(cert, RENEWAL)
    except AwaitingDns as exc:
        await _await_dns(cert, exc)
    except TRANSIENT as exc:
        if job.attempts < MAX_ATTEMPTS // 2:
            await save(cert, last_error=exc.problem() if isinstance(exc, AcmeError)
                       else {"type": "casp:dns", "detail": str(exc)})
            raise RetryLater(_wait(backoff(job.attempts), exc), str(exc)) from exc
        await _failed(cert, {"type": "casp:unavailable", "detail": str(exc)},
                      getattr(exc, "retry_after", None))
    except AcmeError as exc:
        await _failed(cert, exc.problem(), exc.retry_after)
    except Exception:
        if job.attempts >= MAX_ATTEMPTS:  # record it, or the sweep would queue it forever
            await _failed(cert, {"type": "casp:internal",
                                 "detail": "internal error during renewal (see the log)"})
            return
        raise
    else:
        await _renewed(cert, chain)


def _wait(backoff_seconds: float, exc: Exception) -> float:
    """Our backoff, or longer when the CA asked for more."""
    return max(backoff_seconds, getattr(exc, "retry_after", None) or 0)


async def _done_already(cert: Certificate, job: Job) -> bool:
    """A worker that died between the renewal and marking its job done: the job comes back
    to another worker, which must not renew a second time."""
    if cert.renewal_started_at is not None or job.created_at is None:
        return False
    return await CertificateVersion.exists(
        certificate=cert, replaced_at__gt=job.created_at)


async def _await_dns(cert: Certificate, exc: AwaitingDns) -> None:
    """Manual dns-01: fail past the bound; else come back later, moving renew_at too so
    that the sweep does not bring the job forward every tick."""
    since = cert.renewal_started_at or current().clock.now()
    overdue = dns_overdue(since, exc)
    if overdue is not None:
        await _failed(cert, overdue)
        return
    waited = (current().clock.now() - since).total_seconds()
    delay = min(1800.0, max(15.0, waited / 10))
    await save(cert, stage="awaiting_dns", last_error=exc.problem(),
               renew_at=current().clock.now() + timedelta(seconds=delay))
    raise RetryLater(delay, str(exc), count_attempt=False)


@atomic_then_publish  # the outcome, its record and its notification: all or none
async def _renewed(cert: Certificate, fullchain: str) -> None:
    now = current().clock.now()
    if cert.certificate_pem and cert.serial and cert.issued_at and cert.expires_at:
        await CertificateVersion.create(
            certificate=cert, serial=cert.serial, certificate_pem=cert.certificate_pem,
            chain_pem=cert.chain_pem, issued_at=cert.issued_at, expires_at=cert.expires_at,
            replaced_at=now)
    info, fields = certificate_fields(fullchain)
    await save(cert, status="issued", key_encrypted=cert.renewal_key_encrypted,
               csr_pem=cert.renewal_csr_pem, order_url=cert.renewal_order_url,
               renewal_key_encrypted=None, renewal_csr_pem=None, renewal_order_url=None,
               renewal_started_at=None, **fields)
    await _event(cert)
    await notify(user_id=cert.user_id, type="renewal_succeeded",
                 title=f"Certificate renewed: {cert.domains[0]}", certificate_id=cert.id,
                 message=f"The certificate for {', '.join(cert.domains)} was renewed; it now "
                         f"expires on {info.not_after.date()}.")


@atomic_then_publish  # the outcome, its record and its notification: all or none
async def _failed(cert: Certificate, problem: dict[str, Any],
                  retry_after: float | None = None) -> None:
    """Try again after backoff (1 h doubling to 24 h), and never before the CA's
    Retry-After; the sweep brings the job back."""
    failures = cert.renewal_failures + 1
    delay = max(renewal_policy.retry_delay(failures), timedelta(seconds=retry_after or 0))
    retry_at = current().clock.now() + delay
    await save(cert, renewal_failures=failures, renew_at=retry_at, last_error=problem,
               stage="renewal_failed", renewal_order_url=None, renewal_started_at=None)
    await _event(cert, problem)
    await notify(user_id=cert.user_id, type="renewal_failed",
                 title=f"Renewal failed: {cert.domains[0]}", certificate_id=cert.id,
                 message=f"Renewing the certificate for {', '.join(cert.domains)} failed "
                         f"({problem.get('detail') or problem.get('type')}); casp tries "
                         f"again at {retry_at:%Y-%m-%d %H:%M} UTC.")


async def _event(cert: Certificate, problem: dict[str, Any] | None = None) -> None:
    await RenewalEvent.create(user_id=cert.user_id,
                              certificate_id=cert.id, ca_provider=cert.ca_provider,
                              succeeded=problem is None,
                              error_kind=outcomes.error_kind(problem),
                              created_at=current().clock.now())


@dataclass(frozen=True)
class RenewOutcome:
    certificate: CertificateDetail
    finished: bool  # False: still running when the wait ended (the API answers 202)


def _renewal_failed(cert: Certificate) -> ValidationFailed:
    problem = cert.last_error or {}
    return ValidationFailed(f"renewal failed: {problem.get('detail') or problem}", field="id",
                            details={"last_error": problem})


async def renew_now(*, user: User, id: int) -> RenewOutcome:
    """Renew at once and wait for the result up to CASP_RENEW_WAIT_SECONDS; a renewal that
    failed in that time is a VALIDATION_ERROR carrying the CA's problem."""
    cert = await get_certificate(user=user, id=id)
    if cert.status not in RENEWABLE:
        raise ValidationFailed(f"certificate {id} is {cert.status}; only an issued (or "
                               "expired) certificate can be renewed", field="id")
    before = (cert.serial, cert.renewal_failures)
    await schedule(cert.id)
    deadline = time.monotonic() + current().settings.renew_wait_seconds
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        await cert.refresh_from_db()
        if (cert.serial, cert.renewal_failures) != before:
            if cert.stage == "renewal_failed":
                raise _renewal_failed(cert)
            return RenewOutcome(detail_of(cert), True)
    return RenewOutcome(detail_of(cert), False)
