"""Shared steps of the end-to-end issuance tests: a user, a domain, a finished certificate."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from app.config import Settings
from tests.conftest import bearer, login, make_settings, register
from tests.support.dns import BindServer
from tests.support.pebble import PebbleServer


def casp_settings(tmp: Path, pebble: PebbleServer, bind: BindServer, port: int,
                  **overrides: Any) -> Settings:
    """casp pointed at this Pebble (as every CA) and this BIND (resolver and RFC 2136)."""
    base = make_settings(
        tmp,
        ca_directories={name: pebble.directory_url for name in (
            "letsencrypt", "zerossl", "litessl", "buypass", "google", "sslcom")},
        acme_ca_bundle=pebble.ca_bundle, dns_resolver=bind.address,
        dns_zone=bind.delegation_zone.rstrip("."), dns_update_server=bind.address,
        dns_tsig_key=f"{bind.tsig_algorithm}:{bind.tsig_key_name}:{bind.tsig_secret}",
        dns_propagation_seconds=10, http01_port=port, issuance_deadline_seconds=60,
        public_url=f"http://127.0.0.1:{port}", allow_private_targets=True,
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
