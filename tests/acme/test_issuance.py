"""End to end through REST alone, against real Pebble and BIND: domains, http-01, delegated
and manual dns-01, RSA and EC keys, downloads, revocation, deletion, a failing challenge."""

from __future__ import annotations

import dataclasses
import http.server
import io
import json
import threading
import urllib.parse
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, pkcs12

from app import __version__
from app.config import Settings
from tests.support.acme import (
    add_domain,
    casp_settings,
    request_cert,
    unique,
    unreachable_http01,
    user_token,
    wait_for,
)
from tests.support.app import raw_database
from tests.support.certs import verify_chain
from tests.support.dns import BindServer
from tests.support.live import live_casp
from tests.support.net import free_port
from tests.support.pebble import PebbleFactory, PebbleServer
from tests.support.rest import assert_error, bearer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers


@pytest.fixture(scope="module")
def casp_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def ca(pebble_factory: PebbleFactory, casp_port: int) -> Iterator[PebbleServer]:
    yield pebble_factory(http_port=casp_port)


@pytest.fixture
def settings(tmp_path: Path, ca: PebbleServer, bind_server: BindServer,
             casp_port: int) -> Settings:
    return casp_settings(tmp_path / "data", ca, bind_server, casp_port)


async def test_http01_issue_download_revoke_delete(settings: Settings, ca: PebbleServer,
                                                   casp_port: int):
    name = unique("h")
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        domain = await add_domain(client, token, name, "http-01")
        assert domain["instructions"]["method"] == "http-01"
        r = await client.post("/api/v1/domains.php?action=verify", headers=bearer(token),
                              json={"id": domain["id"]})
        assert r.json()["data"]["verification"]["ok"] is True, r.text
        assert r.json()["data"]["status"] == "verified"
        cert = await request_cert(client, token, domains=[name, f"www.{name}"],
                                  challenge_type="http-01", key_type="rsa-2048")
        done = await wait_for(client, token, cert["id"])
        assert done["status"] == "issued", done["last_error"]
        assert done["expires_at"] and len(done["expires_at"]) == 10
        assert done["fingerprint_sha256"].count(":") == 31 and done["serial"]
        verify_chain(done["certificate_pem"] + done["chain_pem"], ca.roots_pem(),
                     [name, f"www.{name}"])
        assert "PRIVATE KEY" not in str(done)

        headers = bearer(token)
        url = "/api/v1/certificates.php"
        key = await client.get(url, params={"id": cert["id"], "action": "download",
                                            "format": "key"}, headers=headers)
        assert isinstance(load_pem_private_key(key.content, None), rsa.RSAPrivateKey)
        pfx = await client.get(url, params={"id": cert["id"], "action": "download",
                                            "format": "pfx", "password": "s3cret"},
                               headers=headers)
        loaded = pkcs12.load_pkcs12(pfx.content, b"s3cret")
        assert loaded.cert is not None and loaded.cert.certificate.serial_number == int(
            done["serial"], 16)
        bundle = await client.get(url, params={"id": cert["id"], "action": "download",
                                               "format": "zip"}, headers=headers)
        names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
        assert sorted(names) == ["cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"]

        r = await client.post(f"{url}?action=revoke", headers=headers,
                              json={"id": cert["id"], "reason": "superseded"})
        assert r.status_code == 200, r.text
        assert r.json()["data"]["status"] == "revoked"
        again = await client.post(f"{url}?action=revoke", headers=headers,
                                  json={"id": cert["id"]})
        assert_error(again, 400, "VALIDATION_ERROR")

        inbox = (await client.get("/api/v1/notifications.php", headers=headers)).json()["data"]
        assert [(n["type"], n["certificate_id"]) for n in inbox["notifications"]] == [
            ("revoked", cert["id"]), ("certificate_issued", cert["id"])]

        r = await client.delete(url, params={"id": cert["id"]}, headers=headers)
        assert r.json()["message"] == "Certificate deleted successfully"
        assert_error(await client.get(url, params={"id": cert["id"]}, headers=headers),
                     404, "NOT_FOUND")


async def test_delegated_dns01_with_a_wildcard(settings: Settings, ca: PebbleServer,
                                               bind_server: BindServer, casp_port: int):
    name = unique("d")
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        domain = await add_domain(client, token, name)
        record = domain["instructions"]["record"]
        assert record["name"] == f"_acme-challenge.{name}" and record["type"] == "CNAME"
        r = await client.post("/api/v1/domains.php?action=verify", headers=bearer(token),
                              json={"id": domain["id"]})
        report = r.json()["data"]["verification"]
        assert report["ok"] is False and record["value"] in report["checks"][0]["detail"]
        bind_server.add_record(record["name"], "CNAME", record["value"] + ".")
        r = await client.post("/api/v1/domains.php?action=verify", headers=bearer(token),
                              json={"id": domain["id"]})
        assert r.json()["data"]["verification"]["ok"] is True
        cert = await request_cert(client, token, domains=[f"*.{name}", name])
        done = await wait_for(client, token, cert["id"])
        assert done["status"] == "issued", done["last_error"]
        verify_chain(done["certificate_pem"] + done["chain_pem"], ca.roots_pem(),
                     [name, f"*.{name}"])
        leaf = x509.load_pem_x509_certificate(done["certificate_pem"].encode())
        assert isinstance(leaf.public_key(), ec.EllipticCurvePublicKey)
        # casp removed its TXT answers afterwards
        assert bind_server.query(record["value"], "TXT") == []


async def test_manual_dns01_waits_for_the_users_records(settings: Settings, ca: PebbleServer,
                                                        bind_server: BindServer,
                                                        casp_port: int):
    name = unique("m")
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        await add_domain(client, token, name)  # no CNAME: casp cannot answer by itself
        cert = await request_cert(client, token, domains=[name], key_type="ec-384")
        pending = await wait_for(client, token, cert["id"], stage="awaiting_dns")
        [record] = pending["dns_records"]
        assert record["name"] == f"_acme-challenge.{name}" and record["type"] == "TXT"
        assert pending["status"] == "pending"
        bind_server.add_record(record["name"], "TXT", record["value"])
        r = await client.post("/api/v1/certificates.php?action=verify", headers=bearer(token),
                              json={"id": cert["id"]})
        assert r.status_code == 200, r.text
        done = await wait_for(client, token, cert["id"])
        assert done["status"] == "issued", done["last_error"]
        assert done["dns_records"] is None
        verify_chain(done["certificate_pem"] + done["chain_pem"], ca.roots_pem(), [name])


async def test_a_failing_challenge_is_reported(settings: Settings, casp_port: int):
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        done = await unreachable_http01(client, token, "nowhere-casp.test")
        assert done["status"] == "failed"
        problem = done["last_error"]
        assert problem["type"].startswith("urn:ietf:params:acme:error:"), problem
        assert "nowhere-casp.test" in str(problem)
        assert problem["challenge"]["type"] == "http-01", problem  # the one that failed
        inbox = (await client.get("/api/v1/notifications.php",
                                  headers=bearer(token))).json()["data"]
        [note] = inbox["notifications"]
        assert note["type"] == "issuance_failed" and "nowhere-casp.test" in note["message"]


async def test_other_users_certificates_are_not_found(settings: Settings, casp_port: int):
    async with live_casp(settings, casp_port) as client:
        alice, bob = await user_token(client), await user_token(client)
        name = unique("o")
        await add_domain(client, alice, name, "http-01")
        cert = await request_cert(client, alice, domains=[name], challenge_type="http-01")
        url = "/api/v1/certificates.php"
        for call in (
            client.get(url, params={"id": cert["id"]}, headers=bearer(bob)),
            client.get(url, params={"id": cert["id"], "action": "download"},
                       headers=bearer(bob)),
            client.post(f"{url}?action=revoke", json={"id": cert["id"]}, headers=bearer(bob)),
            client.post(f"{url}?action=verify", json={"id": cert["id"]}, headers=bearer(bob)),
            client.delete(url, params={"id": cert["id"]}, headers=bearer(bob)),
        ):
            error = assert_error(await call, 404, "NOT_FOUND")
            assert error["message"] == f"certificate {cert['id']} not found"
        listed = await client.get(url, headers=bearer(bob))
        assert listed.json()["data"]["total"] == 0
        r = await client.post(url, headers=bearer(bob), json={
            "ca_provider": "letsencrypt", "domains": [name], "challenge_type": "http-01"})
        assert "not one of your domains" in assert_error(r, 400, "VALIDATION_ERROR")["message"]
        await wait_for(client, alice, cert["id"])


async def test_nonce_rejection_still_issues(tmp_path: Path, pebble_factory: PebbleFactory,
                                            bind_server: BindServer):
    port = free_port()
    flaky = pebble_factory(http_port=port, nonce_reject=50)
    settings = casp_settings(tmp_path / "data", flaky, bind_server, port)
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        name = unique("n")
        await add_domain(client, token, name, "http-01")
        certs = [await request_cert(client, token, domains=[f"{i}.{name}"],
                                    challenge_type="http-01") for i in range(3)]
        for cert in certs:
            done = await wait_for(client, token, cert["id"])
            assert done["status"] == "issued", done["last_error"]
            verify_chain(done["certificate_pem"] + done["chain_pem"], flaky.roots_pem(),
                         done["domains"])


async def test_eab_is_required_then_used(tmp_path: Path, pebble_factory: PebbleFactory,
                                         bind_server: BindServer):
    port = free_port()
    strict = pebble_factory(http_port=port, eab_required=True)
    settings = casp_settings(tmp_path / "data", strict, bind_server, port)
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        name = unique("e")
        await add_domain(client, token, name, "http-01")
        body = {"ca_provider": "letsencrypt", "domains": [name], "challenge_type": "http-01"}
        r = await client.post("/api/v1/certificates.php", headers=bearer(token), json=body)
        error = assert_error(r, 400, "VALIDATION_ERROR")
        assert "External Account Binding" in error["message"] and "set-eab" in error["message"]
        r = await client.post("/api/v1/account.php?action=set-eab", headers=bearer(token),
                              json={"ca_provider": "letsencrypt", "eab_kid": strict.eab_kid,
                                    "eab_hmac_key": strict.eab_hmac_key})
        assert r.status_code == 200, r.text
        cert = await request_cert(client, token, **body)
        done = await wait_for(client, token, cert["id"])
        assert done["status"] == "issued", done["last_error"]
        key = await client.get("/api/v1/certificates.php", headers=bearer(token), params={
            "id": cert["id"], "action": "download", "format": "key"})
        account_key = json.loads(await _account_key_json())
    raw = await raw_database(settings)
    key_body = "".join(key.text.strip().splitlines()[1:-1])
    for secret in (key_body[:64], strict.eab_hmac_key, account_key["d"]):
        assert secret.encode() not in raw, "a secret is stored in plain text"


async def _account_key_json() -> str:
    from app.runtime import current
    from models.acme_account import AcmeAccount

    row = await AcmeAccount.first()
    assert row is not None and row.account_url
    return current().box.decrypt(row.key_encrypted).decode()


class _ZeroSslStandIn(http.server.BaseHTTPRequestHandler):
    """ZeroSSL's documented endpoint (POST email -> eab_kid, eab_hmac_key), on loopback."""

    credentials: ClassVar[dict[str, str]] = {}
    emails: ClassVar[list[str]] = []
    user_agents: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        self.emails.append(form["email"][0])
        self.user_agents.append(self.headers.get("User-Agent", ""))
        body = json.dumps({"success": True, **self.credentials}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


async def test_zerossl_credentials_come_from_its_email_endpoint(
        tmp_path: Path, pebble_factory: PebbleFactory, bind_server: BindServer):
    port = free_port()
    strict = pebble_factory(http_port=port, eab_required=True)
    _ZeroSslStandIn.credentials = {"eab_kid": strict.eab_kid,
                                   "eab_hmac_key": strict.eab_hmac_key}
    stand_in = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ZeroSslStandIn)
    thread = threading.Thread(target=stand_in.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{stand_in.server_address[1]}/acme/eab-credentials-email"
    settings = casp_settings(tmp_path / "data", strict, bind_server, port,
                             zerossl_eab_url=url)
    try:
        async with live_casp(settings, port) as client:
            token = await user_token(client)
            name = unique("z")
            await add_domain(client, token, name, "http-01")
            cert = await request_cert(client, token, ca_provider="zerossl", domains=[name],
                                      challenge_type="http-01")
            done = await wait_for(client, token, cert["id"])
            assert done["status"] == "issued", done["last_error"]
            me = await client.get("/api/v1/account.php", headers=bearer(token))
            assert _ZeroSslStandIn.emails == [me.json()["data"]["email"]]
            [agent] = _ZeroSslStandIn.user_agents  # casp names itself to ZeroSSL too
            assert agent.startswith(f"casp/{__version__} "), agent
    finally:
        stand_in.shutdown()
        stand_in.server_close()
        thread.join(5)


async def test_platform_eab_credentials_are_the_fallback(
        tmp_path: Path, pebble_factory: PebbleFactory, bind_server: BindServer):
    port = free_port()
    strict = pebble_factory(http_port=port, eab_required=True)
    settings = casp_settings(tmp_path / "data", strict, bind_server, port,
                             platform_eab={"letsencrypt": (strict.eab_kid, strict.eab_hmac_key)})
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        name = unique("p")
        await add_domain(client, token, name, "http-01")
        cert = await request_cert(client, token, domains=[name], challenge_type="http-01")
        done = await wait_for(client, token, cert["id"])
        assert done["status"] == "issued", done["last_error"]


async def test_verify_reports_caa_records_that_stop_a_ca(settings: Settings,
                                                         bind_server: BindServer,
                                                         casp_port: int):
    name = unique("c")
    bind_server.add_record(name, "CAA", '0 issue "letsencrypt.org"')
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        domain = await add_domain(client, token, f"www.{name}", "http-01")
        r = await client.post("/api/v1/domains.php?action=verify", headers=bearer(token),
                              json={"id": domain["id"]})
        caa = r.json()["data"]["verification"]["caa"]
        assert caa["owner"] == name and caa["records"] == ['issue letsencrypt.org']
        assert "letsencrypt" not in caa["blocked"]
        assert {"zerossl", "google", "sslcom", "buypass", "litessl"} <= set(caa["blocked"])


async def test_http_probe_refuses_private_addresses(settings: Settings, casp_port: int):
    """Without CASP_ALLOW_PRIVATE_TARGETS, verify does not fetch from casp's own network."""
    strict = dataclasses.replace(settings, allow_private_targets=False)
    async with live_casp(strict, casp_port) as client:
        token = await user_token(client)
        name = unique("s")
        domain = await add_domain(client, token, name, "http-01")
        r = await client.post("/api/v1/domains.php?action=verify", headers=bearer(token),
                              json={"id": domain["id"]})
        report = r.json()["data"]["verification"]
        assert report["ok"] is False and "127.0.0.1" not in str(report)  # BIND's answer
        assert report["checks"][0]["detail"] == f"{name} does not point at a public address"


async def test_names_longer_than_a_common_name_are_issued(settings: Settings, ca: PebbleServer,
                                                          casp_port: int):
    """X.509 caps the subject's CN at 64 characters: a 100+ character name goes in the SAN
    only, first in the request or alone."""
    domain = unique("l")
    long = f"{'a' * 55}.{'b' * 50}.{domain}"
    assert len(long) > 100
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        await add_domain(client, token, domain, "http-01")
        for names in ([long, f"www.{domain}"], [long]):
            cert = await request_cert(client, token, domains=names, challenge_type="http-01")
            done = await wait_for(client, token, cert["id"])
            assert done["status"] == "issued", done["last_error"]
            assert done["domains"] == names
            leaf = x509.load_pem_x509_certificate(done["certificate_pem"].encode())
            san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            assert sorted(san.get_values_for_type(x509.DNSName)) == sorted(names)
            verify_chain(done["certificate_pem"] + done["chain_pem"], ca.roots_pem(), names)
