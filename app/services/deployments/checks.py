"""The check: a TLS handshake with the address a target serves (its check_host, else its
host, and check_port), reporting the serial it presents and whether that is the serial of
each certificate attached. Public addresses only, as for deployments."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from app import outbound
from app.errors import ValidationFailed
from app.runtime import current
from app.services.deployments.records import not_attached
from app.services.deployments.targets import kind_of, own
from app.wording import Input
from models.certificate import Certificate
from models.user import User

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class CheckView:
    target_id: int
    host: str
    port: int
    server_name: str | None  # sent as SNI: the first name of the certificate checked
    reachable: bool
    error: str | None
    serial: str | None  # of the certificate presented
    expires_at: datetime | None
    matches_certificate_id: int | None  # the attached certificate whose serial it is


async def check_target(*, user: User, id: int, certificate_id: int | None = None) -> CheckView:
    target = await own(user, id)
    address = kind_of(target.kind).check_address(target.config)
    if address is None:
        raise ValidationFailed(f"deployment target {id} has no address to check: set its "
                               f"{Input('check_host')}", field="id")
    certs = await Certificate.filter(deployments__target_id=target.id).order_by("id")
    if certificate_id is not None:
        certs = [c for c in certs if c.id == certificate_id]
        if not certs:
            raise not_attached(certificate_id, id)
    name = certs[0].domains[0] if certs else None
    host, port = address
    try:
        serial, expires = await _presented(host, port, name)
    except (outbound.OutboundError, OSError, TimeoutError, ssl.SSLError, ValueError) as exc:
        return CheckView(target.id, host, port, name, False, _reason(exc), None, None, None)
    match = next((c.id for c in certs if c.serial == serial), None)
    return CheckView(target.id, host, port, name, True, None, serial, expires, match)


async def _presented(host: str, port: int, name: str | None) -> tuple[str, datetime]:
    addresses = await outbound.public_addresses(
        host, port, current().settings.allow_private_targets)
    der = await outbound.tls_certificate(addresses[0], port, name or host, TIMEOUT_SECONDS)
    if not der:
        raise ValueError("no certificate was presented")
    cert = x509.load_der_x509_certificate(der)
    return format(cert.serial_number, "x"), cert.not_valid_after_utc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no TLS handshake within {TIMEOUT_SECONDS} s"
    return str(exc) or type(exc).__name__
