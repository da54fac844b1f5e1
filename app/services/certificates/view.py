"""What a certificate looks like to its owner, decided once for both doors.

The visibility rules live here and nowhere else: the manual dns-01 records only while the
certificate is pending or awaiting DNS, `renew_at` only with auto-renew, the renewal window
only when the CA gave both ends, never the private key. REST renames these fields to the
seed's; GraphQL maps them one to one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from models.certificate import Certificate, CertificateVersion

DNS_STATES = ("pending",)  # statuses that show the manual dns-01 records, besides ...
DNS_STAGES = ("awaiting_dns",)  # ... a renewal waiting for them


@dataclass(frozen=True, slots=True)
class DnsRecord:
    name: str
    type: str
    value: str


@dataclass(frozen=True, slots=True)
class RenewalWindow:
    """The CA's suggested renewal window (ACME Renewal Information, RFC 9773)."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class CaAttempt:
    """A CA this issuance or renewal left for the next of its order, and why."""

    ca: str
    error: dict[str, Any]  # the CA's problem (or casp's, for an unreachable CA)
    at: datetime


@dataclass(frozen=True, slots=True)
class CertificateSummary:
    """A certificate as the list shows it."""

    id: int
    user_id: int
    domains: list[str]
    ca_provider: str
    challenge_type: str
    key_type: str
    profile: str | None
    status: str
    stage: str
    auto_renew: bool
    issued_at: datetime | None
    expires_at: datetime | None
    serial: str | None
    fingerprint_sha256: str | None
    issuer: str | None
    last_error: dict[str, Any] | None
    dns_records: list[DnsRecord] | None
    revoked_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CertificateDetail(CertificateSummary):
    """The whole record as its owner may see it."""

    certificate_pem: str | None
    chain_pem: str | None
    renew_at: datetime | None
    renewal_window: RenewalWindow | None
    # The CAs to try after the one requested when it fails for reasons of its own ...
    fallback_ca_providers: list[str]
    # ... and those this issuance (or the last renewal) left, with why: oldest first.
    previous_attempts: list[CaAttempt]
    persist_until: datetime | None  # dns-persist-01: when the record the CA took expires


@dataclass(frozen=True, slots=True)
class Version:
    """An earlier certificate that a renewal replaced."""

    serial: str
    issued_at: datetime
    expires_at: datetime
    replaced_at: datetime


# The columns a summary is made of: a list reads only these (see listing.py), which skips
# the PEMs, key, CSR and renewal fields (about 5 kB a row) that it would load and drop.
SUMMARY_COLUMNS = tuple(f.name for f in fields(CertificateSummary))


def _dns_records(row: Mapping[str, Any]) -> list[DnsRecord] | None:
    shown = row["status"] in DNS_STATES or row["stage"] in DNS_STAGES
    if not shown or row["dns_records"] is None:
        return None  # null until there are records to publish
    return [DnsRecord(r["name"], r["type"], r["value"]) for r in row["dns_records"]]


def summary_of(row: Mapping[str, Any]) -> CertificateSummary:
    """A summary from a list row (SUMMARY_COLUMNS, converted as the ORM would)."""
    values = {name: row[name] for name in SUMMARY_COLUMNS}
    values["dns_records"] = _dns_records(row)
    return CertificateSummary(**values)


def _columns(cert: Certificate) -> dict[str, Any]:
    return {name: getattr(cert, name) for name in SUMMARY_COLUMNS}


def detail_of(cert: Certificate) -> CertificateDetail:
    window = None
    if cert.ari_window_start and cert.ari_window_end:
        window = RenewalWindow(cert.ari_window_start, cert.ari_window_end)
    values = _columns(cert)
    values["dns_records"] = _dns_records(values)
    return CertificateDetail(**values, certificate_pem=cert.certificate_pem,
                             chain_pem=cert.chain_pem,
                             renew_at=cert.renew_at if cert.auto_renew else None,
                             renewal_window=window, persist_until=cert.persist_until,
                             fallback_ca_providers=(cert.ca_order or [])[1:],
                             previous_attempts=[
                                 CaAttempt(a["ca"], a["error"], datetime.fromisoformat(a["at"]))
                                 for a in cert.previous_attempts or []])


def version_of(row: CertificateVersion) -> Version:
    return Version(row.serial, row.issued_at, row.expires_at, row.replaced_at)
