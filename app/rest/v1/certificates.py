"""certificates.php: request, list, show, download, verify, revoke, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response

from app.rest.dispatch import Action, Call, Resource
from app.rest.envelope import ok
from app.rest.params import Param
from app.rest.v1.schemas import INT, NULL, STR
from app.services import messages
from app.services.certificates import downloads, renewal
from app.services.certificates import records as certificates
from app.services.certificates.cas import CHALLENGE_TYPES, KEY_TYPES, REGISTRY
from app.services.certificates.view import CertificateDetail, CertificateSummary, Version


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _day(value: datetime | None) -> str | None:
    """expires_at as the seed shows it: the date alone."""
    return value.date().isoformat() if value else None


def summary(cert: CertificateSummary) -> dict[str, Any]:
    """The list's fields, under the seed's names."""
    return {
        "id": cert.id, "domains": cert.domains, "ca_provider": cert.ca_provider,
        "challenge_type": cert.challenge_type, "key_type": cert.key_type,
        "status": cert.status, "stage": cert.stage, "auto_renew": cert.auto_renew,
        "issued_at": _iso(cert.issued_at), "expires_at": _day(cert.expires_at),
        "serial": cert.serial, "fingerprint_sha256": cert.fingerprint_sha256,
        "issuer": cert.issuer, "last_error": cert.last_error,
        "dns_records": None if cert.dns_records is None
        else [{"name": r.name, "type": r.type, "value": r.value} for r in cert.dns_records],
        "revoked_at": _iso(cert.revoked_at), "created_at": _iso(cert.created_at),
    }


def detail(cert: CertificateDetail) -> dict[str, Any]:
    """The whole record; never the private key (that is ?action=download&format=key)."""
    window = cert.renewal_window
    return summary(cert) | {
        "certificate_pem": cert.certificate_pem, "chain_pem": cert.chain_pem,
        "renew_at": _iso(cert.renew_at),
        "renewal_window": window and {"start": _iso(window.start), "end": _iso(window.end)}}


def version(v: Version) -> dict[str, Any]:
    return {"serial": v.serial, "issued_at": _iso(v.issued_at),
            "expires_at": _day(v.expires_at), "replaced_at": _iso(v.replaced_at)}


async def list_or_show(call: Call) -> Response:
    p = call.params
    if p["id"] is not None:
        cert = await certificates.show_certificate(user=call.me, id=p["id"])
        (history,) = await certificates.versions_of([cert.id])
        return ok(detail(cert) | {"history": [version(v) for v in history]})
    page = await certificates.list_summaries(
        user=call.me, status=p["status"], ca_provider=p["ca_provider"],
        search=p["search"] or p["domain"], page=p["page"], per_page=p["per_page"])
    return ok({"certificates": [summary(c) for c in page.items], "total": page.total,
               "page": page.page, "per_page": page.per_page, "pages": page.pages})


async def request(call: Call) -> Response:
    cert = await certificates.request_certificate(user=call.me, **call.params)
    return ok(detail(cert), messages.CERTIFICATE_REQUESTED, 201)


async def renew(call: Call) -> Response:
    outcome = await renewal.renew_now(user=call.me, id=call.params["id"])
    cert = outcome.certificate
    if not outcome.finished:
        return ok({"id": cert.id, "status": "pending", "expires_at": _day(cert.expires_at)},
                  messages.RENEWAL_RUNNING, 202)
    return ok({"expires_at": _day(cert.expires_at), "id": cert.id, "status": cert.status},
              messages.CERTIFICATE_RENEWED)


async def download(call: Call) -> Response:
    file = await downloads.download(user=call.me, **call.params)
    return Response(file.content, media_type=file.media_type, headers={
        "Content-Disposition": f'attachment; filename="{file.filename}"'})


async def verify(call: Call) -> Response:
    cert = await certificates.verify_certificate(user=call.me, id=call.params["id"])
    return ok(summary(cert), messages.DNS_CHECK_STARTED)


async def revoke(call: Call) -> Response:
    cert = await certificates.revoke_certificate(user=call.me, **call.params)
    return ok(summary(cert), messages.CERTIFICATE_REVOKED)


async def delete(call: Call) -> Response:
    await certificates.delete_certificate(user=call.me, id=call.params["id"])
    return ok(None, messages.CERTIFICATE_DELETED)


def _id(where: str = "body") -> Param:
    return Param("id", "integer", required=True, minimum=1, description="Certificate id",
                 in_query=where == "query")


CERT = {"type": "object", "required": ["id", "domains", "status"],
        "properties": {"id": INT, "status": STR, "expires_at": {"type": ["string", "null"]}}}
LIST_PARAMS = (
    Param("id", "integer", minimum=1, in_query=True, description="Show one certificate"),
    Param("status", enum=certificates.STATUSES, description="Filter by status"),
    Param("ca_provider", enum=tuple(REGISTRY), description="Filter by CA"),
    Param("search", max_length=certificates.MAX_SEARCH,
          description="Only certificates naming this text"),
    Param("domain", max_length=certificates.MAX_SEARCH, description="Same as search"),
    Param("page", "integer", minimum=1, description="Page, from 1"),
    Param("per_page", "integer", minimum=1, description="Items a page (default 20, max 100)"),
)

RESOURCE = Resource("/api/v1/certificates.php", (
    Action(("GET",), None, list_or_show, "List certificates (newest first), or one with ?id=",
           params=LIST_PARAMS, data={"anyOf": [CERT, {"type": "object", "required": [
               "certificates", "total", "page", "per_page", "pages"]}]}),
    Action(("POST",), None, request, "Request a certificate; issuance runs in the background",
           status=201, data=CERT, params=(
               Param("ca_provider", required=True, enum=tuple(REGISTRY), description="The CA"),
               Param("domains", "array", required=True, max_length=2 * certificates.MAX_NAMES,
                     description="Names, each equal to or under one of your domains"),
               Param("challenge_type", enum=CHALLENGE_TYPES, description="dns-01 (default)"),
               Param("key_type", enum=KEY_TYPES, description="ec-256 (default)"),
               Param("auto_renew", "boolean", description="Renew before expiry (default true)"),
           )),
    Action(("POST",), "renew", renew, "Renew now; waits up to CASP_RENEW_WAIT_SECONDS",
           params=(_id(),), data={"type": "object", "required": ["expires_at", "id", "status"],
                                  "properties": {"expires_at": {"type": ["string", "null"]},
                                                 "id": INT, "status": STR}},
           also=(202,)),
    Action(("GET",), "download", download, "Download: pem, fullchain, key, pfx or zip",
           params=(_id("query"), Param("format", enum=downloads.FORMATS, description="pem"),
                   Param("password", max_length=downloads.MAX_PFX_PASSWORD,
                         description="PKCS#12 password")),
           files=downloads.MEDIA_TYPES, secret=True),
    Action(("POST",), "verify", verify, "Look for the manual dns-01 TXT records now",
           params=(_id(),), data=CERT),
    Action(("POST",), "revoke", revoke, "Revoke at the CA", data=CERT, params=(
        _id(), Param("reason", "name_or_code", description=(
            "unspecified, keyCompromise, superseded, affiliationChanged or "
            "cessationOfOperation, or its code")))),
    Action(("DELETE",), None, delete, "Delete the certificate and erase its key",
           params=(_id("query"),), data=NULL, message=messages.CERTIFICATE_DELETED),
))
