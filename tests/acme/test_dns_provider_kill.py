"""dns_provider mode with `casp serve` killed (SIGKILL) once its TXT record is up at
PowerDNS: the record stays until casp runs again, and the attempt that resumes the order
issues and removes it, the dead attempt's too."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import require_binary
from tests.support.acme import Casp, casp_env
from tests.support.dns import BindServer
from tests.support.net import free_port
from tests.support.pdns import PowerDns
from tests.support.pebble import PebbleServer
from tests.support.rest import PASSWORD, bearer

pytestmark = pytest.mark.slow  # real Pebble, PowerDNS and a casp process


@pytest.fixture
def slow_ca(powerdns: PowerDns) -> Iterator[PebbleServer]:
    """Resolving through PowerDNS; its validation waits 0-4 s, so a kill lands while the
    CA is still checking."""
    server = PebbleServer(powerdns.address, pebble=require_binary("pebble", "pebble"),
                          extra_env={"PEBBLE_VA_NOSLEEP": "0", "PEBBLE_VA_SLEEPTIME": "4"})
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def casp(tmp_path: Path, slow_ca: PebbleServer, bind_server: BindServer,
         powerdns: PowerDns) -> Iterator[Casp]:
    port = free_port()
    env = casp_env(tmp_path / "data", slow_ca, bind_server, port) | {
        "CASP_DNS_RESOLVER": powerdns.address, "CASP_DNS_PROVIDERS_ALLOW_PRIVATE": "1"}
    server = Casp(env, port, tmp_path / "casp.log")
    try:
        yield server
    finally:
        server.stop()


def _set_up(client: httpx.Client, powerdns: PowerDns, name: str) -> str:
    client.post("/api/v1/auth.php?action=register",
                json={"email": "kill@example.com", "password": PASSWORD})
    token = client.post("/api/v1/auth.php?action=login", json={
        "email": "kill@example.com", "password": PASSWORD}).json()["data"]["token"]
    saved = client.post("/api/v1/account/dns-credentials", headers=bearer(token), json={
        "provider": "powerdns", "label": "pdns", "zone": powerdns.zone,
        "credentials": {"auth_token": powerdns.api_key, "pdns_server": powerdns.api_url}})
    assert saved.status_code == 200, saved.text
    domain = client.post("/api/v1/domains", headers=bearer(token),
                         json={"domain": name}).json()["data"]
    r = client.post(f"/api/v1/domains/{domain['id']}/dns-provider", headers=bearer(token),
                    json={"dns_credential_id": saved.json()["data"]["id"]})
    assert r.status_code == 200, r.text
    return str(token)


def test_killed_with_a_record_up_the_resumed_attempt_removes_it(casp: Casp,
                                                                powerdns: PowerDns):
    client = casp.start()
    name = f"kill{casp.port}.{powerdns.zone}"
    record = f"_acme-challenge.{name}"
    token = _set_up(client, powerdns, name)
    cert = client.post("/api/v1/certificates", headers=bearer(token), json={
        "ca_provider": "letsencrypt", "domains": [name]}).json()["data"]
    deadline = time.monotonic() + 30
    while not powerdns.txt(record) and time.monotonic() < deadline:
        time.sleep(0.01)
    casp.kill()
    client.close()
    written = powerdns.txt(record)
    assert len(written) == 1, "casp never wrote its record"

    client = casp.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            seen = client.get(f"/api/v1/certificates/{cert['id']}",
                              headers=bearer(token)).json()
            if seen["data"]["status"] != "pending":
                break
            time.sleep(0.1)
    finally:
        client.close()
    assert seen["data"]["status"] == "issued", seen["data"]["last_error"]
    assert powerdns.txt(record) == []
