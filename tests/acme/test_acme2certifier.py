"""End to end against a second ACME server, acme2certifier 0.46.3 (its openssl CA handler, a
CA made by the test), with real BIND, through REST and once through GraphQL: http-01,
delegated and manual dns-01, External Account Binding, ACME Renewal Information, renewals,
downloads, revocation. What Pebble proves (tests/acme/test_issuance.py) holds against another
implementation."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import io
import secrets
import zipfile
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, pkcs12

from app.clock import ManualClock
from app.config import Settings
from app.jobs.queue import enqueue
from tests.support.a2c import A2cFactory, A2cServer
from tests.support.acme import (
    CERTS,
    add_domain,
    casp_settings,
    issue_http01,
    request_cert,
    unique,
    user_token,
    wait_for,
    wait_renewed,
)
from tests.support.certs import cert_pem, load_pem_chain, verify_chain
from tests.support.dns import BindServer
from tests.support.graphql import data_of, gql
from tests.support.live import live_casp
from tests.support.net import free_port
from tests.support.rest import assert_error, bearer

pytestmark = pytest.mark.slow  # real acme2certifier and BIND servers


@pytest.fixture(scope="module")
def casp_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def a2c(a2c_factory: A2cFactory, casp_port: int) -> A2cServer:
    """One acme2certifier for the module's tests, without EAB, fetching http-01 from casp."""
    return a2c_factory(http_port=casp_port)


@pytest.fixture
def settings(tmp_path: Path, a2c: A2cServer, bind_server: BindServer,
             casp_port: int) -> Settings:
    return casp_settings(tmp_path / "data", a2c, bind_server, casp_port)


def issued(done: dict[str, Any], a2c: A2cServer) -> None:
    """The certificate was issued and chains to this acme2certifier's root."""
    assert done["status"] == "issued", f"{done['last_error']}\n{a2c.output()[-4000:]}"
    verify_chain(done["certificate_pem"] + done["chain_pem"], a2c.root_pem, done["domains"])


async def test_http01_issue_download_revoke(settings: Settings, a2c: A2cServer,
                                            casp_port: int) -> None:
    name = unique("ah")
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        await add_domain(client, token, name, "http-01")
        cert = await request_cert(client, token, domains=[name, f"www.{name}"],
                                  challenge_type="http-01", key_type="rsa-2048")
        done = await wait_for(client, token, cert["id"])
        issued(done, a2c)

        headers = bearer(token)
        params = {"id": cert["id"], "action": "download"}
        full = await client.get(CERTS, params=params | {"format": "fullchain"}, headers=headers)
        leaf, *chain = load_pem_chain(full.content)
        assert f"{leaf.serial_number:x}" == done["serial"].replace(":", "").lower().lstrip("0")
        assert [c.subject.rfc4514_string() for c in chain] == ["CN=casp a2c test issuing CA"]
        key = await client.get(CERTS, params=params | {"format": "key"}, headers=headers)
        assert load_pem_private_key(key.content, None).public_key() == leaf.public_key()
        bundle = await client.get(CERTS, params=params | {"format": "zip"}, headers=headers)
        assert sorted(zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()) == [
            "cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"]

        r = await client.post(f"{CERTS}?action=revoke", headers=headers,
                              json={"id": cert["id"], "reason": "keyCompromise"})
        assert r.status_code == 200, f"{r.text}\n{a2c.output()[-4000:]}"
        assert r.json()["data"]["status"] == "revoked"
        # acme2certifier's openssl handler lists it in the CRL it signs.
        assert leaf.serial_number in a2c.revoked_serials()
        again = await client.post(f"{CERTS}?action=revoke", headers=headers,
                                  json={"id": cert["id"]})
        assert_error(again, 400, "VALIDATION_ERROR")


async def test_delegated_dns01_with_a_wildcard(settings: Settings, a2c: A2cServer,
                                               bind_server: BindServer, casp_port: int) -> None:
    name = unique("ad")
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        domain = await add_domain(client, token, name)
        record = domain["instructions"]["record"]
        bind_server.add_record(record["name"], "CNAME", record["value"] + ".")
        cert = await request_cert(client, token, domains=[f"*.{name}", name])
        done = await wait_for(client, token, cert["id"])
        issued(done, a2c)
        assert bind_server.query(record["value"], "TXT") == []  # casp cleaned up


async def test_manual_dns01_waits_for_the_users_records(settings: Settings, a2c: A2cServer,
                                                        bind_server: BindServer,
                                                        casp_port: int) -> None:
    name = unique("am")
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        await add_domain(client, token, name)  # no CNAME: casp cannot answer by itself
        cert = await request_cert(client, token, domains=[name], key_type="ec-384")
        pending = await wait_for(client, token, cert["id"], stage="awaiting_dns")
        [record] = pending["dns_records"]
        assert record["name"] == f"_acme-challenge.{name}" and record["type"] == "TXT"
        bind_server.add_record(record["name"], "TXT", record["value"])
        r = await client.post(f"{CERTS}?action=verify", headers=bearer(token),
                              json={"id": cert["id"]})
        assert r.status_code == 200, r.text
        done = await wait_for(client, token, cert["id"])
        issued(done, a2c)
        assert done["dns_records"] is None


async def test_eab_is_required_then_used(tmp_path: Path, a2c_factory: A2cFactory,
                                         bind_server: BindServer, casp_port: int) -> None:
    strict = a2c_factory(http_port=casp_port, eab=True)
    assert strict.directory()["meta"]["externalAccountRequired"] is True
    settings = casp_settings(tmp_path / "data", strict, bind_server, casp_port)
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        name = unique("ae")
        await add_domain(client, token, name, "http-01")
        body = {"ca_provider": "letsencrypt", "domains": [name], "challenge_type": "http-01"}
        r = await client.post(CERTS, headers=bearer(token), json=body)
        assert "External Account Binding" in assert_error(r, 400, "VALIDATION_ERROR")["message"]
        # A key acme2certifier does not know for that kid: the CA refuses the account.
        wrong = base64.urlsafe_b64encode(secrets.token_bytes(48)).decode()
        await set_eab(client, token, strict.eab_kid, wrong)
        refused = await wait_for(client, token, (await request_cert(client, token, **body))["id"])
        assert refused["status"] == "failed", refused
        assert refused["last_error"]["type"] == "urn:ietf:params:acme:error:unauthorized", (
            refused["last_error"])
        await set_eab(client, token, strict.eab_kid, strict.eab_hmac_key)
        cert = await request_cert(client, token, **body)
        issued(await wait_for(client, token, cert["id"]), strict)


async def set_eab(client: httpx.AsyncClient, token: str, kid: str, hmac_key: str) -> None:
    r = await client.post("/api/v1/account.php?action=set-eab", headers=bearer(token),
                          json={"ca_provider": "letsencrypt", "eab_kid": kid,
                                "eab_hmac_key": hmac_key})
    assert r.status_code == 200, r.text


async def until(condition: Callable[[], Awaitable[bool]], within: float = 20) -> None:
    for _ in range(int(within * 20)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not reached within {within} s")


async def test_renewal_information_and_a_renewal(settings: Settings, a2c: A2cServer,
                                                 casp_port: int) -> None:
    """casp reads acme2certifier's renewalInfo window (from 85 % of the lifetime to the end)
    and shows it; a renewal then replaces the certificate in the same record."""
    clock = ManualClock()
    async with live_casp(settings, casp_port, clock) as client:
        token = await user_token(client)
        first = await issue_http01(client, token, "aari")
        headers = bearer(token)

        async def detail() -> dict[str, Any]:
            r = await client.get(CERTS, params={"id": first["id"]}, headers=headers)
            return dict(r.json()["data"])

        async def window_shown() -> bool:
            return (await detail())["renewal_window"] is not None
        clock.advance(hours=1)  # renewalInfo is first asked once the renewal floor passed
        await enqueue("sweep", {}, key="sweep")
        await until(window_shown)
        window = (await detail())["renewal_window"]
        leaf = x509.load_pem_x509_certificate(first["certificate_pem"].encode())
        lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc
        start, end = (datetime.fromisoformat(window[k]) for k in ("start", "end"))
        assert end == leaf.not_valid_after_utc
        assert abs(start - (leaf.not_valid_before_utc + lifetime * 0.85)) < timedelta(minutes=1)
        renew_at = datetime.fromisoformat((await detail())["renew_at"])
        assert start <= renew_at <= end

        r = await client.post(f"{CERTS}?action=renew", headers=headers,
                              json={"id": first["id"]})
        assert r.status_code == 200, r.text
        after = await detail()
        assert r.json()["data"] == {"id": first["id"], "status": "issued",
                                    "expires_at": after["expires_at"]}
        assert after["serial"] != first["serial"]
        issued(after, a2c)
        assert [h["serial"] for h in after["history"]] == [first["serial"]]


async def test_manual_dns01_renewal(settings: Settings, a2c: A2cServer,
                                    bind_server: BindServer, casp_port: int) -> None:
    """A renewal of a manual dns-01 certificate shows the new TXT records it waits for, keeps
    the issued certificate meanwhile, and `action=verify` finishes it at once (issue 16's
    interop finding: verify answered "certificate N is issued, not pending" and the renewal
    waited for the next re-check, 15 s and more)."""
    name = unique("amr")
    quick = dataclasses.replace(settings, renew_wait_seconds=0)  # renew answers 202 at once
    async with live_casp(quick, casp_port) as client:
        token = await user_token(client)
        headers = bearer(token)
        await add_domain(client, token, name)
        cert = await request_cert(client, token, domains=[name])
        pending = await wait_for(client, token, cert["id"], stage="awaiting_dns")
        [record] = pending["dns_records"]
        bind_server.add_record(record["name"], "TXT", record["value"])
        await client.post(f"{CERTS}?action=verify", headers=headers, json={"id": cert["id"]})
        first = await wait_for(client, token, cert["id"])
        issued(first, a2c)

        r = await client.post(f"{CERTS}?action=renew", headers=headers, json={"id": cert["id"]})
        assert r.status_code == 202, r.text
        renewing = await wait_for(client, token, cert["id"], statuses=("failed",),
                                  stage="awaiting_dns")
        assert renewing["status"] == "issued" and renewing["serial"] == first["serial"]
        [again] = renewing["dns_records"]
        assert again["name"] == record["name"] and again["value"] != record["value"]
        bind_server.delete_record(record["name"], "TXT")
        bind_server.add_record(again["name"], "TXT", again["value"])
        r = await client.post(f"{CERTS}?action=verify", headers=headers, json={"id": cert["id"]})
        assert r.status_code == 200, r.text
        renewed = await wait_renewed(client, token, cert["id"], first["serial"], within=10)
        issued(renewed, a2c)
        assert renewed["dns_records"] is None
        assert [h["serial"] for h in renewed["history"]] == [first["serial"]]


ADD_DOMAIN = "mutation($d: String!) { addDomain(domain: $d) { id } }"
REQUEST = """mutation($d: [String!]!) { requestCertificate(domains: $d, caProvider: LETSENCRYPT,
  keyType: RSA_3072) { id } }"""
STATE = "query($id: Int!) { certificate(id: $id) { status stage dnsRecords { name value } } }"
VERIFY = "mutation($id: Int!) { verifyCertificate(id: $id) { status } }"
DOWNLOAD = """query($id: Int!, $p: String) { certificateDownload(id: $id, format: PFX, password: $p)
  { contentType contentBase64 } }"""
REVOKE = """mutation($id: Int!) { revokeCertificate(id: $id, reason: SUPERSEDED)
  { status revokedAt } }"""


async def test_the_same_through_graphql(settings: Settings, a2c: A2cServer,
                                        bind_server: BindServer, casp_port: int) -> None:
    """Manual dns-01, a PFX download and a revocation through GraphQL's mutations."""
    name = unique("ag")
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        data_of(await gql(client, ADD_DOMAIN, token, d=name))
        cert_id = data_of(await gql(client, REQUEST, token, d=[name]))["requestCertificate"]["id"]

        async def state() -> dict[str, Any]:
            return dict(data_of(await gql(client, STATE, token, id=cert_id))["certificate"])

        async def awaiting_dns() -> bool:
            return bool((await state())["stage"] == "awaiting_dns")
        await until(awaiting_dns)
        [record] = (await state())["dnsRecords"]
        bind_server.add_record(record["name"], "TXT", record["value"])
        data_of(await gql(client, VERIFY, token, id=cert_id))

        async def done() -> bool:
            return bool((await state())["status"] != "PENDING")
        await until(done, within=60)
        assert (await state())["status"] == "ISSUED", a2c.output()[-4000:]

        pfx = data_of(await gql(client, DOWNLOAD, token, id=cert_id, p="s3cret"))
        assert pfx["certificateDownload"]["contentType"] == "application/x-pkcs12"
        loaded = pkcs12.load_pkcs12(
            base64.b64decode(pfx["certificateDownload"]["contentBase64"]), b"s3cret")
        assert loaded.cert is not None and isinstance(loaded.key, rsa.RSAPrivateKey)
        assert loaded.key.key_size == 3072
        verify_chain(cert_pem(loaded.cert.certificate).decode()
                     + "".join(cert_pem(c.certificate).decode()
                               for c in loaded.additional_certs),
                     a2c.root_pem, [name])

        revoked = data_of(await gql(client, REVOKE, token, id=cert_id))["revokeCertificate"]
        assert revoked["status"] == "REVOKED" and revoked["revokedAt"]
        assert loaded.cert.certificate.serial_number in a2c.revoked_serials()
