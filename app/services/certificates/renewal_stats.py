"""renewal.php's figures, each defined in the README."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.functions import Count

from app.runtime import current
from app.services.certificates.cas import catalogue
from app.services.certificates.renewal import RENEWABLE
from models.certificate import Certificate, RenewalEvent
from models.user import User


@dataclass(frozen=True, slots=True)
class CaCounts:
    """The three renewal counts, of one CA or of all together (defined in the README)."""

    successful_renewals: int
    pending_renewals: int
    failed_renewals: int


@dataclass(frozen=True, slots=True)
class RenewalStats(CaCounts):
    next_renewal_at: datetime | None
    expiring_within_30_days: int
    by_ca: dict[str, CaCounts]  # only the CAs with something to count


def _zero() -> dict[str, int]:
    return {"successful_renewals": 0, "failed_renewals": 0, "pending_renewals": 0}


async def stats(*, user: User) -> RenewalStats:
    now = current().clock.now()
    events = await RenewalEvent.filter(user_id=user.id).annotate(n=Count("id")).group_by(
        "ca_provider", "succeeded").values("ca_provider", "succeeded", "n")
    due = Certificate.filter(user=user, status__in=RENEWABLE, auto_renew=True,
                             renew_at__lte=now)
    pending_by_ca = await due.annotate(n=Count("id")).group_by("ca_provider").values(
        "ca_provider", "n")
    upcoming = await Certificate.filter(user=user, status="issued", auto_renew=True,
                                        renew_at__gt=now).order_by("renew_at").first()
    # The catalogue's order; a custom CA the operator has since removed still counts.
    by_ca: dict[str, dict[str, int]] = {name: _zero() for name in catalogue()}
    for row in events:
        key = "successful_renewals" if row["succeeded"] else "failed_renewals"
        by_ca.setdefault(row["ca_provider"], _zero())[key] += row["n"]
    for row in pending_by_ca:
        by_ca.setdefault(row["ca_provider"], _zero())["pending_renewals"] += row["n"]
    return RenewalStats(
        successful_renewals=sum(c["successful_renewals"] for c in by_ca.values()),
        pending_renewals=sum(c["pending_renewals"] for c in by_ca.values()),
        failed_renewals=sum(c["failed_renewals"] for c in by_ca.values()),
        next_renewal_at=upcoming.renew_at if upcoming else None,
        expiring_within_30_days=await Certificate.filter(
            user=user, status="issued", expires_at__lte=now + timedelta(days=30)).count(),
        by_ca={name: CaCounts(**counts) for name, counts in by_ca.items()
               if any(counts.values())})
