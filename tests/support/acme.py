"""Shared steps of the end-to-end issuance tests against Pebble and BIND: casp's settings for
them, a user, a domain, a finished (or renewed) certificate; and casp as a process of its
own (`casp serve` or `casp worker`) pointed at them."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Protocol

import httpx

from app.config import Settings
from tests.support.app import make_settings, process_env
from tests.support.dns import BindServer
from tests.support.rest import PASSWORD, bearer, login, register

CERTS = "/api/v1/certificates.php"
CASP = str(Path(sys.executable).parent / "casp")


class AcmeServer(Protocol):
    """What casp needs of a test CA (PebbleServer, A2cServer): its directory, over TLS."""

    ca_bundle: str

    @property
    def directory_url(self) -> str: ...


def casp_settings(tmp: Path, ca: AcmeServer, bind: BindServer, port: int,
                  **overrides: Any) -> Settings:
    """casp pointed at this ACME server (Pebble or acme2certifier, as every CA) and this BIND
    (resolver and RFC 2136)."""
    base = make_settings(
        tmp,
        ca_directories={name: ca.directory_url for name in (
            "letsencrypt", "zerossl", "litessl", "buypass", "google", "sslcom")},
        acme_ca_bundle=ca.ca_bundle, dns_resolver=bind.address,
        dns_zone=bind.delegation_zone.rstrip("."), dns_update_server=bind.address,
        dns_tsig_key=f"{bind.tsig_algorithm}:{bind.tsig_key_name}:{bind.tsig_secret}",
        dns_propagation_seconds=10, http01_port=port, issuance_deadline_seconds=60,
        public_url=f"http://127.0.0.1:{port}", allow_private_targets=True,
        allow_private_ip_identifiers=True,  # Pebble validates 127.0.0.1 and ::1
        rate_limit="100000/minute")  # the tests poll as fast as they like
    return dataclasses.replace(base, **overrides)


def unique(label: str = "t") -> str:
    return f"{label}{uuid.uuid4().hex[:10]}.example.test"


async def user_token(client: httpx.AsyncClient) -> str:
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    await register(client, email)
    return await login(client, email)


async def add_domain(client: httpx.AsyncClient, token: str, name: str,
                     method: str = "dns-01") -> dict[str, Any]:
    r = await client.post("/api/v1/domains.php", headers=bearer(token),
                          json={"domain": name, "verification_method": method})
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


async def request_cert(client: httpx.AsyncClient, token: str, **body: Any) -> dict[str, Any]:
    body.setdefault("ca_provider", "letsencrypt")
    r = await client.post("/api/v1/certificates.php", headers=bearer(token), json=body)
    assert r.status_code == 201, r.text
    assert r.json()["data"]["status"] == "pending"
    return dict(r.json()["data"])


async def wait_for(client: httpx.AsyncClient, token: str, cert_id: int,
                   statuses: tuple[str, ...] = ("issued", "failed"), within: float = 60,
                   stage: str | None = None) -> dict[str, Any]:
    """Poll the detail (as a user would) until the status (or stage) is reached."""
    deadline = time.monotonic() + within
    data: dict[str, Any] = {}
    while time.monotonic() < deadline:
        r = await client.get("/api/v1/certificates.php", params={"id": cert_id},
                             headers=bearer(token))
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        if data["status"] in statuses or (stage and data["stage"] == stage):
            return dict(data)
        await asyncio.sleep(0.1)
    raise AssertionError(f"certificate {cert_id} still {data.get('status')}/"
                         f"{data.get('stage')} after {within} s: {data.get('last_error')}")


async def issue_http01(client: httpx.AsyncClient, token: str,
                       label: str = "t") -> dict[str, Any]:
    """A new http-01 domain (named from `label`) and a certificate for it, waited for until
    issued: its detail."""
    name = unique(label)
    await add_domain(client, token, name, "http-01")
    cert = await request_cert(client, token, domains=[name], challenge_type="http-01")
    done = await wait_for(client, token, cert["id"])
    assert done["status"] == "issued", done["last_error"]
    return done


async def unreachable_http01(client: httpx.AsyncClient, token: str,
                             domain: str) -> dict[str, Any]:
    """An http-01 request for www.<domain>, a name that does not exist in DNS (the CA
    cannot reach it), waited for until it ends: its detail."""
    await add_domain(client, token, domain, "http-01")
    cert = await request_cert(client, token, domains=[f"www.{domain}"],
                              challenge_type="http-01")
    return await wait_for(client, token, cert["id"])


async def wait_renewed(client, token: str, cert_id: int, serial: str,  # type: ignore[no-untyped-def]
                       within: float = 30) -> dict:
    for _ in range(int(within * 10)):
        r = await client.get(CERTS, params={"id": cert_id}, headers=bearer(token))
        data = r.json()["data"]
        if data["serial"] != serial:
            return data
        await asyncio.sleep(0.1)
    raise AssertionError(f"certificate {cert_id} was not renewed: {data['last_error']}")


# casp as a process

def casp_env(data: Path, ca: AcmeServer, bind: BindServer, port: int) -> dict[str, str]:
    return process_env() | {
        "CASP_DATA_DIR": str(data), "CASP_ARGON2_MEMORY_KIB": "1024",
        "CASP_ARGON2_TIME_COST": "1", "CASP_CA_LETSENCRYPT_DIRECTORY": ca.directory_url,
        "CASP_ACME_CA_BUNDLE": ca.ca_bundle, "CASP_DNS_RESOLVER": bind.address,
        "CASP_DNS_ZONE": bind.delegation_zone, "CASP_DNS_UPDATE_SERVER": bind.address,
        "CASP_DNS_TSIG_KEY": f"{bind.tsig_algorithm}:{bind.tsig_key_name}:{bind.tsig_secret}",
        "CASP_JOB_LEASE_SECONDS": "2", "CASP_PORT": str(port),
    }


class Casp:
    def __init__(self, env: dict[str, str], port: int, log: Path, command: str = "serve"):
        self.env, self.port, self.log, self.command = env, port, log, command
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> httpx.Client:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([CASP, self.command], env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT)
        client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                client.get("/healthz")
                return client
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError(f"casp did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def signed_up(client: httpx.Client, bind: BindServer, email: str) -> tuple[str, str]:
    """A user with a delegated dns-01 domain: (token, domain name)."""
    client.post("/api/v1/auth.php?action=register", json={"email": email, "password": PASSWORD})
    token = client.post("/api/v1/auth.php?action=login", json={
        "email": email, "password": PASSWORD}).json()["data"]["token"]
    name = unique("k")
    domain = client.post("/api/v1/domains.php", headers=bearer(token),
                         json={"domain": name}).json()["data"]
    record = domain["instructions"]["record"]
    bind.add_record(record["name"], "CNAME", record["value"] + ".")
    return token, name
