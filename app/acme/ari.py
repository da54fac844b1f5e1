"""ACME Renewal Information (RFC 9773): the certificate identifier and the CA's answer."""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509

DEFAULT_RETRY = timedelta(hours=6)  # RFC 9773 4.3.3: when the CA sends no Retry-After
MIN_RETRY = timedelta(minutes=1)  # a CA asking for less is clamped (4.3.3 "reasonable")
MAX_RETRY = timedelta(days=1)  # so that a mass revocation is noticed within a day at worst


@dataclass(frozen=True)
class RenewalInfo:
    start: datetime
    end: datetime
    retry_after: timedelta  # when to ask again, clamped to [MIN_RETRY, MAX_RETRY]
    explanation_url: str | None = None

    def pick(self, now: datetime, rng: random.Random | None = None) -> datetime:
        """RFC 9773 4.2: a uniformly random moment of the whole window, or now when that
        moment has passed. Drawing from what is left of the window instead would put off a
        window that is mostly past (opened weeks ago, closing tomorrow) by up to a day."""
        span = (self.end - self.start).total_seconds()
        return max(now, self.start + timedelta(seconds=(rng or random).uniform(0, span)))

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment <= self.end


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def cert_id(cert_pem: str) -> str | None:
    """base64url(AKI keyIdentifier) "." base64url(serial DER content); None without an AKI."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem.encode())
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except (ValueError, x509.ExtensionNotFound):  # unreadable: no ARI rather than no renewal
        return None
    if not aki.key_identifier:
        return None
    serial = cert.serial_number
    # The DER INTEGER content: big-endian two's complement, a leading zero when the top
    # bit is set (serials are positive).
    serial_bytes = serial.to_bytes((serial.bit_length() + 8) // 8, "big")
    return f"{_b64(aki.key_identifier)}.{_b64(serial_bytes)}"


def clamp_retry(seconds: float | None) -> timedelta:
    if seconds is None:
        return DEFAULT_RETRY
    return min(MAX_RETRY, max(MIN_RETRY, timedelta(seconds=seconds)))
