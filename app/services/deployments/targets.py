"""A user's deployment targets: create, read, update, delete; another user's target is
NOT_FOUND, exactly as one that does not exist. Secrets are stored encrypted; an SSH private
key is never shown back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.errors import NotFound, ValidationFailed
from app.runtime import current
from app.services.deployments import fields as f
from app.services.deployments.kinds import KINDS, Kind, Spec, registry
from app.services.inputs import storable_id
from app.wording import Input, Value, listed
from models.deployment import Deployment, DeploymentTarget
from models.user import User

MAX_NAME = 100
MAX_TARGETS = 50  # per user
# Every setting any kind takes; a kind refuses the ones that are not its own.
SETTINGS = ("host", "port", "username", "private_key", "host_key", "fullchain_path",
            "key_path", "fullchain_mode", "key_mode", "reload_command", "url",
            "include_certificate", "webhook_secret", "check_host", "check_port")
SECRETS = {"ssh": "private_key", "webhook": "webhook_secret"}


@dataclass(frozen=True)
class TargetView:
    id: int
    name: str
    kind: str
    host: str | None
    port: int | None
    username: str | None
    host_key: str | None  # pinned (given, or recorded at the first connection)
    fullchain_path: str | None
    key_path: str | None
    fullchain_mode: str | None
    key_mode: str | None
    reload_command: str | None
    url: str | None
    include_certificate: bool | None
    webhook_secret: str | None  # shown: the receiver checks the signature with it
    check_host: str | None
    check_port: int | None
    certificate_ids: list[int]
    created_at: datetime
    updated_at: datetime


async def view_of(target: DeploymentTarget) -> TargetView:
    c = target.config
    ids: list[int] = await Deployment.filter(target_id=target.id).order_by(
        "certificate_id").values_list("certificate_id", flat=True)  # type: ignore[assignment]
    secret = (current().box.decrypt(target.secret_encrypted).decode()
              if target.kind == "webhook" and target.secret_encrypted else None)
    return TargetView(
        target.id, target.name, target.kind, c.get("host"), c.get("port"), c.get("username"),
        c.get("host_key"), c.get("fullchain_path"), c.get("key_path"), c.get("fullchain_mode"),
        c.get("key_mode"), c.get("reload_command"), c.get("url"), c.get("include_certificate"),
        secret, c.get("check_host"), c.get("check_port"), [int(i) for i in ids],
        target.created_at, target.updated_at)


def kind_of(name: str) -> Kind:
    kinds = registry()
    if name not in kinds:
        raise ValidationFailed(f"{Input('kind')} must be one of: {listed(KINDS)}", field="kind")
    return kinds[name]


def spec_of(target: DeploymentTarget) -> Spec:
    secret = (current().box.decrypt(target.secret_encrypted).decode()
              if target.secret_encrypted else None)
    return Spec(target.id, target.name, dict(target.config), secret)


async def own(user: User, id: int) -> DeploymentTarget:
    target = (await DeploymentTarget.get_or_none(id=id, user_id=user.id)
              if storable_id(id) else None)
    if target is None:
        raise NotFound(f"deployment target {id} not found")
    return target


def _name(name: str | None) -> str:
    return f.text(str(f.required((name or "").strip(), "name")), "name", MAX_NAME)


def _configure(kind: Kind, given: dict[str, Any], old: dict[str, Any] | None,
               old_secret: str | None) -> tuple[dict[str, Any], str | None]:
    secret_name = SECRETS[kind.name]
    for name, value in given.items():
        if value is not None and name not in kind.fields and name != secret_name:
            raise ValidationFailed(f"{Input(name)} does not apply to a {Value(kind.name)} "
                                   "target", field=name)
    secret = given.get(secret_name)
    if secret is not None:
        f.unicode_text(secret, secret_name)
    return kind.settings(given, old, secret if secret is not None else old_secret)


async def create_target(*, user: User, name: str | None, kind: str | None,
                        **given: Any) -> TargetView:
    chosen = kind_of(str(f.required(kind, "kind")))
    config, secret = _configure(chosen, given, None, None)
    if MAX_TARGETS and await DeploymentTarget.filter(user_id=user.id).count() >= MAX_TARGETS:
        raise ValidationFailed(f"at most {MAX_TARGETS} deployment targets per user",
                               field="name", details={"limit": MAX_TARGETS})
    now = current().clock.now()
    target = await DeploymentTarget.create(
        user_id=user.id, name=_name(name), kind=chosen.name, config=config,
        secret_encrypted=current().box.encrypt(secret) if secret else None,
        created_at=now, updated_at=now)
    return await view_of(target)


async def update_target(*, user: User, id: int, name: str | None = None,
                        **given: Any) -> TargetView:
    target = await own(user, id)
    old_secret = spec_of(target).secret
    config, secret = _configure(kind_of(target.kind), given, target.config, old_secret)
    target.config = config
    target.secret_encrypted = current().box.encrypt(secret) if secret else None
    if name is not None:
        target.name = _name(name)
    target.updated_at = current().clock.now()
    await target.save()
    return await view_of(target)


async def list_targets(*, user: User) -> list[TargetView]:
    return [await view_of(t) for t in
            await DeploymentTarget.filter(user_id=user.id).order_by("id")]


async def get_target(*, user: User, id: int) -> TargetView:
    return await view_of(await own(user, id))


async def delete_target(*, user: User, id: int) -> None:
    await (await own(user, id)).delete()
