"""Where a credential sends casp: the fields naming a server (PowerDNS's URL, an RFC 2136
server) must name a public one, as webhooks must, unless CASP_DNS_PROVIDERS_ALLOW_PRIVATE:
otherwise a user could make casp talk to its own network (or, with PowerDNS, to a local
Unix socket)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from app import outbound
from app.errors import ValidationFailed
from app.runtime import current
from app.services.dnsproviders import apis
from app.services.domains.dns import host_port

URL_FIELDS = frozenset({"pdns_server"})
HOST_FIELDS = frozenset({"server", "ddns_server"})
FIELD = "credentials"


def _host_of(name: str, value: str) -> tuple[str, int]:
    if name in URL_FIELDS:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationFailed(f"{name} must be an http or https URL", field=FIELD)
        return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    try:
        return host_port(value)
    except ValueError:
        raise ValidationFailed(f"{name} must be host[:port]", field=FIELD) from None


async def refuse_at_use(credential: apis.Credential) -> None:
    """Again at each use: a name checked on save may point elsewhere since."""
    try:
        await check_targets(credential.fields)
    except ValidationFailed as exc:
        raise apis.ProviderRefused(f"DNS provider {credential.provider} (credential "
                                   f"{credential.label!r}): {exc.message}") from exc


async def check_targets(fields: Mapping[str, str]) -> None:
    allow = current().settings.dns_providers_allow_private
    for name, value in fields.items():
        if name not in URL_FIELDS | HOST_FIELDS:
            continue
        host, port = _host_of(name, value)
        try:
            await outbound.public_addresses(host, port, allow)
        except outbound.PrivateAddress:
            raise ValidationFailed(f"{name} does not point at a public address",
                                   field=FIELD) from None
        except outbound.OutboundError:
            raise ValidationFailed(f"{name}: {host} cannot be resolved", field=FIELD) from None
