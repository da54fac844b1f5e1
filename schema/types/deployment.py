"""Deployment types, from the same services as deployments.php."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from app.services.deployments.checks import CheckView
from app.services.deployments.records import DeploymentView
from app.services.deployments.ssh import MAX_KEY
from app.services.deployments.targets import TargetView
from app.services.deployments.webhook import MAX_SECRET
from schema.types.copy import copy


@strawberry.enum(description="How a target receives certificates")
class DeploymentKind(Enum):  # app.services.deployments.kinds.KINDS
    SSH = strawberry.enum_value("ssh", description=(
        "Upload over SFTP with a key, then run a reload command"))
    WEBHOOK = strawberry.enum_value("webhook", description=(
        "A signed POST, carrying the certificate and key when asked"))


@strawberry.type(description="Where certificates are deployed; a kind's fields are null for "
                             "the other kinds. An SSH private key is never shown")
class DeploymentTarget:
    id: int = strawberry.field(description="The target's id")
    name: str = strawberry.field(description="Its name")
    kind: DeploymentKind = strawberry.field(description="How it receives certificates")
    host: str | None = strawberry.field(description="ssh: the server")
    port: int | None = strawberry.field(description="ssh: its port")
    username: str | None = strawberry.field(description="ssh: the user casp logs in as")
    host_key: str | None = strawberry.field(description=(
        "ssh: the pinned host key (given, or recorded at the first connection)"))
    fullchain_path: str | None = strawberry.field(description="ssh: the chain's path")
    key_path: str | None = strawberry.field(description="ssh: the key's path")
    fullchain_mode: str | None = strawberry.field(description="ssh: the chain's file mode")
    key_mode: str | None = strawberry.field(description="ssh: the key's file mode")
    reload_command: str | None = strawberry.field(description="ssh: run after each upload")
    url: str | None = strawberry.field(description="webhook: where the POST goes")
    include_certificate: bool | None = strawberry.field(
        description="webhook: whether the POST carries the full chain and the key")
    webhook_secret: str | None = strawberry.field(
        description="webhook: signs each POST, X-Casp-Signature: sha256=HMAC-SHA256(body)")
    check_host: str | None = strawberry.field(description="Where the check connects")
    check_port: int | None = strawberry.field(description="The check's port")
    certificate_ids: list[int] = strawberry.field(description="The certificates attached")
    created_at: datetime = strawberry.field(description="When it was created")
    updated_at: datetime = strawberry.field(description="When it was last changed")

    @classmethod
    def of(cls, view: TargetView) -> DeploymentTarget:
        made = copy(cls, view)
        assert made is not None
        made.kind = DeploymentKind(view.kind)
        return made


@strawberry.type(description="A certificate on a target: what was deployed, when, the last "
                             "error")
class Deployment:
    target_id: int = strawberry.field(description="The target")
    target_name: str = strawberry.field(description="Its name")
    kind: DeploymentKind = strawberry.field(description="Its kind")
    certificate_id: int = strawberry.field(description="The certificate")
    serial: str | None = strawberry.field(description="The serial deployed last (null: none)")
    deployed_at: datetime | None = strawberry.field(description="When it was deployed")
    last_attempt_at: datetime | None = strawberry.field(description="The last attempt")
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed (null once one succeeds)")
    failed_attempts: int = strawberry.field(description="Failed attempts in a row")
    up_to_date: bool = strawberry.field(
        description="Whether the certificate's current serial is the one deployed")

    @classmethod
    def of(cls, view: DeploymentView) -> Deployment:
        made = copy(cls, view)
        assert made is not None
        made.kind = DeploymentKind(view.kind)
        return made


@strawberry.type(description="What a target's TLS service presents")
class DeploymentCheck:
    target_id: int = strawberry.field(description="The target checked")
    host: str = strawberry.field(description="The host connected to")
    port: int = strawberry.field(description="Its port")
    server_name: str | None = strawberry.field(description="The SNI name sent")
    reachable: bool = strawberry.field(description="Whether the TLS handshake succeeded")
    error: str | None = strawberry.field(description="Why it did not")
    serial: str | None = strawberry.field(description="The serial presented")
    expires_at: datetime | None = strawberry.field(description="Its not-after")
    matches_certificate_id: int | None = strawberry.field(
        description="The attached certificate whose serial it is (null: none)")

    @classmethod
    def of(cls, view: CheckView) -> DeploymentCheck:
        made = copy(cls, view)
        assert made is not None
        return made


@strawberry.input(description="A target's settings; left out, they stay as they are (or take "
                               "their defaults)")
class DeploymentSettings:
    host: str | None = strawberry.field(default=None, description="ssh: the server")
    port: int | None = strawberry.field(default=None, description="ssh: its port (22)")
    username: str | None = strawberry.field(default=None, description="ssh: the login user")
    private_key: str | None = strawberry.field(default=None, description=(
        f"ssh: an unencrypted private key, OpenSSH or PEM (at most {MAX_KEY} characters); "
        "stored encrypted, never shown"))
    host_key: str | None = strawberry.field(default=None, description=(
        "ssh: the server's public host key; left out, the first one seen is pinned"))
    fullchain_path: str | None = strawberry.field(
        default=None, description="ssh: absolute path of the chain")
    key_path: str | None = strawberry.field(
        default=None, description="ssh: absolute path of the key")
    fullchain_mode: str | None = strawberry.field(
        default=None, description="ssh: the chain's mode, octal (0644)")
    key_mode: str | None = strawberry.field(
        default=None, description="ssh: the key's mode, octal (0600)")
    reload_command: str | None = strawberry.field(
        default=None, description="ssh: run after the upload")
    url: str | None = strawberry.field(default=None, description="webhook: where to POST")
    include_certificate: bool | None = strawberry.field(
        default=None, description="webhook: carry the full chain and the key (false)")
    webhook_secret: str | None = strawberry.field(default=None, description=(
        f"webhook: signs each POST (16 to {MAX_SECRET} characters; made when left out)"))
    check_host: str | None = strawberry.field(
        default=None, description="The TLS service the check connects to (ssh: the host)")
    check_port: int | None = strawberry.field(default=None, description="Its port (443)")
