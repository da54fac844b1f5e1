"""The issuance job: key and CSR, ACME account, order, challenges, certificate. Every step
is saved, so a job taken over from a dead worker resumes the same order. Renewal
(renewal.py) runs the same steps in the record's renewal slot."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.acme import ari
from app.acme.errors import Transient
from app.acme.interface import IssueRequest
from app.acme.keys import CertFacts, facts, generate_key, key_to_pem, make_csr, split_chain
from app.runtime import current
from app.services.certificates import (
    acme_accounts,
    attempts,
    fallback,
    jobs,
    outcome_rows,
    renewal_policy,
)
from app.services.certificates.challenges import (
    IssuanceHooks,
    dns_routes,
    provider_routes,
    require_holder,
)
from app.services.certificates.saving import atomic_then_publish, save
from app.services.deployments import runs as deployments
from app.services.dnsproviders import records as provider_records
from app.services.notifications.inbox import notify
from models.certificate import Certificate
from models.job import Job

log = logging.getLogger(__name__)
# A request waits out an outage of the CA or DNS for a day, measured from when it was made.
POLICY = attempts.AttemptPolicy("issuance", since="created_at",
                                transient_window=timedelta(hours=24))


@dataclass(frozen=True)
class Slot:
    """Where one attempt keeps its key, CSR and order URL on the record."""

    key: str
    csr: str
    order: str


FIRST = Slot("key_encrypted", "csr_pem", "order_url")
RENEWAL = Slot("renewal_key_encrypted", "renewal_csr_pem", "renewal_order_url")


async def ensure_key(cert: Certificate, slot: Slot) -> None:
    if getattr(cert, slot.key) and getattr(cert, slot.csr):
        return
    # RSA keys take up to seconds to make: off the event loop.
    key = await asyncio.to_thread(generate_key, cert.key_type)
    csr = await asyncio.to_thread(make_csr, key, list(cert.domains))
    await save(cert, **{slot.key: current().box.encrypt(key_to_pem(key)),
                        slot.csr: csr.decode()}, stage="key_ready")


async def issue(cert: Certificate, slot: Slot) -> str:
    """Run the ACME order of this slot to its end; answers the full chain. TXT records
    written through the user's DNS provider are removed when the attempt ends, however it
    ends, but while the CA may still be checking them (it was unreachable, this worker is
    stopping): the attempt resuming the order, or the sweep, removes those."""
    try:
        chain = await _issue(cert, slot)
    except (Transient, asyncio.CancelledError):
        raise
    except BaseException:
        await provider_records.remove_for_certificate(cert.id)
        raise
    await provider_records.remove_for_certificate(cert.id)
    return chain


async def _issue(cert: Certificate, slot: Slot) -> str:
    await require_holder(cert)
    user = await cert.user
    await ensure_key(cert, slot)
    row, account = await acme_accounts.account_for(user, cert.ca_provider, cert.directory_url)
    hooks = IssuanceHooks(cert, row, await dns_routes(user, cert), slot.order,
                          await provider_routes(user, cert))
    request = IssueRequest(account=account, csr_pem=str(getattr(cert, slot.csr)).encode(),
                           challenge_type=cert.challenge_type,
                           order_url=getattr(cert, slot.order),
                           deadline_seconds=current().settings.issuance_deadline_seconds,
                           replaces=_replaces(cert, slot), profile=cert.profile)
    return await current().acme.issue(request, hooks)


def _replaces(cert: Certificate, slot: Slot) -> str | None:
    """A renewal names the certificate it replaces (sent where the CA offers ARI)."""
    if slot is not RENEWAL or not cert.certificate_pem or cert.previous_attempts:
        return None  # (nor to a fallback CA: the certificate is another CA's)
    return ari.cert_id(cert.certificate_pem)


def certificate_fields(fullchain: str) -> tuple[CertFacts, dict[str, Any]]:
    leaf, chain = split_chain(fullchain)
    info = facts(leaf)
    floor = renewal_policy.floor(
        current().clock.now(), info.not_before, info.not_after,
        timedelta(seconds=current().settings.min_renewal_interval_seconds))
    return info, {
        "certificate_pem": leaf, "chain_pem": chain, "serial": info.serial,
        "fingerprint_sha256": info.fingerprint_sha256, "issuer": info.issuer,
        "issued_at": info.not_before, "expires_at": info.not_after, "last_error": None,
        "dns_records": None, "stage": "done",
        "renew_at": max(floor, renewal_policy.renew_at(info.not_before, info.not_after)),
        "renewal_failures": 0, "expiry_notified_days": None,
        "expiry_warn_at": renewal_policy.next_warning(info.not_before, info.not_after),
        # The CA's renewalInfo is first asked once the floor has passed, so that no window
        # can renew sooner (a CA without renewalInfo clears this at that look).
        "ari_check_at": floor, "ari_window_start": None, "ari_window_end": None,
    }


async def run_issuance(job: Job) -> None:
    cert = await jobs.certificate_of(job)
    if cert is None or cert.status != "pending":
        return  # deleted or already finished: nothing to do
    await attempts.run(job, cert, POLICY, issue(cert, FIRST), succeeded=_issued,
                       failed=_failed)


@atomic_then_publish  # the outcome, its record and its notification: all or none
async def _failed(cert: Certificate, problem: dict[str, Any],
                  retry_after: float | None = None) -> None:
    """For good: a failed request is not tried again, whatever the CA's Retry-After."""
    log.info("certificate %s failed: %s", cert.id, problem.get("detail"))
    await save(cert, status="failed", stage="failed", last_error=problem)
    await outcome_rows.issuance(cert, problem)
    await notify(user_id=cert.user_id, type="issuance_failed",
                 title=f"Issuance failed: {cert.domains[0]}", certificate_id=cert.id,
                 message=f"The certificate for {', '.join(cert.domains)} could not be issued: "
                         f"{problem.get('detail') or problem.get('type')}{fallback.note(cert)}")


@atomic_then_publish  # the outcome, its record and its notification: all or none
async def _issued(cert: Certificate, fullchain: str) -> None:
    info, fields = certificate_fields(fullchain)
    await save(cert, status="issued", **fields)
    await outcome_rows.issuance(cert)
    await deployments.schedule_for(cert)
    log.info("certificate %s issued, expires %s", cert.id, info.not_after.date())
    await notify(user_id=cert.user_id, type="certificate_issued",
                 title=f"Certificate issued: {cert.domains[0]}", certificate_id=cert.id,
                 message=f"The certificate for {', '.join(cert.domains)} was issued by "
                         f"{cert.ca_provider}{fallback.note(cert)}; it expires on "
                         f"{info.not_after.date()}.")
