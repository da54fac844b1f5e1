"""Deployment over SSH, end to end: Pebble issues, casp uploads the chain and the key to a
real OpenSSH server on loopback and reloads a real nginx, whose TLS handshake then shows the
new serial; a renewal redeploys; a changed host key and an unreachable host are refused,
retried and notified as a user sees them; a failing reload command and a key the server does
not know are reported."""

from __future__ import annotations

import asyncio
import stat
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.support.acme import casp_settings, issue_http01, user_token, wait_renewed
from tests.support.dns import BindServer
from tests.support.graphql import data_of, gql
from tests.support.live import live_casp
from tests.support.net import free_port
from tests.support.pebble import PebbleServer
from tests.support.reach import (
    DEPLOYMENTS,
    attach,
    create_target,
    deployment_record,
    ssh_target,
    wait_record,
)
from tests.support.rest import bearer
from tests.support.sshd import Nginx, SshServer, new_key, public_line, served_serial

pytestmark = pytest.mark.slow  # real Pebble, BIND, sshd and nginx

URL = DEPLOYMENTS


@pytest.fixture
def settings(tmp_path: Path, ca: PebbleServer, bind_server: BindServer, port: int) -> Settings:
    return casp_settings(tmp_path / "data", ca, bind_server, port)


async def check(client: httpx.AsyncClient, token: str, target_id: int) -> dict[str, Any]:
    r = await client.post(f"/api/v1/deployment-targets/{target_id}/check",
                          headers=bearer(token), json={})
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


async def wait_served(port: int, serial: str, within: float = 10) -> None:
    """nginx's workers take the reloaded files a moment after the HUP."""
    deadline = time.monotonic() + within
    while (seen := await asyncio.to_thread(served_serial, port)) != serial:
        assert time.monotonic() < deadline, f"nginx still serves {seen}, not {serial}"
        await asyncio.sleep(0.1)


async def wait_checked(client: httpx.AsyncClient, token: str, target_id: int, serial: str,
                       within: float = 10) -> None:
    """casp's check sees the new serial too: each check is a new connection, which an old
    nginx worker may still take for a moment after the reload (seen once in a full run)."""
    deadline = time.monotonic() + within
    while (seen := (await check(client, token, target_id))["serial"]) != serial:
        assert time.monotonic() < deadline, f"the check still sees {seen}, not {serial}"
        await asyncio.sleep(0.1)


async def inbox_types(client: httpx.AsyncClient, token: str) -> list[str]:
    r = await client.get("/api/v1/notifications.php", headers=bearer(token))
    return [n["type"] for n in r.json()["data"]["notifications"]]


async def test_issued_then_renewed_certificates_reach_nginx_over_ssh(
        settings: Settings, port: int, sshd: SshServer, nginx: Nginx):
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        cert = await issue_http01(client, token, "deploy")
        target = await create_target(client, token, ssh_target(sshd, nginx))
        assert "private_key" not in target and target["host_key"] is None
        await attach(client, token, target["id"], cert["id"])

        done = await wait_record(client, token, cert["id"], serial=cert["serial"])
        assert done["up_to_date"] and done["last_error"] is None and done["deployed_at"]
        key_file = nginx.cert_dir / "privkey.pem"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert stat.S_IMODE((nginx.cert_dir / "fullchain.pem").stat().st_mode) == 0o644
        assert (nginx.cert_dir / "fullchain.pem").read_text() == (
            cert["certificate_pem"] + cert["chain_pem"])
        # The host key seen at the first connection is pinned from now on.
        shown = (await client.get(URL, params={"id": target["id"]},
                                  headers=bearer(token))).json()["data"]
        assert shown["host_key"] == public_line(sshd.host_key)
        assert shown["certificate_ids"] == [cert["id"]]

        nginx.start()
        assert await asyncio.to_thread(served_serial, nginx.port) == cert["serial"]
        seen = await check(client, token, target["id"])
        assert seen["reachable"] and seen["serial"] == cert["serial"]
        assert seen["matches_certificate_id"] == cert["id"]

        r = await client.post("/api/v1/certificates.php?action=renew", headers=bearer(token),
                              json={"id": cert["id"]})
        assert r.status_code in (200, 202), r.text
        renewed = await wait_renewed(client, token, cert["id"], cert["serial"])
        await wait_record(client, token, cert["id"], serial=renewed["serial"])
        await wait_served(nginx.port, renewed["serial"])
        await wait_checked(client, token, target["id"], renewed["serial"])
        seen = data_of(await gql(client, """mutation($t: Int!) { checkDeploymentTarget(
            targetId: $t) { serial matchesCertificateId } }""", token,
                                 t=target["id"]))["checkDeploymentTarget"]
        assert seen == {"serial": renewed["serial"], "matchesCertificateId": cert["id"]}
        records = data_of(await gql(client, "query($c: Int!) { deployments(certificateId: $c) "
                                            "{ serial upToDate lastError } }", token,
                                    c=cert["id"]))["deployments"]
        assert records == [{"serial": renewed["serial"], "upToDate": True, "lastError": None}]
        assert "deployment_failed" not in await inbox_types(client, token)


async def test_a_changed_host_key_is_refused_and_notified(settings: Settings, port: int,
                                                          sshd: SshServer, nginx: Nginx):
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        cert = await issue_http01(client, token, "hostkey")
        target = await create_target(client, token, ssh_target(  # the host key given, pinned
            sshd, nginx, host_key=public_line(sshd.host_key),
            fullchain_path=str(nginx.cert_dir / "{name}-{id}.pem"),
            key_path=str(nginx.cert_dir / "{name}-{id}.key")))
        await attach(client, token, target["id"], cert["id"])
        await wait_record(client, token, cert["id"], serial=cert["serial"])
        chain = nginx.cert_dir / f"{cert['domains'][0]}-{cert['id']}.pem"
        assert chain.read_text() == cert["certificate_pem"] + cert["chain_pem"]

        sshd.restart(new_key())  # another server answers at the same address
        chain.unlink()
        r = await client.post(f"/api/v1/deployment-targets/{target['id']}/deploy",
                              headers=bearer(token), json={})
        assert r.status_code == 200, r.text
        failed = await wait_record(client, token, cert["id"], error=True)
        assert "host key" in failed["last_error"] and "pinned" in failed["last_error"]
        assert failed["failed_attempts"] == 1
        assert not chain.exists()  # nothing was uploaded
        assert await inbox_types(client, token) == ["deployment_failed", "certificate_issued"]
        await asyncio.sleep(3)  # not retried: a refusal, not an outage
        assert (await deployment_record(client, token, cert["id"]))["failed_attempts"] == 1

        # The user checks the new key and pins it: the next deployment goes through.
        r = await client.patch(f"/api/v1/deployment-targets/{target['id']}",
                               headers=bearer(token),
                               json={"host_key": public_line(sshd.host_key)})
        assert r.status_code == 200, r.text
        await client.post(f"/api/v1/deployment-targets/{target['id']}/deploy",
                          headers=bearer(token), json={"certificate_id": cert["id"]})
        again = await wait_record(client, token, cert["id"], serial=cert["serial"],
                                  cleared=True)
        assert again["failed_attempts"] == 0 and chain.exists()


async def test_an_unreachable_host_is_retried_and_notified(settings: Settings, port: int):
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        cert = await issue_http01(client, token, "unreachable")
        body = {
            "name": "gone", "kind": "ssh", "host": "127.0.0.1", "port": free_port(),
            "username": "deploy", "private_key": new_key().export_private_key().decode(),
            "fullchain_path": "/srv/tls/fullchain.pem", "key_path": "/srv/tls/privkey.pem"}
        target = await create_target(client, token, body)
        await attach(client, token, target["id"], cert["id"])
        failed = await wait_record(client, token, cert["id"], error=True)
        assert f"127.0.0.1:{body['port']}" in failed["last_error"]
        assert failed["serial"] is None and not failed["up_to_date"]
        # The queue's backoff: tried again 2 s after the first failure.
        deadline = time.monotonic() + 15
        while (await deployment_record(client, token, cert["id"]))["failed_attempts"] < 2:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        assert await inbox_types(client, token) == ["deployment_failed", "certificate_issued"]
        seen = await check(client, token, target["id"])
        assert not seen["reachable"] and seen["serial"] is None and seen["error"]


async def test_a_failing_reload_and_an_unknown_key_are_reported(
        settings: Settings, port: int, sshd: SshServer, nginx: Nginx):
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        cert = await issue_http01(client, token, "reload")
        broken = await create_target(client, token, ssh_target(
            sshd, nginx, name="broken reload", reload_command="echo no nginx here >&2; exit 3"))
        stranger = await create_target(client, token, ssh_target(
            sshd, nginx, name="stranger", private_key=new_key().export_private_key().decode(),
            key_path=str(nginx.cert_dir / "other.key")))
        for target in (broken, stranger):
            await attach(client, token, target["id"], cert["id"])
        deadline = time.monotonic() + 20
        while True:
            r = await client.get(f"/api/v1/certificates/{cert['id']}/deployments",
                                 headers=bearer(token))
            found = {d["target_name"]: d for d in r.json()["data"]["deployments"]}
            if all(d["last_error"] for d in found.values()):
                break
            assert time.monotonic() < deadline, found
            await asyncio.sleep(0.1)
        assert found["broken reload"]["last_error"] == (
            "the reload command exited with status 3: no nginx here")
        assert (nginx.cert_dir / "fullchain.pem").exists()  # uploaded before the reload
        assert f"{sshd.user}@127.0.0.1:{sshd.port} refused the key" in (
            found["stranger"]["last_error"])
        assert not (nginx.cert_dir / "other.key").exists()
