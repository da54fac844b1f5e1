"""dns_provider mode: the dns-01 TXT values casp writes through a user's credential. Each
value is saved (DnsProviderRecord) before it is written and forgotten once removed, so that
what an attempt leaves behind (a failure, a crash, a killed worker) is removed at the end of
the attempt or by the sweep."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import dns.asyncresolver
import dns.exception
import dns.name

from app.runtime import current
from app.services.dnsproviders import apis, targets
from app.services.dnsproviders.credentials import credential_of
from app.services.domains.dns import DnsError, Lookup
from models.dns_credential import DnsCredential, DnsProviderRecord

log = logging.getLogger(__name__)
SWEEP_MARGIN = timedelta(minutes=5)  # past the longest attempt, a record is a leftover


async def _zone_for(name: str, credential: DnsCredential) -> str:
    """The credential's zone when the name is in it, else the zone DNS says holds it."""
    if dns.name.from_text(name).is_subdomain(dns.name.from_text(credential.zone)):
        return credential.zone
    lookup = Lookup.of(current().settings)
    try:
        zone = await dns.asyncresolver.zone_for_name(name, resolver=lookup.resolver)
    except dns.exception.DNSException as exc:
        raise DnsError(f"cannot find the DNS zone of {name}") from exc
    return zone.to_text(omit_final_dot=True)


async def write(certificate_id: int, credential: DnsCredential, name: str,
                value: str) -> None:
    """Saved first: a crash between the write and the save would leave a value nobody
    knows of."""
    zone = await _zone_for(name, credential)
    now = current().clock.now()
    await DnsProviderRecord.update_or_create(
        credential_id=credential.id, certificate_id=certificate_id, name=name, value=value,
        defaults={"zone": zone, "created_at": now})
    usable = credential_of(credential)
    await targets.refuse_at_use(usable)
    await apis.api_for(apis.Credential(usable.provider, usable.label, zone,
                                       usable.fields)).add_txt(name, value)
    credential.last_used_at = now
    await credential.save(update_fields=["last_used_at"])


async def _remove(rows: list[DnsProviderRecord]) -> int:
    """Each value removed at its provider, then forgotten; one that fails stays for the
    sweep (logged, never raised: cleaning up must not fail the certificate)."""
    removed = 0
    for row in rows:
        credential = await DnsCredential.get_or_none(id=row.credential_id)
        if credential is not None:
            usable = credential_of(credential)
            try:
                await apis.api_for(apis.Credential(usable.provider, usable.label, row.zone,
                                                   usable.fields)).delete_txt(row.name,
                                                                              row.value)
            except Exception as exc:
                log.warning("could not remove TXT %s through DNS credential %s: %s",
                            row.name, row.credential_id, exc)
                continue
        await row.delete()
        removed += 1
    return removed


async def remove_for_certificate(certificate_id: int, values: set[str] | None = None) -> int:
    rows = await DnsProviderRecord.filter(certificate_id=certificate_id)
    return await _remove([r for r in rows if values is None or r.value in values])


async def remove_all(*, credential_id: int) -> int:
    return await _remove(list(await DnsProviderRecord.filter(credential_id=credential_id)))


async def sweep(now: datetime) -> int:
    """Leftovers of attempts that could not clean up (a killed worker): older than any
    attempt lasts."""
    settings = current().settings
    age = timedelta(seconds=settings.issuance_deadline_seconds
                    + settings.dns_propagation_seconds) + SWEEP_MARGIN
    rows = await DnsProviderRecord.filter(created_at__lt=now - age).limit(100)
    return await _remove(list(rows))
