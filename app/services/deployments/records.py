"""Certificates attached to targets, and the record of each pair: the serial deployed, when,
and the last error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from app.errors import NotFound, ValidationFailed
from app.runtime import current
from app.services.certificates.records import get_certificate
from app.services.deployments.targets import own
from app.wording import Input
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


def _required(certificate_id: int | None) -> int:
    """Asked after the target's owner is checked: another user's target is NOT_FOUND,
    whatever else the request lacks."""
    if certificate_id is None:
        raise ValidationFailed(f"{Input('certificate_id')} is required",
                               field="certificate_id")
    return certificate_id


async def attach(*, user: User, id: int, certificate_id: int | None) -> DeploymentView:
    """Attach, and deploy at once when the certificate is issued."""
    from app.services.deployments import runs  # it reads the records: imported here

    target = await own(user, id)
    cert = await get_certificate(user=user, id=_required(certificate_id))
    try:
        row = await Deployment.create(target_id=target.id, certificate_id=cert.id,
                                      created_at=current().clock.now())
    except IntegrityError:  # attached already: the same answer
        row = await Deployment.get(target_id=target.id, certificate_id=cert.id)
    if cert.status == "issued" and row.serial != cert.serial:
        await runs.schedule(row.target_id, cert.id, user.id)
    return await view_of(row, cert)


def not_attached(certificate_id: int, target_id: int) -> NotFound:
    return NotFound(f"certificate {certificate_id} is not attached to deployment target "
                    f"{target_id}")


async def detach(*, user: User, id: int, certificate_id: int | None) -> None:
    target = await own(user, id)
    cert = await get_certificate(user=user, id=_required(certificate_id))
    if not await Deployment.filter(target_id=target.id, certificate_id=cert.id).delete():
        raise not_attached(cert.id, id)


async def list_deployments(*, user: User, id: int | None = None,
                           certificate_id: int | None = None) -> list[DeploymentView]:
    """The user's deployment records, of one target (`id`) and/or one certificate."""
    rows = Deployment.filter(target__user_id=user.id)
    if id is not None:
        rows = rows.filter(target_id=(await own(user, id)).id)
    if certificate_id is not None:
        rows = rows.filter(certificate_id=(await get_certificate(user=user,
                                                                 id=certificate_id)).id)
    return [await view_of(row) for row in await rows.order_by("target_id", "certificate_id")]
