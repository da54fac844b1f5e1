"""domains.php: add, list, show, verify, delete the user's domains."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.responses import Response

from app.rest.dispatch import Action, Call, Resource
from app.rest.envelope import ok
from app.rest.params import Param
from app.rest.v1.schemas import INT, NULL, STR
from app.services import messages
from app.services.domains import names
from app.services.domains import ownership as domains
from app.services.domains.holders import OWNERSHIP as OWNERSHIP_STATUSES
from app.services.domains.holders import PROOFS
from app.services.domains.ownership import DomainView

ID = Param("id", "integer", minimum=1, description="Domain id", in_query=True)


def view(domain: DomainView) -> dict[str, Any]:
    """A domain under the seed's names."""
    return {
        "id": domain.id, "domain": domain.name,
        "verification_method": domain.verification_method, "status": domain.status,
        "created_at": domain.created_at.isoformat(),
        "verified_at": domain.verified_at.isoformat() if domain.verified_at else None,
        "instructions": domain.instructions, "last_check": domain.last_check,
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
OWNERSHIP = {"type": "object", "required": ["status", "method", "record"], "properties": {
    # Strings described, not enums: "status" is the certificates' enum in this document.
    "status": STR | {"description": " | ".join(OWNERSHIP_STATUSES)},
    "method": STR | {"description": " | ".join(PROOFS)},
    "record": {"type": "object", "required": ["type", "name", "value"],
               "properties": {"type": STR, "name": STR, "value": STR}}}}
DOMAIN = {"type": "object",
          "required": ["id", "domain", "verification_method", "status", "ownership"],
          "properties": {"id": INT, "domain": STR, "verification_method": STR, "status": STR,
                         "ownership": OWNERSHIP}}

RESOURCE = Resource("/api/v1/domains.php", (
    Action(("GET",), None, list_or_show, "List your domains, or one with ?id=", params=(ID,),
           data={"anyOf": [DOMAIN, {"type": "object", "required": ["domains", "total"]}]}),
    Action(("POST",), None, add, "Add a domain", params=(
        Param("domain", required=True, max_length=names.MAX_TYPED,
              description="Domain name (IDN allowed)"),
        Param("verification_method", enum=("dns-01", "http-01"),
              description="dns-01 (default) or http-01")), data=DOMAIN),
    Action(("POST",), "verify", verify, "Check the domain's setup now (and its CAA records)",
           params=(BODY_ID,), data=DOMAIN | {"required": ["id", "verification"]}),
    Action(("DELETE",), None, delete, "Delete a domain no live certificate uses",
           params=(QUERY_ID,), data=NULL, message=messages.DOMAIN_DELETED),
))
