"""Renewal: the job that renews one certificate in its own record (the old version goes to
the history), the renew-now action, and the outcome bookkeeping."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.errors import ValidationFailed
from app.jobs.retry import MAX_ATTEMPTS
from app.runtime import current
from app.services import quotas
from app.services.certificates import attempts, fallback, jobs, outcome_rows, renewal_policy
from app.services.certificates.challenges import NOT_HOLDER
from app.services.certificates.issuance import RENEWAL, certificate_fields, issue
from app.services.certificates.records import get_certificate
from app.services.certificates.saving import atomic_then_publish, save
from app.services.certificates.view import CertificateDetail, detail_of
from app.services.deployments import runs as deployments
from app.services.notifications.inbox import notify
from app.wording import Value
from models.certificate import Certificate, CertificateVersion, RenewalEvent
from models.job import Job
from models.user import User

log = logging.getLogger(__name__)
RENEWABLE = ("issued", "expired")
# A renewal has time: past a few quick tries it fails, and the failure backoff (1 h to 24 h)
# and the sweep bring it back. An unexpected error on the last attempt is recorded as a
# failure too (or the sweep would queue it forever), and its job ends done.
POLICY = attempts.AttemptPolicy(
    "renewal", since="renewal_started_at", transient_attempts=MAX_ATTEMPTS // 2,
    transient_gives_up_as="casp:unavailable", dns_moves_renew_at=True,
    internal_fails_job=False, order_field=RENEWAL.order)


async def run_renewal(job: Job) -> None:
    cert = await jobs.certificate_of(job)
    if cert is None or cert.status not in RENEWABLE or await _done_already(cert, job):
        return
    if cert.renewal_started_at is None:
        await fallback.renewal_started(cert)
        await save(cert, renewal_started_at=current().clock.now())
    await attempts.run(job, cert, POLICY, issue(cert, RENEWAL), succeeded=_renewed,
                       failed=_failed)


async def _done_already(cert: Certificate, job: Job) -> bool:
    """A worker that died between the renewal and marking its job done: the job comes back
    to another worker, which must not renew a second time."""
    if cert.renewal_started_at is not None or job.created_at is None:
        return False
    return await CertificateVersion.exists(
        certificate=cert, replaced_at__gt=job.created_at)


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
    await deployments.schedule_for(cert)
    await notify(user_id=cert.user_id, type="renewal_succeeded",
                 title=f"Certificate renewed: {cert.domains[0]}", certificate_id=cert.id,
                 message=f"The certificate for {', '.join(cert.domains)} was renewed by "
                         f"{cert.ca_provider}{fallback.note(cert)}; it now expires on "
                         f"{info.not_after.date()}.")


@atomic_then_publish  # the outcome, its record and its notification: all or none
async def _failed(cert: Certificate, problem: dict[str, Any],
                  retry_after: float | None = None) -> None:
    """Try again after backoff (1 h doubling to 24 h), and never before the CA's
    Retry-After; the sweep brings the job back."""
    failures = cert.renewal_failures + 1
    delay = max(renewal_policy.retry_delay(failures), timedelta(seconds=retry_after or 0))
    retry_at = current().clock.now() + delay
    # A name held by another user now: trying again cannot help, auto-renew stops.
    stop = {"auto_renew": False} if problem.get("type") == NOT_HOLDER else {}
    tried = fallback.note(cert)
    await save(cert, renewal_failures=failures, renew_at=retry_at, last_error=problem,
               stage="renewal_failed", renewal_order_url=None, renewal_started_at=None,
               **stop, **fallback.renewal_failed(cert))
    await _event(cert, problem)
    then = ("auto-renew is now off" if stop else
            f"casp tries again at {retry_at:%Y-%m-%d %H:%M} UTC")
    await notify(user_id=cert.user_id, type="renewal_failed",
                 title=f"Renewal failed: {cert.domains[0]}", certificate_id=cert.id,
                 message=f"Renewing the certificate for {', '.join(cert.domains)} failed "
                         f"({problem.get('detail') or problem.get('type')}){tried}; {then}.")


async def _event(cert: Certificate, problem: dict[str, Any] | None = None) -> None:
    await RenewalEvent.create(user_id=cert.user_id,
                              certificate_id=cert.id, ca_provider=cert.ca_provider,
                              succeeded=problem is None,
                              error_kind=outcome_rows.error_kind(problem),
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
        raise ValidationFailed(f"certificate {id} is {Value(cert.status)}; only an "
                               f"{Value('issued')} (or {Value('expired')}) certificate can be "
                               "renewed", field="id")
    await quotas.spend_order(user)
    before = (cert.serial, cert.renewal_failures)
    await jobs.RENEW.schedule(cert.id, cert.user_id)
    deadline = time.monotonic() + current().settings.renew_wait_seconds
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        await cert.refresh_from_db()
        if (cert.serial, cert.renewal_failures) != before:
            if cert.stage == "renewal_failed":
                raise _renewal_failed(cert)
            return RenewOutcome(detail_of(cert), True)
    return RenewOutcome(detail_of(cert), False)
