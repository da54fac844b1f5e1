"""GraphQL beside REST v1, as a client of both sees them: a query sent, its data or its one
error, a REST call's data or error; GraphQL's answers converted to REST's spelling
independently of the schema's code (snake_case, the REST enum strings, REST's date-only
expires_at); a user with domains; a pending record made issued, as an issuance would."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.runtime import current
from app.services.certificates.issuance import certificate_fields
from models.certificate import Certificate, CertificateVersion
from tests.support.certs import make_ca, make_leaf
from tests.support.rest import bearer, login, register

DOMAINS = "/api/v1/domains.php"

# The fields asked for, as the parity tests compare them.
SUMMARY = ("id domains caProvider challengeType keyType profile status stage autoRenew "
           "issuedAt expiresAt serial fingerprintSha256 issuer lastError "
           "dnsRecords { name type value } revokedAt createdAt")
DETAIL = (SUMMARY + " certificatePem chainPem renewAt renewalWindow { start end } persistUntil "
          "fallbackCaProviders previousAttempts { ca error at } "
          "history { serial issuedAt expiresAt replacedAt }")
DOMAIN = ("id domain verificationMethod status createdAt verifiedAt instructions lastCheck "
          "ownership { status method record { type name value } } dnsCredentialId")
NOTE = "id type title message certificateId read createdAt"


# REST's words for the operations its messages send a user to, and GraphQL's instead
REST_ACTIONS = {"POST domains.php": "the addDomain mutation",
                "domains.php?action=verify": "the verifyDomain mutation",
                "POST account.php?action=set-eab": "the setEabCredentials mutation",
                "certificates.php?action=verify": "the verifyCertificate mutation"}
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_CHALLENGE = re.compile(r"\b(?:dns|http|dns-persist)-01\b")
_STATUS = re.compile(r"\b(is|not|an|or) (pending|issued|failed|expired|revoked)\b")


def in_graphql_words(rest_message: str) -> str:
    """A REST error message as GraphQL must word it, by rules of this test's own (not the
    product's app/wording.py): a parameter camelCase, dns-01 and a status as their enum
    values, an action as its mutation."""
    text = rest_message
    for rest_words, graphql_words in REST_ACTIONS.items():
        text = text.replace(rest_words, graphql_words)
    text = _SNAKE.sub(lambda m: snake_to_camel(m[0]), text)
    text = _CHALLENGE.sub(lambda m: m[0].replace("-", "_").upper(), text)
    return _STATUS.sub(lambda m: f"{m[1]} {m[2].upper()}", text)


def snake_to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# The two APIs

async def gql(client: httpx.AsyncClient, query: str, token: str | None = None,
              **variables: Any) -> dict[str, Any]:
    r = await client.post("/graphql", json={"query": query, "variables": variables},
                          headers=bearer(token) if token else {})
    assert r.status_code == 200, r.text
    return dict(r.json())


def data_of(result: dict[str, Any]) -> Any:
    assert not result.get("errors"), result
    return result["data"]


def error_of(result: dict[str, Any]) -> dict[str, Any]:
    """The one error of a refused operation, which leaves no data."""
    assert result.get("data") is None, result
    assert len(result["errors"]) == 1, result
    error = result["errors"][0]
    assert isinstance(error["message"], str) and error["message"]
    return dict(error)


async def rest(client: httpx.AsyncClient, method: str, path: str, token: str, *,
               params: dict[str, Any] | None = None, body: dict[str, Any] | None = None,
               status: int = 200) -> Any:
    r = await client.request(method, path, params=params, json=body, headers=bearer(token))
    assert r.status_code == status, r.text
    assert r.json()["success"] is True
    return r.json()["data"]


async def rest_error(client: httpx.AsyncClient, method: str, path: str, token: str | None,
                     *, params: dict[str, Any] | None = None,
                     body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    r = await client.request(method, path, params=params, json=body,
                             headers=bearer(token) if token else {})
    assert r.json()["success"] is False, r.text
    return r.status_code, r.json()["error"]


def code_of(result: dict[str, Any]) -> str:
    """The code (extensions.code) of a result's first error."""
    return result["errors"][0]["extensions"]["code"]


# GraphQL answers in REST's spelling, converted independently of the schema's code

SPECIAL = {"expiringWithin30Days": "expiring_within_30_days"}


def snake(name: str) -> str:
    return SPECIAL.get(name) or re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), name)


def rest_enum(value: str | None) -> str | None:
    """PENDING -> pending, LETSENCRYPT -> letsencrypt, DNS_01 -> dns-01, EC_256 -> ec-256."""
    return None if value is None else value.lower().replace("_", "-")


def date_part(value: str | None) -> str | None:
    return None if value is None else datetime.fromisoformat(value).date().isoformat()


def cert_as_rest(g: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in g.items():
        if key in ("caProvider", "challengeType", "keyType", "status"):
            value = rest_enum(value)
        elif key == "expiresAt":
            value = date_part(value)
        elif key == "history":
            value = [{"serial": h["serial"], "issued_at": h["issuedAt"],
                      "expires_at": date_part(h["expiresAt"]), "replaced_at": h["replacedAt"]}
                     for h in value]
        out[snake(key)] = value
    return out


def domain_as_rest(g: dict[str, Any]) -> dict[str, Any]:
    out = {snake(k): rest_enum(v) if k == "verificationMethod" else v for k, v in g.items()}
    if "how" in g.get("instructions", {}):  # GraphQL names the mutation where REST the path
        how = g["instructions"]["how"]
        for rest_words, graphql_words in REST_ACTIONS.items():
            how = how.replace(graphql_words, rest_words)
        out["instructions"] = g["instructions"] | {"how": how}
    if "ownership" in g:
        out["ownership"] = {k: v.lower() if k in ("status", "method") else v
                            for k, v in g["ownership"].items()}
    return out


def note_as_rest(g: dict[str, Any]) -> dict[str, Any]:
    return {snake(k): v.lower() if k == "type" else v for k, v in g.items()}


def page_as_rest(g: dict[str, Any], items: str, convert: Any) -> dict[str, Any]:
    return {snake(k): [convert(i) for i in v] if k == items else v for k, v in g.items()}


def stats_as_rest(g: dict[str, Any]) -> dict[str, Any]:
    out = {snake(k): v for k, v in g.items() if k != "byCa"}
    out["by_ca"] = {rest_enum(c["caProvider"]): {snake(k): v for k, v in c.items()
                                                  if k != "caProvider"} for c in g["byCa"]}
    return out


# Data

async def user(client: httpx.AsyncClient, email: str, *domains: str) -> str:
    await register(client, email)
    token = await login(client, email)
    for name in domains:
        await rest(client, "POST", DOMAINS, token, body={"domain": name})
    return token


async def make_issued(cert_id: int, *, versions: int = 0) -> x509.Certificate:
    """Give a pending record a real certificate and key, as an issuance would, and
    `versions` earlier versions in its history."""
    cert = await Certificate.get(id=cert_id)
    ca_key, ca_cert = make_ca()
    key, leaf = make_leaf(ca_key, ca_cert, dns_names=tuple(cert.domains), ips=())
    fullchain = (leaf.public_bytes(serialization.Encoding.PEM)
                 + ca_cert.public_bytes(serialization.Encoding.PEM)).decode()
    _, fields = certificate_fields(fullchain)
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    await Certificate.filter(id=cert_id).update(
        status="issued", key_encrypted=current().box.encrypt(key_pem), **fields)
    now = current().clock.now()
    for i in range(versions):
        await CertificateVersion.create(
            certificate_id=cert_id, serial=f"0{i}ab{cert_id:04x}", certificate_pem="OLD",
            issued_at=now - timedelta(days=90 * (i + 2)),
            expires_at=now - timedelta(days=90 * (i + 1)),
            replaced_at=now - timedelta(days=90 * (i + 1), hours=1))
    return leaf
