"""certificates.php: request, list, show, download, verify, revoke, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response

from app.rest.dispatch import Action, Alias, Call, Resource
from app.rest.envelope import ok
from app.rest.params import Param
from app.rest.v1.schemas import (
    BOOL,
    CA_NAME,
    CA_PARAM,
    DATE,
    ID,
    INT,
    MAX_CA_NAME,
    NULL,
    OBJECT,
    SIX_CAS,
    STR,
    enum,
    fields_of,
    named,
    nullable,
    obj,
    record,
)
from app.services import messages
from app.services.certificates import downloads, fallback, renewal
from app.services.certificates import records as certificates
from app.services.certificates.cas import CHALLENGE_TYPES, EAB_MODES, KEY_TYPES, catalogue
from app.services.certificates.profiles import MAX_PROFILE, Profile
from app.services.certificates.view import (
    SUMMARY_COLUMNS,
    CertificateDetail,
    CertificateSummary,
    DnsRecord,
    RenewalWindow,
    Version,
)
from app.services.inputs import MAX_PAGE, MAX_PER_PAGE


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
        "profile": cert.profile, "status": cert.status, "stage": cert.stage,
        "auto_renew": cert.auto_renew,
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
        "renewal_window": window and {"start": _iso(window.start), "end": _iso(window.end)},
        "fallback_ca_providers": cert.fallback_ca_providers,
        "previous_attempts": [{"ca": a.ca, "error": a.error, "at": _iso(a.at)}
                              for a in cert.previous_attempts],
        "persist_until": _iso(cert.persist_until)}


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


def provider(offer: certificates.CaOffer) -> dict[str, Any]:
    ca = offer.ca
    return {"name": ca.name, "title": ca.title, "custom": ca.custom, "eab": ca.eab_mode,
            "eab_required": ca.eab_required,
            "key_types": list(KEY_TYPES), "challenge_types": list(CHALLENGE_TYPES),
            "staging_directory": ca.staging, "renewal_info": ca.ari,
            "available": offer.available, "note": ca.discontinued,
            "profiles": None if offer.profiles is None else
            [{"name": p.name, "description": p.description} for p in offer.profiles]}


async def ca_providers(call: Call) -> Response:
    offers = await certificates.ca_providers_with_profiles()
    return ok({"ca_providers": [provider(offer) for offer in offers]})


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


ENUMS = {"status": enum(certificates.STATUSES), "ca_provider": CA_NAME,
         "challenge_type": enum(CHALLENGE_TYPES), "key_type": enum(KEY_TYPES)}
DNS_RECORD = named("DnsRecord", "A TXT record to publish for manual dns-01 or dns-persist-01",
                   record(fields_of(DnsRecord)))
WINDOW = named("RenewalWindow", "The CA's suggested renewal window (ARI, RFC 9773)",
               record(fields_of(RenewalWindow)))
SUMMARY = fields_of(CertificateSummary, drop=("user_id",), override=ENUMS | {
    "id": ID, "expires_at": nullable(DATE | {"description": "The day it expires"}),
    "stage": STR | {"description": "Progress inside the status (queued, authorizing, "
                                   "awaiting_dns, ..., done)"},
    "last_error": nullable(OBJECT | {"description": "The last failure: type, detail, ..."}),
    "dns_records": nullable({"type": "array", "items": DNS_RECORD})})
CERT = named("Certificate", "A certificate as the list shows it", record(SUMMARY))
VERSION = named("CertificateVersion", "An earlier certificate that a renewal replaced",
                record(fields_of(Version, override={"expires_at": DATE})))
ATTEMPT = named("CaAttempt", "A CA that an issuance or renewal left for the next of its order "
                "(fallback), and why", obj(
                    ca=CA_NAME, error=OBJECT | {"description": "The problem: type, detail, ..."},
                    at=STR | {"format": "date-time"}))
_DETAIL = SUMMARY | fields_of(CertificateDetail, drop=SUMMARY_COLUMNS, override={
    "renewal_window": nullable(WINDOW),
    "fallback_ca_providers": {"type": "array", "items": CA_NAME, "description": (
        "The CAs tried in turn when the one requested fails for reasons of its own")},
    "previous_attempts": {"type": "array", "items": ATTEMPT, "description": (
        "The CAs this issuance (or the last renewal) left, oldest first; ca_provider is "
        "the one that issued")}}) | {"history": {"type": "array", "items": VERSION}}
DETAIL = named("CertificateDetail", "The whole record, never the private key; `history` "
               "only when read by id", record(_DETAIL) | {
                   "required": [k for k in _DETAIL if k != "history"]})
PAGE = named("CertificatePage", "One page of your certificates, newest first", obj(
    certificates={"type": "array", "items": CERT}, total=INT, page=INT, per_page=INT,
    pages=INT))
PROFILE = named("CaProfile", "An ACME profile a CA offers (draft-ietf-acme-profiles)",
                 record(fields_of(Profile)))
PROVIDER = named("CaProvider", "A CA casp can issue from, and what it offers", obj(
    name=CA_NAME, title=STR | {"description": "Its name for people"},
    custom=BOOL | {"description": "Declared by this server's operator (CASP_CUSTOM_CAS)"},
    eab=enum(EAB_MODES) | {"description": (
        "External Account Binding: required, optional (sent when you set some) or none")},
    eab_required=BOOL | {"description": "Needs External Account Binding (set-eab)"},
    key_types={"type": "array", "items": enum(KEY_TYPES)},
    challenge_types={"type": "array", "items": enum(CHALLENGE_TYPES)},
    staging_directory=nullable(STR | {"description": "Its test directory's URL"}),
    renewal_info=BOOL | {"description": "Offers ACME Renewal Information (RFC 9773)"},
    available=BOOL | {"description": "False when the CA stopped its service"},
    note=nullable(STR | {"description": "Why it is unavailable, and what to do instead"}),
    profiles=nullable({"type": "array", "items": PROFILE, "description": (
        "The profiles its directory offers, by name ([] when none); null when the "
        "directory cannot be read now")})))
PROVIDERS = named("CaProviders", "The CAs casp can issue from", obj(
    ca_providers={"type": "array", "items": PROVIDER}))
RENEWED = named("RenewedCertificate", "The renewal finished in time", obj(
    expires_at=nullable(DATE), id=ID, status=ENUMS["status"]))
RUNNING = named("RenewalRunning", "The renewal goes on in the background; the record "
                "changes when it ends", obj(id=ID, status={"const": "pending"},
                                            expires_at=nullable(DATE)))
LIST_PARAMS = (
    Param("id", "integer", minimum=1, in_query=True, description="Show one certificate"),
    Param("status", enum=certificates.STATUSES, description="Filter by status"),
    Param("ca_provider", max_length=MAX_CA_NAME, examples=SIX_CAS, choices=catalogue,
          description="Filter by CA"),
    Param("search", max_length=certificates.MAX_SEARCH,
          description="Only certificates naming this text"),
    Param("domain", max_length=certificates.MAX_SEARCH, description="Same as search"),
    Param("page", "integer", minimum=1, maximum=MAX_PAGE, description="Page, from 1"),
    Param("per_page", "integer", minimum=1, maximum=MAX_PER_PAGE,
          description=f"Items a page (default 20, at most {MAX_PER_PAGE})"),
)
ID_PATH = Param("id", "integer", required=True, minimum=1, description="Certificate id")

LIST = Action(("GET",), None, list_or_show, "List certificates (newest first), or one with ?id=",
              params=LIST_PARAMS, data={"anyOf": [PAGE, DETAIL]})
REQUEST = Action(
    ("POST",), None, request, "Request a certificate; issuance runs in the background",
    status=201, data=DETAIL, params=(
        Param("ca_provider", required=True, max_length=MAX_CA_NAME,
              examples=SIX_CAS, choices=catalogue, description=CA_PARAM),
        Param("domains", "array", required=True, max_length=2 * certificates.MAX_NAMES,
              distinct=certificates.MAX_NAMES, description=(
                  f"At most {certificates.MAX_NAMES} names, each equal to or under one of "
                  "your domains (a repeated name counts once); IP addresses need http-01")),
        Param("challenge_type", enum=CHALLENGE_TYPES, description=(
            "dns-01 (default); dns-persist-01 only from a CA that offers it")),
        Param("key_type", enum=KEY_TYPES, description="ec-256 (default)"),
        Param("auto_renew", "boolean", description="Renew before expiry (default true)"),
        Param("profile", max_length=MAX_PROFILE, description=(
            "One of the CA's ACME profiles (action=ca-providers lists them), e.g. "
            "shortlived; the CA's default when left out. Renewals keep it")),
        Param("fallback_ca_providers", "array", max_length=fallback.MAX_FALLBACKS,
              description=(
                  "CAs to try in turn when ca_provider fails for reasons of its own "
                  "(unreachable, rate limited, account or EAB refused); never when "
                  "validation fails. Default: your account's order "
                  "(account.php?action=ca-fallback); [] for none")),
    ))
CA_PROVIDERS = Action(("GET",), "ca-providers", ca_providers, "The CAs casp can issue from, "
                      "with the profiles each offers (no token needed)", data=PROVIDERS,
                      auth=False)
RENEW = Action(("POST",), "renew", renew, "Renew now; waits up to CASP_RENEW_WAIT_SECONDS, "
               "then answers 202 while the renewal goes on", params=(_id(),), data=RENEWED,
               accepted=RUNNING)
DOWNLOAD = Action(
    ("GET",), "download", download, "Download: pem, fullchain, key (PEM), pfx (PKCS#12) or "
    "zip (cert.pem, chain.pem, fullchain.pem, privkey.pem)",
    params=(_id("query"), Param("format", enum=downloads.FORMATS, description="pem (default)"),
            Param("password", max_length=downloads.MAX_PFX_PASSWORD,
                  description="Password of the PKCS#12 file (pfx only; none by default)")),
    files=downloads.MEDIA_TYPES, secret=True)
VERIFY = Action(("POST",), "verify", verify, "Look for the manual dns-01 (or dns-persist-01) "
                "TXT records now (of a "
                "pending request, or of a renewal awaiting them)",
                params=(_id(),), data=CERT)
REVOKE = Action(("POST",), "revoke", revoke, "Revoke at the CA", data=CERT, params=(
    _id(), Param("reason", "name_or_code", description=(
        f"{', '.join(certificates.REASONS)}, or its code "
        f"({', '.join(map(str, certificates.REASONS.values()))})"))))
DELETE = Action(("DELETE",), None, delete, "Delete the certificate and erase its key",
                params=(_id("query"),), data=NULL, message=messages.CERTIFICATE_DELETED)

RESOURCE = Resource("/api/v1/certificates.php",
                    (LIST, REQUEST, RENEW, DOWNLOAD, VERIFY, REVOKE, DELETE, CA_PROVIDERS))
ONE = "/api/v1/certificates/{id}"
ALIASES = (
    Alias("GET", "/api/v1/certificates", LIST, "listCertificates", LIST_PARAMS[1:], PAGE,
          "List your certificates, newest first, filtered"),
    Alias("POST", "/api/v1/certificates", REQUEST, "requestCertificate"),
    Alias("GET", ONE, LIST, "getCertificate", (ID_PATH,), DETAIL,
          "One certificate, with the certificates its renewals replaced"),
    Alias("DELETE", ONE, DELETE, "deleteCertificate", (ID_PATH,)),
    Alias("POST", f"{ONE}/renew", RENEW, "renewCertificate"),
    Alias("POST", f"{ONE}/verify", VERIFY, "verifyCertificate"),
    Alias("POST", f"{ONE}/revoke", REVOKE, "revokeCertificate"),
    Alias("GET", f"{ONE}/download", DOWNLOAD, "downloadCertificate"),
    Alias("GET", "/api/v1/ca-providers", CA_PROVIDERS, "listCaProviders"),
)
