"""domains.php: add, list, show, verify, delete the user's domains."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.responses import Response

from app.rest.dispatch import Action, Alias, Call, Resource
from app.rest.envelope import ok
from app.rest.params import Param
from app.rest.v1.certificates import DNS_RECORD
from app.rest.v1.schemas import ID as ID_SCHEMA
from app.rest.v1.schemas import INT, NULL, OBJECT, enum, fields_of, named, nullable, obj, record
from app.services import messages
from app.services.domains import names
from app.services.domains import ownership as domains
from app.services.domains.holders import OWNERSHIP as OWNERSHIP_STATUSES
from app.services.domains.holders import PROOFS, Ownership
from app.services.domains.ownership import DomainView
from app.wording import rest_word, spelled_all

ONE_ID = Param("id", "integer", minimum=1, description="Show one domain", in_query=True)


def view(domain: DomainView) -> dict[str, Any]:
    """A domain under the seed's names."""
    return {
        "id": domain.id, "domain": domain.name,
        "verification_method": domain.verification_method, "status": domain.status,
        "created_at": domain.created_at.isoformat(),
        "verified_at": domain.verified_at.isoformat() if domain.verified_at else None,
        "instructions": spelled_all(domain.instructions, rest_word),
        "last_check": domain.last_check,
        "ownership": {"status": domain.ownership.status, "method": domain.ownership.method,
                      "record": asdict(domain.ownership.record)},
    }


async def list_or_show(call: Call) -> Response:
    if call.params["id"] is not None:
        return ok(view(await domains.get_domain(user=call.me, id=call.params["id"])))
    items = await domains.list_domains(user=call.me)
    return ok({"domains": [view(d) for d in items], "total": len(items)})


async def add(call: Call) -> Response:
    domain = await domains.add_domain(user=call.me, **call.params)
    return ok({"id": domain.id} | view(domain))


async def verify(call: Call) -> Response:
    checked = await domains.verify_domain(user=call.me, id=call.params["id"])
    message = messages.DOMAIN_VERIFIED if checked.ok else messages.DOMAIN_NOT_VERIFIED
    return ok(view(checked.domain) | {"verification": checked.report}, message)


async def delete(call: Call) -> Response:
    await domains.delete_domain(user=call.me, id=call.params["id"])
    return ok(None, messages.DOMAIN_DELETED)


BODY_ID = Param("id", "integer", required=True, minimum=1, description="Domain id")
QUERY_ID = Param("id", "integer", required=True, minimum=1, description="Domain id",
                 in_query=True)
METHODS = ("dns-01", "http-01")
OWNERSHIP = named("Ownership", "Whether you hold the name, and the proof record to publish",
                  record(fields_of(Ownership, override={
                      "status": enum(OWNERSHIP_STATUSES), "method": enum(PROOFS),
                      "record": DNS_RECORD})))
_DOMAIN = fields_of(DomainView, drop=("user_id",), rename={"name": "domain"}, override={
    "id": ID_SCHEMA, "verification_method": enum(METHODS), "status": enum(domains.STATUSES),
    "instructions": OBJECT | {"description": "What to set up for verification"},
    "last_check": nullable(OBJECT | {"description": "The last check's report"}),
    "ownership": OWNERSHIP})
DOMAIN = named("Domain", "One of your domains", record(_DOMAIN))
CHECKED = named("DomainCheck", "A domain and the report of the check just made", record(
    _DOMAIN | {"verification": OBJECT | {"description": "ok, the checks made, the CAA records"}}))
DOMAIN_LIST = named("DomainList", "All your domains", obj(
    domains={"type": "array", "items": DOMAIN}, total=INT))

LIST = Action(("GET",), None, list_or_show, "List your domains, or one with ?id=",
              params=(ONE_ID,), data={"anyOf": [DOMAIN_LIST, DOMAIN]})
ADD = Action(("POST",), None, add, "Add a domain", params=(
    Param("domain", required=True, max_length=names.MAX_TYPED,
          description="Domain name (IDN allowed), or an IP address (http-01 only)"),
    Param("verification_method", enum=METHODS, description="dns-01 (default) or http-01")),
             data=DOMAIN)
VERIFY = Action(("POST",), "verify", verify, "Check the domain's setup now (and its CAA "
                "records)", params=(BODY_ID,), data=CHECKED)
DELETE = Action(("DELETE",), None, delete, "Delete a domain no live certificate uses",
                params=(QUERY_ID,), data=NULL, message=messages.DOMAIN_DELETED)
RESOURCE = Resource("/api/v1/domains.php", (LIST, ADD, VERIFY, DELETE))
ONE = "/api/v1/domains/{id}"
PATH_ID = Param("id", "integer", required=True, minimum=1, description="Domain id")
ALIASES = (
    Alias("GET", "/api/v1/domains", LIST, "listDomains", (), DOMAIN_LIST, "List your domains"),
    Alias("POST", "/api/v1/domains", ADD, "addDomain"),
    Alias("GET", ONE, LIST, "getDomain", (PATH_ID,), DOMAIN, "One of your domains"),
    Alias("DELETE", ONE, DELETE, "deleteDomain", (PATH_ID,)),
    Alias("POST", f"{ONE}/verify", VERIFY, "verifyDomain"),
)
