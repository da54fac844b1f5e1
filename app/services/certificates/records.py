"""Certificates: request, read, list, verify (manual dns-01), revoke, delete."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from app.acme.errors import AcmeError, AcmeProblem
from app.errors import NotFound, ServerError, ValidationFailed
from app.runtime import current
from app.services import quotas, rows
from app.services.certificates import acme_accounts, fallback, jobs, listing, profiles
from app.services.certificates.cas import (
    CA,
    CHALLENGE_TYPES,
    KEY_TYPES,
    WILDCARD_CHALLENGES,
    catalogue,
    pick,
)
from app.services.certificates.listing import ListFilter
from app.services.certificates.profiles import Profile
from app.services.certificates.saving import publish, save
from app.services.certificates.view import (
    SUMMARY_COLUMNS,
    CertificateDetail,
    CertificateSummary,
    Version,
    detail_of,
    summary_of,
    version_of,
)
from app.services.domains import names, ownership
from app.services.inputs import Page, at_most, paging, storable_id
from app.services.notifications.inbox import notify
from app.wording import Input, Value, listed
from models.certificate import Certificate, CertificateVersion, HttpChallenge
from models.user import User

log = logging.getLogger(__name__)
STATUSES = ("pending", "issued", "failed", "expired", "revoked")
MAX_NAMES = 100
MAX_SEARCH = 253
REASONS = {"unspecified": 0, "keyCompromise": 1, "affiliationChanged": 3, "superseded": 4,
           "cessationOfOperation": 5}


def _choice(value: str | None, allowed: tuple[str, ...], default: str, field: str) -> str:
    value = (value or default).strip().lower()
    if value not in allowed:
        raise ValidationFailed(f"{Input(field)} must be one of: {listed(allowed)}", field=field)
    return value


def clean_names(raw: list[str] | None, challenge_type: str) -> list[str]:
    if not raw:
        raise ValidationFailed("domains must list 1 to 100 names", field="domains")
    if len(raw) > MAX_NAMES * 2:  # refuse huge lists before the per-name work
        raise ValidationFailed(f"domains must list at most {MAX_NAMES} names", field="domains")
    if any(len(item) > names.MAX_TYPED for item in raw):
        raise ValidationFailed(f"each name in domains must be at most {names.MAX_TYPED} "
                               "characters", field="domains")
    private_ips = current().settings.allow_private_ip_identifiers
    result: list[str] = []
    for item in raw:
        name = names.normalize(item, field="domains", wildcard=True, private_ips=private_ips)
        if name.startswith("*.") and challenge_type not in WILDCARD_CHALLENGES:
            raise ValidationFailed(f"{name}: wildcard names need {Input('challenge_type')} "
                                   f"{Value('dns-01')} or {Value('dns-persist-01')}",
                                   field="domains")
        if names.is_ip(name) and challenge_type != "http-01":
            raise ValidationFailed(ownership.ip_needs_http01(name, "challenge_type"),
                                   field="domains")
        if name not in result:
            result.append(name)
    if len(result) > MAX_NAMES:
        raise ValidationFailed(f"domains must list at most {MAX_NAMES} names", field="domains")
    return result


def _check_challenge(ca: CA, challenge: str) -> None:
    """dns-persist-01 only where the catalogue says the CA offers it."""
    if challenge not in ca.challenge_types:
        offering = [c.name for c in catalogue().values() if c.dns_persist]
        raise ValidationFailed(
            f"{ca.title} does not offer {Value('dns-persist-01')}; the CAs that do: "
            f"{listed(offering)}", field="challenge_type")


async def request_certificate(*, user: User, ca_provider: str | None,
                              domains: list[str] | None, challenge_type: str | None = None,
                              key_type: str | None = None,
                              auto_renew: bool | None = None,
                              profile: str | None = None,
                              fallback_ca_providers: list[str] | None = None,
                              ca_name: str | None = None) -> CertificateDetail:
    ca = pick(ca_provider, ca_name)
    challenge = _choice(challenge_type, CHALLENGE_TYPES, "dns-01", "challenge_type")
    key = _choice(key_type, KEY_TYPES, "ec-256", "key_type")
    _check_challenge(ca, challenge)
    wanted = clean_names(domains, challenge)
    await ownership.domains_for(user, wanted)
    if challenge == "http-01":
        await ownership.require_held(user, wanted)
    directory = ca.directory_for(key, current().settings.ca_directories)
    chosen = await profiles.check(profile, ca, directory)
    await acme_accounts.require_eab(user, ca, directory)
    order = await fallback.request_order(user, ca, key, fallback_ca_providers)
    await quotas.check_pending(user)
    await quotas.spend_order(user)
    now = current().clock.now()
    cert = await Certificate.create(
        user=user, domains=wanted, search_text=" " + " ".join(wanted) + " ",
        ca_provider=ca.name, challenge_type=challenge, key_type=key, profile=chosen,
        auto_renew=True if auto_renew is None else auto_renew, directory_url=directory,
        ca_order=order, created_at=now, updated_at=now)
    await publish(cert, ("status", "stage"))  # queued: before the worker can move it on
    await jobs.ISSUE.schedule(cert.id, cert.user_id)
    return detail_of(cert)


async def _find(user: User, id: int) -> Certificate | None:
    """The user's certificate of this id; None for an unknown id or another user's."""
    if not storable_id(id):
        return None
    found = await rows.select(Certificate, {"id": id, "user_id": user.id})
    return found[0] if found else None


@dataclass(frozen=True)
class CaOffer:
    """A CA as the request form offers it."""

    ca: CA
    available: bool  # False: the CA stopped its service (and no directory replaces it)
    # Its directory's ACME profiles (None: unread, or it cannot be read now)
    profiles: list[Profile] | None = None


def ca_providers() -> list[CaOffer]:
    overrides = current().settings.ca_directories
    return [CaOffer(ca, ca.available(overrides)) for ca in catalogue().values()]


async def ca_providers_with_profiles() -> list[CaOffer]:
    """The CAs with the profiles their directories offer, read at once (cached)."""
    offers = ca_providers()
    found = await asyncio.gather(*(profiles.of_ca(offer.ca) for offer in offers))
    return [dataclasses.replace(offer, profiles=p) for offer, p in zip(offers, found,
                                                                       strict=True)]


async def get_certificate(*, user: User, id: int) -> Certificate:
    """The user's certificate (the record, for other services); NOT_FOUND otherwise."""
    cert = await _find(user, id)
    if cert is None:
        raise NotFound(f"certificate {id} not found")
    return cert


async def show_certificate(*, user: User, id: int) -> CertificateDetail:
    return detail_of(await get_certificate(user=user, id=id))


async def find_certificate(*, user: User, id: int) -> CertificateDetail | None:
    """The user's certificate as it is now; None once deleted (or another user's)."""
    cert = await _find(user, id)
    return detail_of(cert) if cert else None


@dataclass(frozen=True)
class _Listing:
    where: ListFilter | None  # None: nothing can match
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    async def details(self) -> Page[CertificateDetail]:
        if self.where is None:
            return Page([], 0, self.page, self.per_page)
        total, items = await listing.certificate_models(self.where, self.per_page,
                                                          self.offset)
        return Page([detail_of(c) for c in items], total, self.page, self.per_page)

    async def summaries(self) -> Page[CertificateSummary]:
        if self.where is None:
            return Page([], 0, self.page, self.per_page)
        total, found = await listing.certificate_page(self.where, SUMMARY_COLUMNS,
                                                       self.per_page, self.offset)
        return Page([summary_of(r) for r in found], total, self.page, self.per_page)


def _listing(user: User, status: str | None, ca_provider: str | None, search: str | None,
             page: int | None, per_page: int | None, ca_name: str | None = None,
             order: str | None = None) -> _Listing:
    page, per_page = paging(page, per_page)
    status = _choice(status, STATUSES, "", "status") if status else None
    ca_name = pick(ca_provider, ca_name).name if ca_provider or ca_name else None
    if (search := at_most(search, MAX_SEARCH, "search")) and "\x00" in search:
        return _Listing(None, page, per_page)  # no name holds a NUL (PostgreSQL refuses one)
    # search_text is stored lower case, so a plain LIKE on the lowered term is the
    # case-insensitive match (no UPPER() on every row).
    term = search.strip().lower() if search and search.strip() else None
    order = _choice(order, tuple(listing.ORDERS), "", "order") if order else "newest"
    return _Listing(ListFilter(user.id, status, ca_name, term, order), page, per_page)


async def list_certificates(*, user: User, status: str | None = None,
                            ca_provider: str | None = None, search: str | None = None,
                            page: int | None = None, per_page: int | None = None,
                            ca_name: str | None = None,
                            order: str | None = None) -> Page[CertificateDetail]:
    """A page of whole certificates, newest first (or soonest expiry first: order
    "expires"), and the total."""
    return await _listing(user, status, ca_provider, search, page, per_page,
                          ca_name, order).details()


async def list_summaries(*, user: User, status: str | None = None,
                         ca_provider: str | None = None, search: str | None = None,
                         page: int | None = None, per_page: int | None = None,
                         ca_name: str | None = None,
                         order: str | None = None) -> Page[CertificateSummary]:
    """The same page as list_certificates, as summaries read from SUMMARY_COLUMNS only (in
    SQL: the list is the busiest read of the API, see listing.py)."""
    return await _listing(user, status, ca_provider, search, page, per_page,
                          ca_name, order).summaries()


async def verify_certificate(*, user: User, id: int) -> CertificateDetail:
    """Look for the manual dns-01 records now instead of at the next scheduled check: those
    of a pending request, or of a renewal awaiting them (an issued certificate whose
    renewal's order shows the records, stage awaiting_dns)."""
    cert = await get_certificate(user=user, id=id)
    if cert.status == "pending":
        await jobs.ISSUE.schedule(cert.id, cert.user_id)
    elif cert.stage == "awaiting_dns" and cert.renewal_started_at is not None:
        await jobs.RENEW.schedule(cert.id, cert.user_id)
    else:
        raise ValidationFailed(f"certificate {id} is {Value(cert.status)}, not "
                               f"{Value('pending')}, and no renewal of it awaits manual "
                               f"{Value('dns-01')} records", field="id")
    return detail_of(cert)


def reason_code(reason: str | int | None) -> int:
    if reason is None or reason == "":
        return 0
    if isinstance(reason, int) or str(reason).isdigit():
        code = int(reason)
        if code in REASONS.values():
            return code
    elif str(reason) in REASONS:
        return REASONS[str(reason)]
    raise ValidationFailed(f"reason must be one of: {listed(REASONS)} (or their codes "
                           f"{sorted(REASONS.values())})", field="reason")


async def revoke_certificate(*, user: User, id: int,
                             reason: str | int | None = None) -> CertificateDetail:
    cert = await get_certificate(user=user, id=id)
    code = reason_code(reason)
    if cert.status != "issued" or not cert.certificate_pem:
        raise ValidationFailed(f"certificate {id} is {Value(cert.status)}; only an "
                               f"{Value('issued')} certificate can be revoked", field="id")
    _, account = await acme_accounts.account_for(user, cert.ca_provider, cert.directory_url)
    try:
        await current().acme.revoke(account, cert.certificate_pem, code)
    except AcmeProblem as exc:
        raise ValidationFailed(f"the CA refused the revocation: {exc}", field="id") from exc
    except AcmeError as exc:
        raise ServerError(f"the CA could not be reached to revoke: {exc}") from exc
    await save(cert, status="revoked", revoked_at=current().clock.now(),
               revocation_reason=next(k for k, v in REASONS.items() if v == code))
    await notify(user_id=user.id, type="revoked", title=f"Certificate revoked: {cert.domains[0]}",
                 certificate_id=cert.id, message=f"The certificate for "
                 f"{', '.join(cert.domains)} was revoked ({cert.revocation_reason}).")
    return detail_of(cert)


async def versions_of(cert_ids: Sequence[int]) -> list[list[Version]]:
    """The versions renewals replaced, newest first, for each certificate id (in one query:
    GraphQL's DataLoader and REST's detail both use it)."""
    versions = await rows.select(CertificateVersion, {}, ("certificate_id", list(cert_ids)),
                                 '"replaced_at" DESC, "id" DESC')
    found: dict[int, list[Version]] = defaultdict(list)
    for row in versions:
        found[row.certificate_id].append(version_of(row))
    return [found[i] for i in cert_ids]


async def delete_certificate(*, user: User, id: int) -> None:
    """Delete the record and with it the private key."""
    cert = await get_certificate(user=user, id=id)
    await HttpChallenge.filter(certificate_id=cert.id).delete()
    await cert.delete()
