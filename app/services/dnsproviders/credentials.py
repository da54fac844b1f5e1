"""A user's DNS provider credentials: saved once checked, encrypted, never shown back
(only provider, label, zone and dates), usable and visible by their owner alone."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.errors import NotFound, ValidationFailed
from app.runtime import current
from app.services.dnsproviders import apis, catalogue, targets
from app.services.domains import names
from app.services.inputs import at_most, required, storable_id, token_text
from app.wording import Input
from models.dns_credential import DnsCredential
from models.user import User

MAX_LABEL = 100
MAX_PROVIDER = 40
MAX_FIELDS = 20
MAX_VALUE = 4000  # a Google service account's JSON is the longest known


@dataclass(frozen=True, slots=True)
class CredentialView:
    id: int
    provider: str
    label: str
    zone: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class CheckResult:
    credential: CredentialView
    ok: bool
    error: str | None  # what the provider said, when the check failed


def view_of(row: DnsCredential) -> CredentialView:
    return CredentialView(row.id, row.provider, row.label, row.zone, row.created_at,
                          row.last_used_at)


def provider_of(value: str | None, field: str = "provider") -> catalogue.DnsProvider:
    name = at_most(required(value, field).strip().lower(), MAX_PROVIDER, field) or ""
    found = catalogue.providers().get(name)
    if found is None:
        raise ValidationFailed(f"{Input(field)} {name[:MAX_PROVIDER]!r} is not a DNS provider "
                               "casp knows (see the list of DNS providers)", field=field)
    if not found.available:
        raise ValidationFailed(f"{Input(field)} {name}: this casp lacks the Python package it "
                               "needs", field=field)
    return found


def _fields(provider: catalogue.DnsProvider, given: Mapping[str, Any] | None) -> dict[str, str]:
    field = "credentials"
    if not isinstance(given, Mapping) or not given:
        raise ValidationFailed(f"{Input(field)} is required: the fields of {provider.name}",
                               field=field)
    if len(given) > MAX_FIELDS:
        raise ValidationFailed(f"{Input(field)} has more than {MAX_FIELDS} fields", field=field)
    known = {f.name for f in provider.fields}
    clean: dict[str, str] = {}
    for name, value in given.items():
        if name not in known:
            raise ValidationFailed(f"{Input(field)}: {provider.name} has no field "
                                   f"{str(name)[:64]!r}; its fields: {', '.join(sorted(known))}",
                                   field=field)
        if not isinstance(value, str):
            raise ValidationFailed(f"{Input(field)}: {name} must be a string", field=field)
        if value:
            clean[name] = token_text(value, field, MAX_VALUE)
    missing = [n for n in provider.required if n not in clean]
    if missing or not clean:
        raise ValidationFailed(f"{Input(field)}: {provider.name} needs "
                               f"{', '.join(missing or sorted(known))}", field=field)
    return clean


def _zone(value: str | None) -> str:
    zone = names.normalize(required(value, "zone"), field="zone")
    if names.is_ip(zone) or zone.startswith("*."):
        raise ValidationFailed(f"{Input('zone')} must be a DNS zone name", field="zone")
    return zone


def credential_of(row: DnsCredential) -> apis.Credential:
    fields = json.loads(current().box.decrypt(row.secret_encrypted))
    return apis.Credential(row.provider, row.label, row.zone, fields)


async def create_credential(*, user: User, provider: str | None, label: str | None,
                            zone: str | None,
                            credentials: Mapping[str, Any] | None) -> CredentialView:
    """Checked with a harmless call before it is saved: a wrong one is never stored."""
    found = provider_of(provider)
    name = token_text(required(label, "label").strip(), "label", MAX_LABEL)
    fields = _fields(found, credentials)
    zone_name = _zone(zone)
    await targets.check_targets(fields)
    try:
        await apis.api_for(apis.Credential(found.name, name, zone_name, fields)).check()
    except (apis.ProviderRefused, apis.ProviderUnavailable) as exc:
        raise ValidationFailed(f"the check failed: {exc}", field="credentials") from exc
    now = current().clock.now()
    row = await DnsCredential.create(
        user=user, provider=found.name, label=name, zone=zone_name, created_at=now,
        last_used_at=now, secret_encrypted=current().box.encrypt(json.dumps(fields)))
    return view_of(row)


async def owned(user: User, id: int | None, field: str = "id") -> DnsCredential:
    """The user's credential; another user's is NOT_FOUND exactly as a missing one."""
    if id is None:
        raise ValidationFailed(f"{Input(field)} is required", field=field)
    row = (await DnsCredential.get_or_none(id=id, user_id=user.id)
           if storable_id(id) else None)
    if row is None:
        raise NotFound(f"DNS credential {id} not found")
    return row


async def list_credentials(*, user: User) -> list[CredentialView]:
    rows = await DnsCredential.filter(user_id=user.id).order_by("id")
    return [view_of(r) for r in rows]


async def check_credential(*, user: User, id: int | None) -> CheckResult:
    return await check_row(await owned(user, id))


async def check_row(row: DnsCredential) -> CheckResult:
    """The harmless call, now; a success counts as a use."""
    usable = credential_of(row)
    try:
        await targets.refuse_at_use(usable)
        await apis.api_for(usable).check()
    except (apis.ProviderRefused, apis.ProviderUnavailable) as exc:
        return CheckResult(view_of(row), False, str(exc))
    row.last_used_at = current().clock.now()
    await row.save(update_fields=["last_used_at"])
    return CheckResult(view_of(row), True, None)


async def delete_credential(*, user: User, id: int | None) -> None:
    """Records still written with it are removed first (best effort); its domains go back
    to delegated or manual dns-01."""
    from app.services.dnsproviders import records  # records imports this module

    row = await owned(user, id)
    await records.remove_all(credential_id=row.id)
    await row.delete()
