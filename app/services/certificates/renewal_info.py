"""ACME Renewal Information (RFC 9773): ask the CA when to renew, at the pace it sets.

After each issuance or renewal the certificate is due for a check (ari_check_at) once the
renewal floor has passed (renewal_policy.floor: no window renews sooner); the sweep queues
the checks that are due. A check stores the CA's window, picks a random
moment inside it as renew_at (unless the current one is already inside), and asks again
after the CA's Retry-After, so that a mass revocation (a window moved into the past) is
noticed within hours and the renewal starts at once."""

from __future__ import annotations

import logging
from datetime import timedelta

from app.acme.ari import RenewalInfo
from app.acme.errors import AcmeError
from app.runtime import current
from app.services.certificates import jobs, renewal_policy
from app.services.certificates.saving import save
from models.certificate import Certificate
from models.job import Job

log = logging.getLogger(__name__)
ERROR_RETRY = timedelta(hours=1)  # the CA's renewalInfo failed: the one-third rule holds


async def run_check(job: Job) -> None:
    cert = await jobs.certificate_of(job)
    if cert is None or cert.status != "issued" or not cert.certificate_pem:
        return
    now = current().clock.now()
    if cert.expires_at is None or cert.expires_at <= now:  # RFC 9773 4.3: not after expiry
        await save(cert, ari_check_at=None)
        return
    try:
        info = await current().acme.renewal_info(cert.directory_url, cert.certificate_pem)
    except AcmeError as exc:
        log.warning("renewalInfo for certificate %s failed: %s", cert.id, exc)
        await save(cert, ari_check_at=now + ERROR_RETRY)
        return
    if info is None:  # the CA offers no renewalInfo: one third of the lifetime decides
        await save(cert, ari_check_at=None, ari_window_start=None, ari_window_end=None)
        return
    changes = {"ari_window_start": info.start, "ari_window_end": info.end,
               "ari_check_at": now + info.retry_after}
    # A failed renewal's backoff is never cut short; otherwise keep a moment already
    # picked inside this window, or pick a new one (the window may have moved).
    if cert.renewal_failures == 0 and not info.contains(cert.renew_at):
        changes["renew_at"] = info.pick(now)
        _note_floor(cert, info)
    await save(cert, **changes)
    if cert.auto_renew and cert.renew_at is not None and cert.renew_at <= now:
        await jobs.RENEW.schedule(cert.id, cert.user_id)


def _note_floor(cert: Certificate, info: RenewalInfo) -> None:
    """Say so when the CA's window opens sooner after issuance than the floor allows: the
    first look was put off until the floor (certificate_fields), which held it back."""
    if cert.issued_at is None or cert.expires_at is None:
        return
    interval = timedelta(seconds=current().settings.min_renewal_interval_seconds)
    floor = renewal_policy.floor(cert.issued_at, cert.issued_at, cert.expires_at, interval)
    if info.start < floor:
        log.warning("the CA's renewal window for certificate %s opens at %s, sooner after "
                    "issuance than CASP_MIN_RENEWAL_INTERVAL_SECONDS (%s) allows: renewing no "
                    "sooner than that after the certificate came", cert.id,
                    info.start.isoformat(), interval)
