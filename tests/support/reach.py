"""Helpers of the DNS provider and deployment tests (issue 17), shared by their modules and
the whole-path test: a credential saved, a domain using it, an SSH target, its record."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from app.config import Settings
from models.job import Job
from tests.support import require_binary
from tests.support.acme import add_domain, casp_settings
from tests.support.dns import BindServer
from tests.support.pdns import PowerDns
from tests.support.pebble import PebbleServer
from tests.support.rest import bearer
from tests.support.sshd import Nginx, SshServer

ACCOUNT = "/api/v1/account.php"
DEPLOYMENTS = "/api/v1/deployments.php"


@contextmanager
def pebble_through(powerdns: PowerDns, http_port: int) -> Iterator[PebbleServer]:
    """A Pebble whose VA resolves through PowerDNS (pebble_factory's resolves through BIND)."""
    server = PebbleServer(powerdns.address, http_port=http_port,
                          pebble=require_binary("pebble", "pebble"))
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


def provider_settings(tmp: Path, ca: PebbleServer, bind: BindServer, port: int,
                      resolver: str) -> Settings:
    return casp_settings(tmp / "data", ca, bind, port, dns_resolver=resolver,
                         dns_providers_allow_private=True)


async def add_credential(client: httpx.AsyncClient, token: str, **body: Any) -> httpx.Response:
    return await client.post(f"{ACCOUNT}?action=add-dns-credential", headers=bearer(token),
                             json=body)


def pdns_body(powerdns: PowerDns, key: str | None = None) -> dict[str, Any]:
    return {"provider": "powerdns", "label": "my pdns", "zone": powerdns.zone,
            "credentials": {"auth_token": key or powerdns.api_key,
                            "pdns_server": powerdns.api_url}}


async def provider_domain(client: httpx.AsyncClient, token: str, name: str,
                          credential_id: int) -> None:
    domain = await add_domain(client, token, name)
    r = await client.post("/api/v1/domains.php?action=set-dns-provider", headers=bearer(token),
                          json={"id": domain["id"], "dns_credential_id": credential_id})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["dns_credential_id"] == credential_id


def ssh_target(sshd: SshServer, nginx: Nginx, **extra: Any) -> dict[str, Any]:
    return {"name": "web", "kind": "ssh", "host": "127.0.0.1", "port": sshd.port,
            "username": sshd.user, "private_key": sshd.client_key_pem,
            "fullchain_path": str(nginx.cert_dir / "fullchain.pem"),
            "key_path": str(nginx.cert_dir / "privkey.pem"),
            "reload_command": nginx.reload_command, "check_port": nginx.port} | extra


async def create_target(client: httpx.AsyncClient, token: str,
                        body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(DEPLOYMENTS, headers=bearer(token), json=body)
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])


async def attach(client: httpx.AsyncClient, token: str, target_id: int, cert_id: int) -> None:
    r = await client.post(f"{DEPLOYMENTS}?action=attach", headers=bearer(token),
                          json={"id": target_id, "certificate_id": cert_id})
    assert r.status_code == 200, r.text


async def deployment_record(client: httpx.AsyncClient, token: str,
                            cert_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/v1/certificates/{cert_id}/deployments", headers=bearer(token))
    assert r.status_code == 200, r.text
    (only,) = r.json()["data"]["deployments"]
    return dict(only)


async def wait_record(client: httpx.AsyncClient, token: str, cert_id: int, *,
                      serial: str | None = None, error: bool = False, cleared: bool = False,
                      within: float = 30) -> dict[str, Any]:
    """Poll the certificate's deployment record until it has the serial (and, `cleared`, no
    error left), or an error."""
    deadline = time.monotonic() + within
    while True:
        found = await deployment_record(client, token, cert_id)
        if (serial and found["serial"] == serial and not (cleared and found["last_error"])) \
                or (error and found["last_error"]):
            return found
        if time.monotonic() >= deadline:
            jobs = await Job.filter(kind="deploy").values("status", "attempts", "last_error")
            raise AssertionError(f"{found} {jobs}")
        await asyncio.sleep(0.1)
