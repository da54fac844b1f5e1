"""Fallback CAs: when a certificate's CA fails for reasons that are the CA's own, the next CA
of its order is tried; a failure of the user's own validation never moves on.

A request names its order (`fallback_ca_providers`) or takes the user's default (CaFallback,
`account.php?action=ca-fallback`). The record keeps the whole order (`ca_order`, the CA
requested first) and the CAs this issuance or renewal left, with why (`previous_attempts`).
A renewal starts with the CA that issued last, then follows the order.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from app.acme.errors import AcmeError, AcmeTimeout, AcmeUnavailable, ChallengeFailed
from app.errors import ValidationFailed
from app.runtime import current
from app.services.certificates import acme_accounts, profiles
from app.services.certificates.cas import CA, catalogue, get_ca
from app.services.certificates.saving import save
from app.wording import Input
from models.acme_account import CaFallback
from models.certificate import Certificate, HttpChallenge
from models.user import User

log = logging.getLogger(__name__)
FIELD = "fallback_ca_providers"
MAX_FALLBACKS = 20
ACME_ERROR = "urn:ietf:params:acme:error:"
# The CA's refusals that another CA may not share (RFC 8555 6.7 and its registry): its rate
# limits, its account or EAB rules, its key rules, the identifiers it does not support.
CA_PROBLEMS = frozenset({
    "rateLimited", "unauthorized", "externalAccountRequired", "accountDoesNotExist",
    "badPublicKey", "badSignatureAlgorithm", "userActionRequired", "unsupportedIdentifier",
})
OWN_PROBLEMS = frozenset({"casp:eabRequired"})  # no EAB credentials for this CA


def ca_fault(exc: Exception) -> bool:
    """Whether the failure is the CA's: unreachable (after the client's retries), too slow,
    or a refusal of CA_PROBLEMS. Never a failed challenge (its `unauthorized` is the user's
    validation), nor DNS, CAA or rejectedIdentifier."""
    if isinstance(exc, ChallengeFailed) or not isinstance(exc, AcmeError):
        return False
    if isinstance(exc, AcmeUnavailable | AcmeTimeout):
        return True
    kind = str(exc.problem().get("type") or "")
    return kind in OWN_PROBLEMS or (kind.startswith(ACME_ERROR)
                                     and kind.removeprefix(ACME_ERROR) in CA_PROBLEMS)


def clean(raw: list[str] | None, field: str = FIELD) -> list[str]:
    """CA names, each known, in order, each once."""
    if raw is None:
        return []
    if len(raw) > MAX_FALLBACKS:
        raise ValidationFailed(f"{Input(field)} must list at most {MAX_FALLBACKS} CAs",
                               field=field)
    found: list[str] = []
    for item in raw:
        if not isinstance(item, str) or len(item) > 20:
            raise ValidationFailed(f"{Input(field)} must list CA names", field=field)
        name = get_ca(item, field=field).name
        if name not in found:
            found.append(name)
    return found


async def default_order(*, user: User) -> list[str]:
    """The user's default fallback CAs (those the operator has since removed left out)."""
    row = await CaFallback.get_or_none(user=user)
    known = catalogue()
    return [name for name in row.ca_providers if name in known] if row else []


async def set_default_order(*, user: User, ca_providers: list[str] | None) -> list[str]:
    if ca_providers is None:
        raise ValidationFailed(f"{Input(FIELD)} is required (empty: no fallback)", field=FIELD)
    order = clean(ca_providers)
    await CaFallback.update_or_create(user=user, defaults={
        "ca_providers": order, "updated_at": current().clock.now()})
    return order


async def request_order(user: User, first: CA, key_type: str,
                        asked: list[str] | None) -> list[str] | None:
    """The record's CA order: the request's fallbacks, each checked as the CA requested is
    (refused with a reason), or the user's default order, keeping the CAs usable now."""
    overrides = current().settings.ca_directories
    if asked is not None:
        names = clean(asked)
        for name in names:
            ca = get_ca(name, field=FIELD)
            if not ca.available(overrides):
                raise ValidationFailed(f"{name}: {ca.discontinued}", field=FIELD)
            await acme_accounts.require_eab(user, ca, ca.directory_for(key_type, overrides),
                                            FIELD)
        return order_of(first, names)
    usable = []
    for name in await default_order(user=user):
        ca = get_ca(name)
        try:
            await acme_accounts.require_eab(user, ca, ca.directory_for(key_type, overrides))
        except ValidationFailed:  # no EAB for it, or it stopped: the default skips it
            continue
        usable.append(name)
    return order_of(first, usable)


def order_of(first: CA, fallbacks: list[str]) -> list[str] | None:
    """The record's ca_order: the CA requested, then its fallbacks (None: no fallback)."""
    rest = [name for name in fallbacks if name != first.name]
    return [first.name, *rest] if rest else None


def _next(cert: Certificate) -> CA | None:
    """The next CA of the order, starting from the CA this run started with (a renewal: the
    one that issued last), skipping those tried and those that cannot be used now."""
    if not cert.ca_order:
        return None
    tried = {a["ca"] for a in cert.previous_attempts or []} | {cert.ca_provider}
    start = (cert.previous_attempts or [{"ca": cert.ca_provider}])[0]["ca"]
    overrides = current().settings.ca_directories
    known = catalogue()
    for name in [start, *(n for n in cert.ca_order if n != start)]:
        ca = known.get(name)
        if name not in tried and ca is not None and ca.available(overrides):
            return ca
    return None


def _unreachable_long(cert: Certificate, exc: Exception) -> bool:
    """A CA unreachable or slow hands over only after CASP_FALLBACK_AFTER_SECONDS (from the
    first failure in a row, which the record's last_error keeps as `since`)."""
    if not isinstance(exc, AcmeUnavailable | AcmeTimeout):
        return True
    since = unavailable_since(cert)
    waited = (current().clock.now() - since).total_seconds()
    return waited >= current().settings.fallback_after_seconds


def unavailable_since(cert: Certificate) -> datetime:
    """When the CA became unreachable: kept on last_error by the attempt runner."""
    seen = (cert.last_error or {}).get("since")
    return datetime.fromisoformat(seen) if isinstance(seen, str) else current().clock.now()


async def switched(cert: Certificate, exc: Exception, order_field: str) -> bool:
    """Move the certificate to its next CA when the failure is the CA's; False otherwise
    (the attempt runner then treats the failure as it would without a fallback)."""
    if not ca_fault(exc) or not _unreachable_long(cert, exc):
        return False
    ca = _next(cert)
    if ca is None:
        return False
    assert isinstance(exc, AcmeError)
    directory = ca.directory_for(cert.key_type, current().settings.ca_directories)
    problem = exc.problem()
    left = {"ca": cert.ca_provider, "error": problem,
            "at": current().clock.now().isoformat(), "profile": cert.profile}
    log.info("certificate %s: %s failed (%s); trying %s", cert.id, cert.ca_provider,
             problem.get("type"), ca.name)
    # The order left behind is abandoned: its http-01 answers go (the next CA's come anew).
    await HttpChallenge.filter(certificate_id=cert.id).delete()
    await save(cert, ca_provider=ca.name, directory_url=directory,
               previous_attempts=[*(cert.previous_attempts or []), left],
               profile=await _profile_at(cert.profile, directory), last_error=None,
               **{order_field: None})
    return True


async def _profile_at(profile: str | None, directory: str) -> str | None:
    """The profile, where the next CA offers it too; else that CA's default."""
    if profile is None:
        return None
    offered = await profiles.offered(directory)
    return profile if offered and profile in {p.name for p in offered} else None


def note(cert: Certificate) -> str:
    """For a notification: the CAs that were left and why ("" when none)."""
    left = cert.previous_attempts or []
    if not left:
        return ""
    said = "; ".join(f"{a['ca']} failed: {_said(a['error'])}" for a in left)
    return f" (after {said})"


def _said(problem: dict[str, Any]) -> str:
    return str(problem.get("detail") or problem.get("type") or "error")


async def renewal_started(cert: Certificate) -> None:
    """A renewal run starts with no CA left behind yet."""
    if cert.previous_attempts:
        await save(cert, previous_attempts=None)


def renewal_failed(cert: Certificate) -> dict[str, Any]:
    """A renewal that failed on every CA it tried: the record goes back to the CA that issued
    the certificate it still holds (revocation, the next renewal start there)."""
    left = cert.previous_attempts or []
    first = catalogue().get(left[0]["ca"]) if left else None
    if first is None:  # none left, or the operator has removed that CA since
        return {}
    return {"ca_provider": first.name, "profile": left[0].get("profile"),
            "directory_url": first.directory_for(cert.key_type,
                                                 current().settings.ca_directories)}

