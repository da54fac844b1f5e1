"""DNS provider types, from the same service views as REST's account.php actions."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services.dnsproviders import catalogue
from app.services.dnsproviders.credentials import CheckResult, CredentialView


@strawberry.type(description="One field of a DNS provider's credential")
class DnsProviderField:
    name: str = strawberry.field(description="The field's name, a key of `credentials`")
    description: str = strawberry.field(description="What the provider expects in it")
    secret: bool = strawberry.field(
        description="Whether it looks secret (every field is stored encrypted anyway)")


@strawberry.type(description="A DNS provider casp can write dns-01 TXT records through")
class DnsProvider:
    name: str = strawberry.field(description="Its name, the `provider` of a credential")
    fields: list[DnsProviderField] = strawberry.field(description="Its credential's fields")
    available: bool = strawberry.field(
        description="False when this casp lacks a Python package the provider needs")
    required: list[str] = strawberry.field(description="The fields that must be given")

    @classmethod
    def of(cls, view: catalogue.DnsProvider) -> DnsProvider:
        return cls(name=view.name, available=view.available, required=list(view.required),
                   fields=[DnsProviderField(name=f.name, description=f.description,
                                            secret=f.secret) for f in view.fields])


@strawberry.type(description="A stored DNS credential; its fields are never shown")
class DnsCredential:
    id: int = strawberry.field(description="The credential's id")
    provider: str = strawberry.field(description="The DNS provider it is for")
    label: str = strawberry.field(description="Your name for it")
    zone: str = strawberry.field(description="The zone its check reads")
    created_at: datetime = strawberry.field(description="When it was saved")
    last_used_at: datetime | None = strawberry.field(
        description="When casp last used it (a check or a record written)")

    @classmethod
    def of(cls, view: CredentialView) -> DnsCredential:
        return cls(id=view.id, provider=view.provider, label=view.label, zone=view.zone,
                   created_at=view.created_at, last_used_at=view.last_used_at)


@strawberry.type(description="The outcome of checkDnsCredential")
class DnsCredentialCheck:
    credential: DnsCredential = strawberry.field(description="The credential checked")
    ok: bool = strawberry.field(description="Whether the provider accepted it")
    error: str | None = strawberry.field(description="What went wrong, when not ok")

    @classmethod
    def of(cls, result: CheckResult) -> DnsCredentialCheck:
        return cls(credential=DnsCredential.of(result.credential), ok=result.ok,
                   error=result.error)
