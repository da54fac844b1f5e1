"""Per-user quotas (the quota_* settings; 0 turns one off): domains held, certificates pending at
once, and orders (certificate requests and renew-nows) an hour. One user's bulk cannot
crowd out the others; each refusal names the quota and its number, alike in both doors."""

from __future__ import annotations

from app.errors import RateLimited, ValidationFailed
from app.runtime import current
from models.certificate import Certificate
from models.domain import Domain
from models.user import User


def _refusal(field: str, quota: str, limit: int, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, details={"quota": quota, "limit": limit})


async def check_domains(user: User) -> None:
    """Before adding a domain: at most quota_domains per user."""
    limit = current().settings.quota_domains
    if limit and await Domain.filter(user=user).count() >= limit:
        raise _refusal("domain", "domains", limit,
                       f"domain quota reached: at most {limit} domains per account; "
                       "delete one you no longer use first")


async def check_pending(user: User) -> None:
    """Before a certificate request: at most quota_pending_certificates pending."""
    limit = current().settings.quota_pending_certificates
    if limit and await Certificate.filter(user=user, status="pending").count() >= limit:
        raise _refusal("domains", "pending_certificates", limit,
                       f"pending certificate quota reached: at most {limit} certificates "
                       "pending at once; wait for some to finish or delete them")


async def spend_order(user: User) -> None:
    """One certificate request or renew-now: at most quota_orders_per_hour an hour,
    counted in the rate limits' storage (shared by every process when it is a Redis)."""
    limit = current().settings.quota_orders_per_hour
    if not limit:
        return
    decision = await current().limiter.hit_hourly(limit, "orders", str(user.id))
    if not decision.allowed:
        raise RateLimited(f"order quota reached: at most {limit} certificate requests and "
                          f"renewals an hour; try again in {decision.retry_after} s",
                          retry_after=decision.retry_after,
                          details={"quota": "orders_per_hour", "limit": limit})
