"""account.php's DNS provider actions: the providers and their fields, the user's
credentials (add with a check, list, check, delete); and domains.php's choice of one."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.responses import Response

from app.rest.dispatch import Action, Alias, Call
from app.rest.envelope import ok
from app.rest.params import Param
from app.rest.v1.schemas import BOOL, ID, INT, NULL, STR, fields_of, named, nullable, obj, record
from app.services import messages
from app.services.dnsproviders import catalogue, credentials
from app.services.dnsproviders.credentials import CredentialView
from app.services.domains.names import MAX_TYPED


def _credential(view: CredentialView) -> dict[str, Any]:
    return asdict(view) | {
        "created_at": view.created_at.isoformat(),
        "last_used_at": view.last_used_at.isoformat() if view.last_used_at else None}


async def list_providers(call: Call) -> Response:
    found = catalogue.providers().values()
    return ok({"dns_providers": [asdict(p) for p in found], "total": len(found)})


async def list_credentials(call: Call) -> Response:
    items = await credentials.list_credentials(user=call.me)
    return ok({"dns_credentials": [_credential(c) for c in items], "total": len(items)})


async def add_credential(call: Call) -> Response:
    view = await credentials.create_credential(user=call.me, **call.params)
    return ok(_credential(view), messages.DNS_CREDENTIAL_SAVED)


async def check_credential(call: Call) -> Response:
    result = await credentials.check_credential(user=call.me, id=call.params["id"])
    message = messages.DNS_CREDENTIAL_CHECKED if result.ok else messages.DNS_CREDENTIAL_FAILED
    return ok({"credential": _credential(result.credential), "ok": result.ok,
               "error": result.error}, message)


async def delete_credential(call: Call) -> Response:
    await credentials.delete_credential(user=call.me, id=call.params["id"])
    return ok(None, messages.DNS_CREDENTIAL_DELETED)


FIELD = named("DnsProviderField", "One field of a provider's credential", record(
    fields_of(catalogue.ProviderField)))
PROVIDER = named("DnsProvider", "A DNS provider casp can write dns-01 records through",
                 record(fields_of(catalogue.DnsProvider, override={
                     "fields": {"type": "array", "items": FIELD},
                     "required": {"type": "array", "items": STR}})))
CREDENTIAL = named("DnsCredential", "A stored DNS credential (its fields are never shown)",
                   record(fields_of(CredentialView, override={"id": ID})))
CHECK = named("DnsCredentialCheck", "A credential and the outcome of its check", obj(
    credential=CREDENTIAL, ok=BOOL, error=nullable(STR)))
ID_PARAM = Param("id", "integer", required=True, minimum=1, description="DNS credential id")

PROVIDERS = Action(("GET",), "dns-providers", list_providers,
                   "The DNS providers and each one's credential fields",
                   data=named("DnsProviderList", "Every DNS provider", obj(
                       dns_providers={"type": "array", "items": PROVIDER}, total=INT)))
LIST = Action(("GET",), "dns-credentials", list_credentials, "Your DNS credentials",
              data=named("DnsCredentialList", "Your DNS credentials", obj(
                  dns_credentials={"type": "array", "items": CREDENTIAL}, total=INT)))
ADD = Action(
    ("POST",), "add-dns-credential", add_credential,
    "Check a DNS provider credential with a harmless call, then store it encrypted",
    params=(Param("provider", required=True, max_length=credentials.MAX_PROVIDER,
                  description="The provider's name (action=dns-providers lists them)"),
            Param("label", required=True, max_length=credentials.MAX_LABEL,
                  description="Your name for the credential"),
            Param("zone", required=True, max_length=MAX_TYPED,
                  description="A DNS zone the credential manages: the check reads it"),
            Param("credentials", "object", required=True, max_length=credentials.MAX_FIELDS,
                  credential=True, description="The provider's fields, as a JSON object "
                  "(e.g. {\"auth_token\": ..., \"pdns_server\": ...})")),
    data=CREDENTIAL)
CHECK_ACTION = Action(("POST",), "check-dns-credential", check_credential,
                      "Check a stored DNS credential now (a harmless call to the provider)",
                      params=(ID_PARAM,), data=CHECK)
DELETE = Action(("POST",), "delete-dns-credential", delete_credential,
                "Delete a DNS credential (records still written with it are removed first)",
                params=(ID_PARAM,), data=NULL)
ACTIONS = (PROVIDERS, LIST, ADD, CHECK_ACTION, DELETE)
ONE = "/api/v1/account/dns-credentials/{id}"
ALIASES = (
    Alias("GET", "/api/v1/account/dns-providers", PROVIDERS, "listDnsProviders"),
    Alias("GET", "/api/v1/account/dns-credentials", LIST, "listDnsCredentials"),
    Alias("POST", "/api/v1/account/dns-credentials", ADD, "addDnsCredential"),
    Alias("POST", f"{ONE}/check", CHECK_ACTION, "checkDnsCredential"),
    Alias("DELETE", ONE, DELETE, "deleteDnsCredential"),
)
