"""The "deploy" job, one per target and certificate: queued after each issuance and renewal,
on attach and by "deploy now". It deploys the certificate's current version, records the
outcome, retries with the queue's backoff and notifies the user of a failure (once per
serial and target)."""

from __future__ import annotations

import logging

from app.jobs.queue import RetryLater, enqueue
from app.jobs.retry import MAX_ATTEMPTS, backoff
from app.runtime import current
from app.services.deployments.kinds import Bundle, DeployFailed
from app.services.deployments.records import DeploymentView, list_deployments, not_attached
from app.services.deployments.targets import kind_of, own, spec_of
from app.services.notifications.inbox import notify
from models.certificate import Certificate
from models.deployment import Deployment, DeploymentTarget
from models.job import Job
from models.user import User

log = logging.getLogger(__name__)
KIND = "deploy"


async def schedule(target_id: int, certificate_id: int, user_id: int) -> None:
    await enqueue(KIND, {"target_id": target_id, "certificate_id": certificate_id},
                  key=f"{KIND}:{target_id}:{certificate_id}", user_id=user_id)


async def schedule_for(cert: Certificate) -> None:
    """After an issuance or a renewal: a job for each target the certificate is on."""
    targets: list[int] = await Deployment.filter(certificate_id=cert.id).values_list(
        "target_id", flat=True)  # type: ignore[assignment]
    for target_id in targets:
        await schedule(int(target_id), cert.id, cert.user_id)


async def deploy_now(*, user: User, id: int,
                     certificate_id: int | None = None) -> list[DeploymentView]:
    """Queue a deployment of each issued certificate attached (or of the one named) now,
    whatever was deployed before; answers the records as they are."""
    target = await own(user, id)
    rows = await Deployment.filter(target_id=target.id).prefetch_related("certificate")
    if certificate_id is not None:
        rows = [row for row in rows if row.certificate_id == certificate_id]
        if not rows:
            raise not_attached(certificate_id, id)
    for row in rows:
        if row.certificate.status == "issued":
            await schedule(target.id, row.certificate_id, user.id)
    return await list_deployments(user=user, id=id, certificate_id=certificate_id)


def bundle_of(cert: Certificate) -> Bundle:
    assert cert.certificate_pem and cert.key_encrypted and cert.serial and cert.expires_at
    return Bundle(cert.id, list(cert.domains), cert.serial,
                  cert.certificate_pem + (cert.chain_pem or ""),
                  current().box.decrypt(cert.key_encrypted).decode(),
                  cert.expires_at.isoformat())


async def run_deploy(job: Job) -> None:
    row = await Deployment.get_or_none(target_id=job.payload["target_id"],
                                       certificate_id=job.payload["certificate_id"])
    if row is None:
        return  # detached, or the target or certificate deleted
    cert = await Certificate.get(id=row.certificate_id)
    target = await DeploymentTarget.get(id=row.target_id)
    if cert.status != "issued":
        return
    bundle = bundle_of(cert)
    now = current().clock.now()
    try:
        learned = await kind_of(target.kind).deploy(spec_of(target), bundle)
    except DeployFailed as exc:
        await _failed(job, row, target, cert, str(exc), exc.retry)
        return
    if learned:  # e.g. the SSH host key seen at the first connection, pinned from now on
        target.config = {**target.config, **learned}
        await target.save(update_fields=["config"])
    await Deployment.filter(id=row.id).update(serial=bundle.serial, deployed_at=now,
                                              last_attempt_at=now, last_error=None,
                                              attempts=0)
    log.info("certificate %s (serial %s) deployed to target %s", cert.id, bundle.serial,
             target.id)
    await cert.refresh_from_db(fields=["serial"])
    if cert.serial != bundle.serial:  # renewed meanwhile: deploy the new one too
        raise RetryLater(0, "renewed during the deployment", count_attempt=False)


async def _failed(job: Job, row: Deployment, target: DeploymentTarget, cert: Certificate,
                  error: str, retry: bool) -> None:
    now = current().clock.now()
    await Deployment.filter(id=row.id).update(last_error=error, last_attempt_at=now,
                                              attempts=row.attempts + 1)
    log.info("deployment of certificate %s to target %s failed: %s", cert.id, target.id,
             error)
    again = retry and job.attempts < MAX_ATTEMPTS
    then = (f"casp tries again in {int(backoff(job.attempts))} s" if again else
            "casp does not try again until you deploy it again or it is renewed")
    await notify(user_id=cert.user_id, type="deployment_failed",
                 title=f"Deployment failed: {cert.domains[0]} to {target.name}",
                 certificate_id=cert.id,
                 message=f"Deploying the certificate for {', '.join(cert.domains)} (serial "
                         f"{cert.serial}) to {target.name} failed: {error}; {then}.",
                 dedupe_key=f"deploy:{row.id}:{cert.serial}:{'r' if again else 'f'}")
    if again:
        raise RetryLater(backoff(job.attempts), error)
