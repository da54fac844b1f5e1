"""IP address certificates (RFC 8738) end to end against Pebble 2.4: http-01 for 127.0.0.1
and ::1 (served by casp on both), iPAddress SANs, details in both doors, downloads, a renewal
that keeps the addresses, and an address held by another user."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store

from app.config import Settings
from tests.support.acme import (
    CERTS,
    add_domain,
    casp_settings,
    request_cert,
    unique,
    user_token,
    wait_for,
)
from tests.support.dns import BindServer
from tests.support.graphql import data_of, gql
from tests.support.live import live_casp
from tests.support.pebble import PebbleServer
from tests.support.rest import assert_error, bearer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers


@pytest.fixture
def settings(tmp_path: Path, ca: PebbleServer, bind_server: BindServer, port: int) -> Settings:
    """casp on the port the module's Pebble (conftest's `ca`) dials for http-01."""
    return casp_settings(tmp_path / "data", ca, bind_server, port)


def sans(pem: str) -> tuple[list[str], list[str]]:
    """(DNS names, IP addresses) of a certificate's SAN."""
    leaf = x509.load_pem_x509_certificates(pem.encode())[0]
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return (san.get_values_for_type(x509.DNSName),
            [ip.compressed for ip in san.get_values_for_type(x509.IPAddress)])


def verify_for_ip(fullchain: str, root_pem: str, ip: str) -> None:
    """The chain verifies against Pebble's root for a client connecting to `ip`."""
    leaf, *intermediates = x509.load_pem_x509_certificates(fullchain.encode())
    root = x509.load_pem_x509_certificate(root_pem.encode())
    verifier = PolicyBuilder().store(Store([root])).build_server_verifier(
        x509.IPAddress(ipaddress.ip_address(ip)))
    assert verifier.verify(leaf, intermediates)[-1] == root


async def test_an_ipv4_certificate_issued_shown_downloaded_and_renewed(
        settings: Settings, ca: PebbleServer, port: int):
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        domain = await add_domain(client, token, "127.0.0.1", "http-01")
        r = await client.post("/api/v1/domains.php?action=verify", headers=bearer(token),
                              json={"id": domain["id"]})
        verification = r.json()["data"]["verification"]
        assert verification["ok"] is True, r.text
        assert verification["caa"] is None  # no CA looks up CAA for an address
        cert = await request_cert(client, token, domains=["127.0.0.1"],
                                  challenge_type="http-01")
        done = await wait_for(client, token, cert["id"])
        assert done["status"] == "issued", done["last_error"]
        assert done["domains"] == ["127.0.0.1"]
        assert sans(done["certificate_pem"]) == ([], ["127.0.0.1"])
        verify_for_ip(done["certificate_pem"] + done["chain_pem"], ca.roots_pem(), "127.0.0.1")

        shown = data_of(await gql(client, "query($id: Int!) { certificate(id: $id) { domains "
                                  "status } }", token, id=cert["id"]))
        assert shown["certificate"] == {"domains": ["127.0.0.1"], "status": "ISSUED"}
        full = await client.get(CERTS, params={"id": cert["id"], "action": "download",
                                               "format": "fullchain"}, headers=bearer(token))
        assert full.status_code == 200
        assert sans(full.text) == ([], ["127.0.0.1"])

        r = await client.post(f"{CERTS}?action=renew", headers=bearer(token),
                              json={"id": cert["id"]})
        assert r.status_code == 200, r.text
        renewed = await wait_for(client, token, cert["id"])
        assert renewed["serial"] != done["serial"]
        assert sans(renewed["certificate_pem"]) == ([], ["127.0.0.1"])


async def test_ipv6_ipv4_and_a_name_in_one_certificate(settings: Settings, ca: PebbleServer,
                                                       port: int):
    """Through GraphQL this time: the address added, checked and requested by mutations."""
    name = unique("ip")
    async with live_casp(settings, port, ipv6=True) as client:
        token = await user_token(client)
        for each in (name, "127.0.0.1"):
            await add_domain(client, token, each, "http-01")
        added = data_of(await gql(client, 'mutation { addDomain(domain: "[::1]", '
                                  "verificationMethod: HTTP_01) { id domain } }", token))
        assert added["addDomain"]["domain"] == "::1"
        checked = data_of(await gql(client, "mutation($id: Int!) { verifyDomain(id: $id) { ok "
                                    "domain { status } } }", token,
                                    id=added["addDomain"]["id"]))
        assert checked["verifyDomain"] == {"ok": True, "domain": {"status": "verified"}}
        asked = data_of(await gql(
            client, "mutation($d: [String!]!) { requestCertificate(domains: $d, caProvider: "
            "LETSENCRYPT, challengeType: HTTP_01) { id domains } }", token,
            d=["[0:0::1]", "127.0.0.1", name]))
        cert = asked["requestCertificate"]
        assert cert["domains"] == ["::1", "127.0.0.1", name]
        done = await wait_for(client, token, cert["id"])
        assert done["status"] == "issued", done["last_error"]
        assert sans(done["certificate_pem"]) == ([name], ["::1", "127.0.0.1"])
        leaf = x509.load_pem_x509_certificate(done["certificate_pem"].encode())
        assert leaf.subject.rfc4514_string() in ("", f"CN={name}")  # never an address
        verify_for_ip(done["certificate_pem"] + done["chain_pem"], ca.roots_pem(), "::1")


async def test_another_user_gets_no_certificate_for_an_address_one_holds(
        settings: Settings, ca: PebbleServer, port: int):
    async with live_casp(settings, port) as client:
        first = await user_token(client)
        await add_domain(client, first, "127.0.0.1", "http-01")
        second = await user_token(client)
        theirs = await add_domain(client, second, "127.0.0.1", "http-01")
        assert theirs["ownership"]["status"] == "pending"
        r = await client.post(CERTS, headers=bearer(second), json={
            "ca_provider": "letsencrypt", "challenge_type": "http-01",
            "domains": ["127.0.0.1"]})
        error = assert_error(r, 400, "VALIDATION_ERROR")
        assert error["details"]["fields"]["domains"].startswith(
            "127.0.0.1 is held by another user of this casp")
        # The one who holds it still gets theirs.
        cert = await request_cert(client, first, domains=["127.0.0.1"],
                                  challenge_type="http-01")
        done = await wait_for(client, first, cert["id"])
        assert done["status"] == "issued", done["last_error"]
        r = await client.get(CERTS, params={"id": cert["id"]}, headers=bearer(second))
        assert_error(r, 404, "NOT_FOUND")
