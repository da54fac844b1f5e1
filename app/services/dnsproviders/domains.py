"""Choosing a domain's dns-01 mode: through one of the user's DNS credentials
(dns_provider), or back to delegation or manual records (no credential)."""

from __future__ import annotations

from app.errors import ValidationFailed
from app.services.dnsproviders.credentials import owned as owned_credential
from app.services.domains.ownership import DomainView, owned, view_of
from app.wording import Value
from models.user import User


async def set_dns_credential(*, user: User, id: int, dns_credential_id: int | None) -> DomainView:
    """Another user's credential is NOT_FOUND, as one that does not exist; 0 or none clears."""
    domain = await owned(user, id)
    if not dns_credential_id:
        domain.dns_credential_id = None
    else:
        if domain.verification_method != "dns-01":
            raise ValidationFailed(
                f"domain {domain.name} is verified by {Value(domain.verification_method)}; "
                f"a DNS provider writes {Value('dns-01')} records only", field="id")
        credential = await owned_credential(user, dns_credential_id, "dns_credential_id")
        domain.dns_credential_id = credential.id
    await domain.save(update_fields=["dns_credential_id"])
    return view_of(domain)



