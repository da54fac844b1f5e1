"""Certificates attached to targets, and the record of each pair: the serial deployed, when,
and the last error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from app.errors import NotFound
from app.runtime import current
from app.services.certificates.records import get_certificate
from app.services.deployments.targets import own
from models.certificate import Certificate
from models.deployment import Deployment
from models.user import User


@dataclass(frozen=True)
class DeploymentView:
    target_id: int
    target_name: str
    kind: str
    certificate_id: int
    serial: str | None  # deployed last (null: never yet)
    deployed_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None  # of the last attempt (null once one succeeds)
    failed_attempts: int  # in a row
    up_to_date: bool  # the certificate's current serial is the one deployed


async def view_of(row: Deployment, cert: Certificate | None = None) -> DeploymentView:
    target = await row.target
    cert = cert or await row.certificate
    return DeploymentView(target.id, target.name, target.kind, row.certificate_id, row.serial,
                          row.deployed_at, row.last_attempt_at, row.last_error, row.attempts,
                          row.serial is not None and row.serial == cert.serial)


async def attach(*, user: User, id: int, certificate_id: int) -> DeploymentView:
    """Attach, and deploy at once when the certificate is issued."""
    from app.services.deployments import runs

    target = await own(user, id)
    cert = await get_certificate(user=user, id=certificate_id)
    try:
        row = await Deployment.create(target_id=target.id, certificate_id=cert.id,
                                      created_at=current().clock.now())
    except IntegrityError:  # attached already: the same answer
        row = await Deployment.get(target_id=target.id, certificate_id=cert.id)
    if cert.status == "issued" and row.serial != cert.serial:
        await runs.schedule(row.target_id, cert.id, user.id)
    return await view_of(row, cert)


async def detach(*, user: User, id: int, certificate_id: int) -> None:
    target = await own(user, id)
    cert = await get_certificate(user=user, id=certificate_id)
    if not await Deployment.filter(target_id=target.id, certificate_id=cert.id).delete():
        raise NotFound(f"certificate {certificate_id} is not attached to deployment target "
                       f"{id}")


async def deployments_of(*, user: User, certificate_id: int) -> list[DeploymentView]:
    """A certificate's deployments, one per target it is attached to."""
    cert = await get_certificate(user=user, id=certificate_id)
    rows = await Deployment.filter(certificate_id=cert.id).order_by("target_id")
    return [await view_of(row, cert) for row in rows]


async def deployments_to(*, user: User, id: int) -> list[DeploymentView]:
    """A target's deployments, one per certificate attached to it."""
    target = await own(user, id)
    rows = await Deployment.filter(target_id=target.id).order_by("certificate_id")
    return [await view_of(row) for row in rows]
