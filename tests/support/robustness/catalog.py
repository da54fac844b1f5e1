"""The REST calls casp serves, one per (method, path, action), each with the parameters that
action reads (where they go, their type and limits) and a valid value for every one, so that
a test can make one parameter hostile and keep the others valid.

Built from the Action declarations the OpenAPI document is generated from (app/rest/v1/):
the document merges the query parameters of every action of a GET or DELETE, so it cannot
say which action reads which; test_catalog_matches_the_document checks both agree. A new
route, action or parameter is covered without an edit here, or fails the tests (good_value
knows no valid value for a parameter it has never seen, id_kind no kind for a new path)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import asyncssh

from app.rest.params import Param
from app.rest.v1 import RESOURCES
from tests.support.rest import PASSWORD


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    action: str | None
    params: tuple[Param, ...]
    auth: bool

    @property
    def id(self) -> str:
        resource = self.path.rsplit("/", 1)[-1]
        return f"{self.method}-{resource}" + (f"-{self.action}" if self.action else "")

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def where(self, param: Param) -> str:
        return "query" if param.in_query or self.method in {"GET", "DELETE"} else "body"


def calls() -> list[Call]:
    return [Call(method, resource.path, action.name, action.params, action.auth)
            for resource in RESOURCES for action in resource.actions
            for method in action.methods]


def string_params() -> list[tuple[Call, Param]]:
    """Every (call, parameter) that takes text (strings, names or codes, arrays of strings)."""
    return [(c, p) for c in calls() for p in c.params
            if p.type in {"string", "name_or_code", "array"}]


HMAC = base64.urlsafe_b64encode(b"k" * 32).decode().rstrip("=")
SSH_KEY = asyncssh.generate_private_key("ssh-ed25519").export_private_key().decode()
SSH_HOST_KEY = " ".join(asyncssh.generate_private_key("ssh-ed25519").export_public_key()
                        .decode().split()[:2])


def good_value(call: Call, param: Param, ids: dict[str, int], domain: str) -> Any:
    """A value of `param` the call accepts (ids: the acting user's, by kind)."""
    by_name: dict[str, Any] = {
        "email": "someone@example.com", "password": PASSWORD, "name": "Someone",
        "token": "not-a-real-token", "domain": f"sub.{domain}", "domains": [domain],
        "verification_method": "dns-01", "ca_provider": "letsencrypt",
        "challenge_type": "dns-01", "key_type": "ec-256", "auto_renew": True,
        "reason": "unspecified", "format": "pem", "status": "pending", "search": domain,
        "page": 1, "per_page": 20, "unread_only": False, "eab_kid": "kid-1",
        "eab_hmac_key": HMAC, "email_enabled": True,
        "webhook_url": "https://hooks.example.com/casp", "webhook_secret": "s" * 24,
        "types": ["expired"], "profile": "",  # the CA's default: valid for every CA
        "provider": "powerdns", "label": "home", "zone": domain,
        "credentials": {"auth_token": "k", "pdns_server": "https://pdns.example.com"},
        # deployments.php: an SSH target (the webhook's settings are left out: good_values)
        "kind": "ssh", "host": "deploy.example.com", "port": 22, "username": "deploy",
        "private_key": SSH_KEY, "host_key": SSH_HOST_KEY,
        "fullchain_path": "/etc/tls/fullchain.pem", "key_path": "/etc/tls/privkey.pem",
        "fullchain_mode": "0644", "key_mode": "0600", "reload_command": "nginx -s reload",
        "check_host": "www.example.com", "check_port": 443,
        "url": "https://hooks.example.com/deploy", "include_certificate": False,
        "fallback_ca_providers": ["zerossl"],
    }
    if param.name == "id":
        return ids[id_kind(call.path)]
    if param.name == "dns_credential_id":
        return ids["dns_credential"]
    if param.name == "certificate_id":
        return ids["certificate"]
    if call.action == "download" and param.name == "password":
        return "pfx-password"
    if param.name == "domain" and call.path.endswith("certificates.php"):
        return domain  # certificates.php's `domain`: the search filter
    if param.name not in by_name:
        raise AssertionError(f"{call.id}: no valid value known for the new parameter "
                             f"{param.name!r}: add one to catalog.good_value")
    return by_name[param.name]


def id_kind(path: str) -> str:
    """Which of a user's ids an `id` of this path is."""
    for suffix, kind in (("certificates.php", "certificate"), ("domains.php", "domain"),
                         ("notifications.php", "notification"), ("deployments.php", "target"),
                         ("account.php", "dns_credential")):
        if path.endswith(suffix):
            return kind
    raise AssertionError(f"{path} takes an id of a kind the robustness tests do not seed: "
                         "add it to catalog.id_kind and harness.seed")


def request(call: Call, values: dict[str, Any]) -> dict[str, Any]:
    """httpx arguments sending `values` where the document puts each parameter (a JSON body
    for the body ones)."""
    params: dict[str, Any] = {"action": call.action} if call.action else {}
    body: dict[str, Any] = {}
    for name, value in values.items():
        param = call.param(name)
        assert param is not None, (call.id, name)
        if call.where(param) == "query":
            params[name] = value
        else:
            body[name] = value
    kwargs: dict[str, Any] = {"method": call.method, "url": call.path, "params": params}
    if call.method not in {"GET", "DELETE"}:
        kwargs["json"] = body
    return kwargs


def good_values(call: Call, ids: dict[str, int], domain: str) -> dict[str, Any]:
    """A valid value for every parameter but the list filters (which would hide rows)."""
    return {p.name: good_value(call, p, ids, domain) for p in call.params
            if (p.required or call.where(p) == "body" or call.action == "download")
            and not (call.path.endswith("deployments.php") and p.name in WEBHOOK_ONLY)}


# An SSH target's good values must not carry a webhook's settings (refused as not its own).
WEBHOOK_ONLY = {"url", "include_certificate", "webhook_secret"}
