"""Deployment targets through REST and GraphQL: what each door shows (never an SSH private
key, stored encrypted), every bad setting refused naming its field, another user's targets
NOT_FOUND, and a webhook target receiving a signed deployment with the certificate."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncssh
import httpx
import pytest

from app.config import Settings
from app.jobs.queue import RetryLater
from app.services.deployments.runs import run_deploy
from models.deployment import DeploymentTarget
from models.job import Job
from tests.support.app import OfflineAcme, make_settings, quiet_settings, raw_database, running
from tests.support.deliveries import Receiver, signed
from tests.support.graphql import data_of, error_of, gql, make_issued
from tests.support.rest import assert_error, request, user

URL = "/api/v1/deployments.php"
KEY = asyncssh.generate_private_key("ssh-ed25519")
PRIVATE = KEY.export_private_key().decode()
HOST_KEY = " ".join(asyncssh.generate_private_key("ssh-ed25519").export_public_key()
                    .decode().split()[:2])
SSH = {"name": "web", "kind": "ssh", "host": "web.example.com", "username": "deploy",
       "private_key": PRIVATE, "fullchain_path": "/etc/nginx/tls/fullchain.pem",
       "key_path": "/etc/nginx/tls/privkey.pem", "reload_command": "sudo nginx -s reload"}
HOOK = {"name": "hook", "kind": "webhook", "url": "https://hooks.example.com/casp"}


@pytest.fixture
async def casp(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """No worker: each test runs the deploy jobs it wants (run_deploy)."""
    settings: Settings = quiet_settings(make_settings(tmp_path / "data"),
                                        allow_private_targets=True)
    async with running(settings, acme=OfflineAcme()) as c:
        c.settings = settings  # type: ignore[attr-defined]
        yield c


async def create(client: httpx.AsyncClient, headers: dict[str, str],
                 body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(URL, headers=headers, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])


async def test_an_ssh_target_never_shows_its_key_and_stores_it_encrypted(
        casp: httpx.AsyncClient):
    me = await user(casp, "a@example.com")
    target = await create(casp, me, SSH)
    assert target["kind"] == "ssh" and target["port"] == 22 and target["host_key"] is None
    assert target["key_mode"] == "0600" and target["fullchain_mode"] == "0644"
    assert target["check_host"] is None and target["check_port"] == 443
    assert target["url"] is None and target["webhook_secret"] is None
    assert target["certificate_ids"] == []
    for shown in (target, (await casp.get(URL, params={"id": target["id"]},
                                          headers=me)).json()["data"],
                  (await casp.get("/api/v1/deployment-targets", headers=me)).json()["data"]):
        assert "PRIVATE KEY" not in json.dumps(shown)
    body = PRIVATE.splitlines()[1]
    assert body.encode() not in await raw_database(casp.settings)  # type: ignore[attr-defined]
    row = await DeploymentTarget.get(id=target["id"])
    assert row.secret_encrypted and body not in row.secret_encrypted


async def test_every_bad_setting_is_refused_naming_its_field(casp: httpx.AsyncClient):
    me = await user(casp, "a@example.com")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"kind": None}, "kind", "required"),
        ({"kind": "ftp"}, "kind", "one of"),
        ({"name": ""}, "name", "required"),
        ({"host": "web example"}, "host", "host name"),
        ({"port": 70000}, "port", "65535"),
        ({"username": None}, "username", "required"),
        ({"private_key": None}, "private_key", "required"),
        ({"private_key": "not a key"}, "private_key", "private key"),
        ({"host_key": "ssh-ed25519 nope"}, "host_key", "public key"),
        ({"fullchain_path": "tls/fullchain.pem"}, "fullchain_path", "absolute"),
        ({"key_path": SSH["fullchain_path"]}, "key_path", "differ"),
        ({"key_mode": "999"}, "key_mode", "octal"),
        ({"reload_command": "nginx\n-s reload"}, "reload_command", "control"),
        ({"url": "https://hooks.example.com/"}, "url", "does not apply"),
        (HOOK | {"url": "ftp://x"}, "url", "http"),
        (HOOK | {"webhook_secret": "short"}, "webhook_secret", "16"),
        (HOOK | {"key_mode": "0600"}, "key_mode", "does not apply"),
    ]
    for change, field, words in cases:
        base = {} if change.get("kind") == "webhook" else SSH
        body = {k: v for k, v in (base | change).items() if v is not None}
        r = await casp.post(URL, headers=me, json=body)
        error = assert_error(r, 400, "VALIDATION_ERROR")
        assert list(error["details"]["fields"]) == [field], (change, error)
        assert words in error["message"], (change, error)
    r = await casp.post(f"{URL}?private_key=x", headers=me, json=SSH)
    assert "request body" in assert_error(r, 400, "VALIDATION_ERROR")["message"]
    assert await DeploymentTarget.all().count() == 0


async def test_another_users_targets_are_not_found(casp: httpx.AsyncClient):
    owner = await user(casp, "a@example.com", "a.example.com")
    other = await user(casp, "b@example.com", "b.example.com")
    target = await create(casp, owner, SSH)
    theirs = await request(casp, other, "b.example.com")
    mine = await request(casp, owner, "a.example.com")
    one = f"/api/v1/deployment-targets/{target['id']}"
    for method, path, body in (
            ("GET", one, None), ("PATCH", one, {"name": "x"}), ("DELETE", one, None),
            ("POST", f"{one}/attach", {"certificate_id": theirs["id"]}),
            ("POST", f"{one}/deploy", {}), ("POST", f"{one}/check", {}),
            ("GET", f"{one}/deployments", None),
            ("GET", f"/api/v1/certificates/{mine['id']}/deployments", None)):
        r = await casp.request(method, path, headers=other, json=body)
        assert "not found" in assert_error(r, 404, "NOT_FOUND")["message"], (method, path)
    r = await casp.post(f"{one}/attach", headers=owner, json={"certificate_id": theirs["id"]})
    assert_error(r, 404, "NOT_FOUND")
    for action in ("deploy", "check", "detach"):  # one's own certificate, not attached
        r = await casp.post(f"{one}/{action}", headers=owner,
                            json={"certificate_id": mine["id"]})
        assert assert_error(r, 404, "NOT_FOUND")["message"] == (
            f"certificate {mine['id']} is not attached to deployment target {target['id']}")
    r = await casp.post(f"{one}/attach", headers=owner, json={})
    assert assert_error(r, 400, "VALIDATION_ERROR")["details"]["fields"] == {
        "certificate_id": "certificate_id is required"}
    assert (await casp.get("/api/v1/deployment-targets", headers=other)).json()["data"] == {
        "targets": [], "total": 0}
    result = await gql(casp, f"{{ deploymentTarget(id: {target['id']}) {{ id }} }}",
                       other["Authorization"].split()[1])
    assert error_of(result)["extensions"]["code"] == "NOT_FOUND"


async def test_update_keeps_what_is_left_out_and_a_new_host_forgets_its_key(
        casp: httpx.AsyncClient):
    me = await user(casp, "a@example.com")
    target = await create(casp, me, SSH | {"host_key": HOST_KEY})
    one = f"/api/v1/deployment-targets/{target['id']}"
    r = await casp.patch(one, headers=me, json={"reload_command": "systemctl reload nginx"})
    assert r.status_code == 200, r.text
    changed = r.json()["data"]
    assert changed["reload_command"] == "systemctl reload nginx"
    assert changed["host_key"] == HOST_KEY and changed["username"] == "deploy"
    row = await DeploymentTarget.get(id=target["id"])
    assert row.secret_encrypted  # the key stays
    moved = (await casp.post(f"{URL}?action=update", headers=me,
                             json={"id": target["id"], "host": "new.example.com"})).json()
    assert moved["data"]["host"] == "new.example.com" and moved["data"]["host_key"] is None
    r = await casp.delete(one, headers=me)
    assert r.status_code == 200 and r.json()["message"] == "Deployment target deleted"
    assert_error(await casp.get(one, headers=me), 404, "NOT_FOUND")


async def test_a_webhook_target_receives_the_certificate_signed(
        casp: httpx.AsyncClient, receiver: Receiver):
    me = await user(casp, "a@example.com", "a.example.com")
    cert = await request(casp, me, "a.example.com")
    leaf = await make_issued(cert["id"])
    target = await create(casp, me, {"name": "hook", "kind": "webhook", "url": receiver.url,
                                     "include_certificate": True})
    assert len(target["webhook_secret"]) >= 16
    r = await casp.post(f"{URL}?action=attach", headers=me,
                        json={"id": target["id"], "certificate_id": cert["id"]})
    assert r.status_code == 200 and r.json()["data"]["serial"] is None, r.text
    (job,) = await Job.filter(kind="deploy")
    await run_deploy(job)
    (hit,) = receiver.hits
    assert signed(hit, target["webhook_secret"])
    assert hit.headers["X-Casp-Event"] == "certificate_deployed"
    sent = json.loads(hit.body)
    serial = format(leaf.serial_number, "x")
    assert sent["serial"] == serial and sent["domains"] == ["a.example.com"]
    assert "BEGIN CERTIFICATE" in sent["fullchain_pem"] and "PRIVATE KEY" in sent["key_pem"]
    (done,) = (await casp.get(URL, params={"action": "deployments",
                                           "certificate_id": cert["id"]},
                              headers=me)).json()["data"]["deployments"]
    assert done["serial"] == serial and done["up_to_date"] and done["last_error"] is None

    receiver.statuses = [503]
    await casp.post(f"/api/v1/deployment-targets/{target['id']}/deploy", headers=me, json={})
    (job,) = await Job.filter(kind="deploy", status="queued")
    with pytest.raises(RetryLater, match="answered 503"):
        await run_deploy(job)
    failed = (await casp.get(f"/api/v1/certificates/{cert['id']}/deployments",
                             headers=me)).json()["data"]["deployments"][0]
    assert failed["last_error"].endswith("answered 503") and failed["failed_attempts"] == 1
    inbox = (await casp.get("/api/v1/notifications.php", headers=me)).json()["data"]
    assert [n["type"] for n in inbox["notifications"]] == ["deployment_failed"]


TARGET_FIELDS = "id name kind host port username hostKey keyMode certificateIds webhookSecret"


async def test_graphql_matches_rest(casp: httpx.AsyncClient):
    me = await user(casp, "a@example.com", "a.example.com")
    token = me["Authorization"].split()[1]
    cert = await request(casp, me, "a.example.com")
    settings = {k: v for k, v in SSH.items() if k not in ("name", "kind")}
    made = data_of(await gql(casp, """mutation($s: DeploymentSettings!) {
        createDeploymentTarget(name: "web", kind: SSH, settings: $s) { """ + TARGET_FIELDS
                             + " } }", token, s={
                                 "host": settings["host"], "username": "deploy",
                                 "privateKey": PRIVATE,
                                 "fullchainPath": settings["fullchain_path"],
                                 "keyPath": settings["key_path"]}))["createDeploymentTarget"]
    rest = (await casp.get(URL, params={"id": made["id"]}, headers=me)).json()["data"]
    assert made["kind"] == "SSH" and made["hostKey"] is None and made["keyMode"] == "0600"
    assert rest["host"] == made["host"] and rest["username"] == made["username"]
    attached = data_of(await gql(
        casp, "mutation($t: Int!, $c: Int!) { attachCertificate(targetId: $t, "
              "certificateId: $c) { targetId certificateId serial upToDate } }", token,
        t=made["id"], c=cert["id"]))["attachCertificate"]
    assert attached == {"targetId": made["id"], "certificateId": cert["id"], "serial": None,
                        "upToDate": False}
    listed = data_of(await gql(casp, "query($c: Int!) { deployments(certificateId: $c) { "
                                     "targetName } deploymentTargets { certificateIds } }",
                               token, c=cert["id"]))
    assert listed == {"deployments": [{"targetName": "web"}],
                      "deploymentTargets": [{"certificateIds": [cert["id"]]}]}
    bad = error_of(await gql(casp, "mutation($t: Int!) { updateDeploymentTarget(id: $t, "
                                   'settings: {keyMode: "999"}) { id } }', token,
                             t=made["id"]))
    assert bad["extensions"]["code"] == "VALIDATION_ERROR"
    assert list(bad["extensions"]["fields"]) == ["keyMode"]
    assert "keyMode must be an octal" in bad["message"]
    gone = data_of(await gql(casp, "mutation($t: Int!, $c: Int!) { detachCertificate("
                                   "targetId: $t, certificateId: $c) { message } }", token,
                             t=made["id"], c=cert["id"]))
    assert gone["detachCertificate"]["message"] == "Certificate detached"


async def test_a_private_address_is_refused_without_the_setting(tmp_path: Path):
    """Without CASP_ALLOW_PRIVATE_TARGETS neither a deployment nor the check connects to
    casp's own network; the refusal is not retried and names no address it found."""
    settings = quiet_settings(make_settings(tmp_path / "data"), allow_private_targets=False)
    async with running(settings, acme=OfflineAcme()) as casp:
        me = await user(casp, "a@example.com", "a.example.com")
        cert = await request(casp, me, "a.example.com")
        await make_issued(cert["id"])
        target = await create(casp, me, SSH | {"host": "localhost", "check_port": 8443})
        await casp.post(f"{URL}?action=attach", headers=me,
                        json={"id": target["id"], "certificate_id": cert["id"]})
        (job,) = await Job.filter(kind="deploy")
        await run_deploy(job)  # no RetryLater: trying again cannot help
        (done,) = (await casp.get(f"/api/v1/certificates/{cert['id']}/deployments",
                                  headers=me)).json()["data"]["deployments"]
        assert done["last_error"] == "localhost does not point at a public address"
        inbox = (await casp.get("/api/v1/notifications.php", headers=me)).json()["data"]
        (note,) = inbox["notifications"]
        assert note["type"] == "deployment_failed" and "does not try again" in note["message"]
        r = await casp.post(f"/api/v1/deployment-targets/{target['id']}/check", headers=me,
                            json={})
        seen = r.json()["data"]
        assert seen["reachable"] is False and seen["serial"] is None
        assert seen["error"] == "localhost does not point at a public address"
        assert (seen["host"], seen["port"], seen["server_name"]) == (
            "localhost", 8443, "a.example.com")
