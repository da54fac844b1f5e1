"""Issue 17's whole path with no manual step: a DNS provider credential (PowerDNS, as a user's
Cloudflare would be), a wildcard certificate issued through it, deployed over SSH to nginx,
which then serves it. Real Pebble (resolving through PowerDNS), sshd and nginx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from tests.support.acme import request_cert, user_token, wait_for
from tests.support.certs import verify_chain
from tests.support.dns import BindServer
from tests.support.live import live_casp
from tests.support.net import free_port
from tests.support.pdns import PowerDns
from tests.support.pebble import PebbleServer
from tests.support.reach import (
    add_credential,
    attach,
    create_target,
    pdns_body,
    pebble_through,
    provider_domain,
    provider_settings,
    ssh_target,
    wait_record,
)
from tests.support.sshd import Nginx, SshServer, served_serial

pytestmark = pytest.mark.slow  # real Pebble, PowerDNS, BIND, sshd and nginx


@pytest.fixture
def casp_port() -> int:
    return free_port()


@pytest.fixture
def pdns_ca(powerdns: PowerDns, casp_port: int) -> Iterator[PebbleServer]:
    with pebble_through(powerdns, casp_port) as server:
        yield server


async def test_from_a_provider_credential_to_a_wildcard_served_by_nginx(
        tmp_path: Path, pdns_ca: PebbleServer, powerdns: PowerDns, bind_server: BindServer,
        casp_port: int, sshd: SshServer, nginx: Nginx) -> None:
    settings = provider_settings(tmp_path, pdns_ca, bind_server, casp_port, powerdns.address)
    ca = pdns_ca
    name = f"r{casp_port}.{powerdns.zone}"
    async with live_casp(settings, casp_port) as client:
        token = await user_token(client)
        saved = await add_credential(client, token, **pdns_body(powerdns))
        assert saved.status_code == 200, saved.text
        await provider_domain(client, token, name, saved.json()["data"]["id"])
        target = await create_target(client, token, ssh_target(sshd, nginx))

        cert = await request_cert(client, token, domains=[f"*.{name}", name])
        await attach(client, token, target["id"], cert["id"])  # before it is issued
        done = await wait_for(client, token, cert["id"])
        assert done["status"] == "issued", done["last_error"]
        assert done["dns_records"] is None  # nothing for the user to publish
        verify_chain(done["certificate_pem"] + done["chain_pem"], ca.roots_pem(),
                     [name, f"*.{name}"])

        await wait_record(client, token, cert["id"], serial=done["serial"])
        nginx.start()
        assert await asyncio.to_thread(served_serial, nginx.port) == done["serial"]
        served = x509.load_pem_x509_certificate(
            (nginx.cert_dir / "fullchain.pem").read_bytes())
        sans = served.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert set(sans.get_values_for_type(x509.DNSName)) == {name, f"*.{name}"}
        assert powerdns.txt(f"_acme-challenge.{name}") == []  # the provider's records gone
