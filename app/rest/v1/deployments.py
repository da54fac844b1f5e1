"""deployments.php (casp's addition to the seed): deployment targets (create, list, show,
update, delete), certificates attached to them, deploy now, the TLS check, and the records
of what was deployed where."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from starlette.responses import Response

from app.rest.dispatch import Action, Alias, Call, Resource
from app.rest.envelope import ok
from app.rest.params import Param
from app.rest.v1.schemas import ID, NULL, enum, fields_of, named, nullable, obj, record
from app.services import messages
from app.services.deployments import records, runs
from app.services.deployments import targets as deployment_targets
from app.services.deployments.checks import CheckView, check_target
from app.services.deployments.kinds import KINDS
from app.services.deployments.records import DeploymentView
from app.services.deployments.ssh import MAX_KEY
from app.services.deployments.targets import MAX_NAME, TargetView
from app.services.deployments.webhook import MAX_SECRET


def render(view: Any) -> dict[str, Any]:
    """A view as JSON: its fields as they are, datetimes in ISO 8601."""
    return {k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in dataclasses.asdict(view).items()}


async def list_or_show(call: Call) -> Response:
    if call.params["id"] is not None:
        return ok(render(await deployment_targets.get_target(user=call.me,
                                                             id=call.params["id"])))
    items = await deployment_targets.list_targets(user=call.me)
    return ok({"targets": [render(t) for t in items], "total": len(items)})


async def create(call: Call) -> Response:
    target = await deployment_targets.create_target(user=call.me, **call.params)
    return ok(render(target), messages.DEPLOYMENT_TARGET_CREATED, 201)


async def update(call: Call) -> Response:
    target = await deployment_targets.update_target(user=call.me, **call.params)
    return ok(render(target), messages.DEPLOYMENT_TARGET_UPDATED)


async def delete(call: Call) -> Response:
    await deployment_targets.delete_target(user=call.me, id=call.params["id"])
    return ok(None, messages.DEPLOYMENT_TARGET_DELETED)


async def attach(call: Call) -> Response:
    return ok(render(await records.attach(user=call.me, **call.params)),
              messages.CERTIFICATE_ATTACHED)


async def detach(call: Call) -> Response:
    await records.detach(user=call.me, **call.params)
    return ok(None, messages.CERTIFICATE_DETACHED)


async def deploy(call: Call) -> Response:
    done = await runs.deploy_now(user=call.me, **call.params)
    return ok({"deployments": [render(d) for d in done]}, messages.DEPLOYMENT_QUEUED)


async def check(call: Call) -> Response:
    return ok(render(await check_target(user=call.me, **call.params)))


async def deployments(call: Call) -> Response:
    found = await records.list_deployments(user=call.me, **call.params)
    return ok({"deployments": [render(d) for d in found]})


def _id(where: str = "body", required: bool = True) -> Param:
    return Param("id", "integer", required=required, minimum=1,
                 description="Deployment target id", in_query=where == "query")


# Required, but checked after the target's owner (app/services/deployments/records.py).
CERT_ID = Param("certificate_id", "integer", minimum=1, description="Certificate id "
                "(required)")
SOME_CERT = Param("certificate_id", "integer", minimum=1,
                  description="Only this attached certificate (default: all of them)")
SETTINGS = (
    Param("host", max_length=253, description="ssh: the server's name or address"),
    Param("port", "integer", minimum=1, maximum=65535, description="ssh: port (22)"),
    Param("username", max_length=100, description="ssh: the user casp logs in as"),
    Param("private_key", max_length=MAX_KEY, credential=True, description=(
        "ssh: an unencrypted private key (OpenSSH or PEM) whose public key is in the user's "
        "authorized_keys; stored encrypted, never shown")),
    Param("host_key", max_length=2000, description=(
        "ssh: the server's public host key (\"ssh-ed25519 AAAA...\", as in known_hosts); "
        "left out, the key seen at the first connection is recorded, then enforced")),
    Param("fullchain_path", max_length=1000,
          description="ssh: absolute path of the certificate with its chain"),
    Param("key_path", max_length=1000, description="ssh: absolute path of the private key"),
    Param("fullchain_mode", max_length=4, description="ssh: the chain's mode (0644)"),
    Param("key_mode", max_length=4, description="ssh: the key's mode (0600)"),
    Param("reload_command", max_length=2000,
          description="ssh: run after the upload, e.g. sudo systemctl reload nginx"),
    Param("url", max_length=2000, description="webhook: where the signed POST goes"),
    Param("include_certificate", "boolean",
          description="webhook: carry the full chain and the key (false)"),
    Param("webhook_secret", max_length=MAX_SECRET, credential=True,
          description="webhook: signs each POST (16 to 200 characters; made when left out)"),
    Param("check_host", max_length=253,
          description="The TLS service the check connects to (ssh: the host)"),
    Param("check_port", "integer", minimum=1, maximum=65535,
          description="Its port (443)"),
)
TARGET = named("DeploymentTarget", "Where certificates are deployed; a kind's fields are "
               "null for the other kinds", record(fields_of(TargetView, override={
                   "id": ID, "kind": enum(KINDS),
                   "certificate_ids": {"type": "array", "items": ID}})))
TARGET_LIST = named("DeploymentTargetList", "All your deployment targets", obj(
    targets={"type": "array", "items": TARGET}, total={"type": "integer"}))
DEPLOYMENT = named("Deployment", "A certificate on a target: what was deployed, when, the "
                   "last error", record(fields_of(DeploymentView, override={
                       "target_id": ID, "certificate_id": ID, "kind": enum(KINDS)})))
DEPLOYMENTS = named("DeploymentList", "Deployment records", obj(
    deployments={"type": "array", "items": DEPLOYMENT}))
CHECK = named("DeploymentCheck", "What the target's TLS service presents", record(
    fields_of(CheckView, override={"target_id": ID,
                                   "matches_certificate_id": nullable(ID)})))

LIST = Action(("GET",), None, list_or_show, "List your deployment targets, or one with ?id=",
              params=(_id("query", False),), data={"anyOf": [TARGET_LIST, TARGET]})
CREATE = Action(("POST",), None, create, "Create a deployment target", status=201, params=(
    Param("name", required=True, max_length=MAX_NAME, description="A name of your choice"),
    Param("kind", required=True, enum=KINDS, description="ssh or webhook"), *SETTINGS),
                data=TARGET, message=messages.DEPLOYMENT_TARGET_CREATED)
UPDATE = Action(("POST",), "update", update, "Change a target's settings; fields left out "
                "stay as they are", params=(
                    _id(), Param("name", max_length=MAX_NAME, description="A new name"),
                    *SETTINGS), data=TARGET, message=messages.DEPLOYMENT_TARGET_UPDATED)
DELETE = Action(("DELETE",), None, delete, "Delete a deployment target (deployed files stay)",
                params=(_id("query"),), data=NULL, message=messages.DEPLOYMENT_TARGET_DELETED)
ATTACH = Action(("POST",), "attach", attach, "Attach a certificate: deployed now when issued, "
                "and after each renewal", params=(_id(), CERT_ID), data=DEPLOYMENT,
                message=messages.CERTIFICATE_ATTACHED)
DETACH = Action(("POST",), "detach", detach, "Detach a certificate (deployed files stay)",
                params=(_id(), CERT_ID), data=NULL, message=messages.CERTIFICATE_DETACHED)
DEPLOY = Action(("POST",), "deploy", deploy, "Deploy now: each issued certificate attached, "
                "or the one named", params=(_id(), SOME_CERT), data=DEPLOYMENTS,
                message=messages.DEPLOYMENT_QUEUED)
CHECK_ACTION = Action(("POST",), "check", check, "Open a TLS connection to the target's "
                      "service and report the serial it presents", params=(_id(), SOME_CERT),
                      data=CHECK)
RECORDS = Action(("GET",), "deployments", deployments, "Your deployment records, of one target "
                 "(?id=) and/or one certificate (?certificate_id=)", params=(
                     _id("query", False), dataclasses.replace(
                         SOME_CERT, in_query=True,
                         description="Only this certificate's deployments")),
                 data=DEPLOYMENTS)
RESOURCE = Resource("/api/v1/deployments.php", (LIST, CREATE, UPDATE, DELETE, ATTACH, DETACH,
                                               DEPLOY, CHECK_ACTION, RECORDS))
MANY = "/api/v1/deployment-targets"
ONE = f"{MANY}/{{id}}"
PATH_ID = Param("id", "integer", required=True, minimum=1, description="Deployment target id")
ALIASES = (
    Alias("GET", MANY, LIST, "listDeploymentTargets", (), TARGET_LIST,
          "List your deployment targets"),
    Alias("POST", MANY, CREATE, "createDeploymentTarget"),
    Alias("GET", ONE, LIST, "getDeploymentTarget", (PATH_ID,), TARGET,
          "One of your deployment targets"),
    Alias("PATCH", ONE, UPDATE, "updateDeploymentTarget"),
    Alias("DELETE", ONE, DELETE, "deleteDeploymentTarget", (PATH_ID,)),
    Alias("POST", f"{ONE}/attach", ATTACH, "attachCertificate"),
    Alias("POST", f"{ONE}/detach", DETACH, "detachCertificate"),
    Alias("POST", f"{ONE}/deploy", DEPLOY, "deployNow"),
    Alias("POST", f"{ONE}/check", CHECK_ACTION, "checkDeploymentTarget"),
    Alias("GET", f"{ONE}/deployments", RECORDS, "listTargetDeployments", (PATH_ID,)),
    Alias("GET", "/api/v1/certificates/{certificate_id}/deployments", RECORDS,
          "listCertificateDeployments", (dataclasses.replace(
              CERT_ID, required=True, description="Certificate id"),)),
)
