"""SSH targets: the full chain and the key uploaded over SFTP (each to a temporary name with
its mode, then renamed over the old file, so a reader never sees half a file), then the
reload command run. Key authentication only; the server's host key is pinned (given, or
recorded on first use) and a different one is refused."""

from __future__ import annotations

import contextlib
import logging
import posixpath
from typing import Any

import asyncssh

from app import outbound
from app.errors import ValidationFailed
from app.runtime import current
from app.services.deployments import fields as f
from app.services.deployments.kinds import Bundle, DeployFailed, Spec
from app.wording import Input

log = logging.getLogger(__name__)
MAX_KEY = 20_000
CONNECT_SECONDS = 15
COMMAND_SECONDS = 120


def parse_private_key(text: str) -> asyncssh.SSHKey:
    try:
        return asyncssh.import_private_key(text)
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise ValidationFailed(f"{Input('private_key')} must be an unencrypted private key "
                               f"(OpenSSH or PEM): {exc}", field="private_key") from exc


def parse_host_key(text: str) -> str:
    """An OpenSSH public key line ("ssh-ed25519 AAAA..."), kept without its comment."""
    try:
        key = asyncssh.import_public_key(text.strip())
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise ValidationFailed(f"{Input('host_key')} must be an OpenSSH public key line: {exc}",
                               field="host_key") from exc
    return " ".join(key.export_public_key().decode().split()[:2])


class SshKind:
    name: str = "ssh"
    fields: tuple[str, ...] = (
        "host", "port", "username", "fullchain_path", "key_path", "fullchain_mode", "key_mode",
        "reload_command", "host_key", "check_host", "check_port")

    def settings(self, given: dict[str, Any], old: dict[str, Any] | None,
                 secret: str | None) -> tuple[dict[str, Any], str | None]:
        def pick(name: str, default: Any = None) -> Any:
            return f.pick(given, old, name, default)

        config = {
            "host": f.host(pick("host")), "port": f.port(pick("port", 22), "port"),
            "username": f.text(str(f.required(pick("username"), "username")), "username", 100),
            "fullchain_path": f.absolute_path(pick("fullchain_path"), "fullchain_path"),
            "key_path": f.absolute_path(pick("key_path"), "key_path"),
            "fullchain_mode": f.mode(pick("fullchain_mode", "0644"), "fullchain_mode"),
            "key_mode": f.mode(pick("key_mode", "0600"), "key_mode"),
            "reload_command": f.text(str(pick("reload_command", "")), "reload_command",
                                     f.MAX_COMMAND) or None,
            "check_host": f.host(pick("check_host"), "check_host") if pick("check_host")
            else None,
            "check_port": f.port(pick("check_port", 443), "check_port"),
        }
        if config["fullchain_path"] == config["key_path"]:
            raise ValidationFailed(f"{Input('key_path')} must differ from "
                                   f"{Input('fullchain_path')}", field="key_path")
        # A new host or port forgets the key recorded for the old one (unless one is given).
        moved = old is not None and (old["host"], old["port"]) != (config["host"],
                                                                    config["port"])
        host_key = given.get("host_key")
        if host_key is None and not moved and old is not None:
            host_key = old.get("host_key")
        config["host_key"] = parse_host_key(host_key) if host_key else None
        if secret is None:
            raise ValidationFailed(f"{Input('private_key')} is required", field="private_key")
        if len(secret) > MAX_KEY:
            raise ValidationFailed(f"{Input('private_key')} must be at most {MAX_KEY} characters",
                                   field="private_key")
        parse_private_key(secret)
        return config, secret

    def check_address(self, config: dict[str, Any]) -> tuple[str, int] | None:
        return config.get("check_host") or config["host"], config["check_port"]

    async def deploy(self, spec: Spec, bundle: Bundle) -> dict[str, Any]:
        c = spec.config
        addresses = await _addresses(c["host"], c["port"])
        assert spec.secret is not None
        key = parse_private_key(spec.secret)
        pinned = c.get("host_key")
        known: Any = ([asyncssh.import_public_key(pinned)], [], []) if pinned else None
        try:
            async with await _connect(addresses, c, key, known) as conn:
                learned = {} if pinned else {"host_key": _host_key_of(conn)}
                await _upload(conn, c, bundle)
                await _reload(conn, c.get("reload_command"))
        except asyncssh.HostKeyNotVerifiable as exc:
            raise DeployFailed(f"{c['host']}:{c['port']} presented a host key other than the "
                               "pinned one; casp refuses to deploy there until the target's "
                               "host_key is updated", retry=False) from exc
        except asyncssh.PermissionDenied as exc:
            raise DeployFailed(f"{c['username']}@{c['host']}:{c['port']} refused the key: "
                               f"{exc.reason}") from exc
        except (OSError, asyncssh.Error, TimeoutError) as exc:
            raise DeployFailed(f"{c['host']}:{c['port']}: {_reason(exc)}") from exc
        return learned


async def _addresses(host: str, port: int) -> list[str]:
    try:
        return await outbound.public_addresses(
            host, port, current().settings.allow_private_targets)
    except outbound.PrivateAddress as exc:  # a rule: trying again cannot help
        log.warning("deployment to %s refused: %s is %s", host, exc.address, exc.reason)
        raise DeployFailed(str(exc), retry=False) from exc
    except outbound.Unresolvable as exc:
        raise DeployFailed(str(exc)) from exc


async def _connect(addresses: list[str], c: dict[str, Any], key: asyncssh.SSHKey,
                   known: Any) -> asyncssh.SSHClientConnection:
    """To each checked address in turn until one takes the connection."""
    *others, last = addresses
    options = {"port": c["port"], "username": c["username"], "client_keys": [key],
               "known_hosts": known, "connect_timeout": CONNECT_SECONDS, "agent_path": None,
               "config": [], "password": None, "kbdint_auth": False, "gss_auth": False}
    for address in others:
        with contextlib.suppress(OSError):
            return await asyncssh.connect(address, **options)
    return await asyncssh.connect(last, **options)


def _host_key_of(conn: asyncssh.SSHClientConnection) -> str:
    key = conn.get_server_host_key()
    assert key is not None
    return " ".join(key.export_public_key().decode().split()[:2])


async def _upload(conn: asyncssh.SSHClientConnection, c: dict[str, Any],
                  bundle: Bundle) -> None:
    async with conn.start_sftp_client() as sftp:
        for pattern, mode, content in ((c["key_path"], c["key_mode"], bundle.key_pem),
                                       (c["fullchain_path"], c["fullchain_mode"],
                                        bundle.fullchain_pem)):
            path = path_for(pattern, bundle)
            temporary = posixpath.join(posixpath.dirname(path),
                                       f".{posixpath.basename(path)}.casp-new")
            permissions = int(mode, 8)
            # Created with its mode (no moment when a key is readable by others), then the
            # mode set again past the server's umask, then renamed over the old file.
            async with sftp.open(temporary, "w", asyncssh.SFTPAttrs(
                    permissions=permissions)) as handle:
                await handle.write(content)
            await sftp.chmod(temporary, permissions)
            await sftp.posix_rename(temporary, path)


def path_for(pattern: str, bundle: Bundle) -> str:
    """A path with its placeholders filled: {name} (the certificate's first name, `*` as
    `_wildcard`) and {id}, so that one target can serve many certificates."""
    name = bundle.domains[0].replace("*", "_wildcard")
    return pattern.replace("{name}", name).replace("{id}", str(bundle.certificate_id))


async def _reload(conn: asyncssh.SSHClientConnection, command: str | None) -> None:
    if not command:
        return
    result = await conn.run(command, check=False, timeout=COMMAND_SECONDS)
    if result.exit_status != 0:
        output = str(result.stderr or result.stdout or "").strip()[-500:]
        raise DeployFailed(f"the reload command exited with status {result.exit_status}"
                           + (f": {output}" if output else ""))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, asyncssh.SFTPError):
        return f"file upload failed: {exc.reason}"
    if isinstance(exc, asyncssh.Error):
        return exc.reason
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


KIND = SshKind()
