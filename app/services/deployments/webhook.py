"""Webhook targets: a signed JSON POST (the notifications' signature, X-Casp-Signature) that
a certificate was issued or renewed; with include_certificate, carrying the full chain and
the key, for a receiver that installs them itself (use an https:// URL then)."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx

from app import outbound
from app.errors import ValidationFailed
from app.runtime import current
from app.services.deployments.kinds import Bundle, DeployFailed, Spec
from app.services.notifications import webhooks
from app.wording import Input

EVENT = "certificate_deployed"
MIN_SECRET, MAX_SECRET = 16, 200


class WebhookKind:
    name: str = "webhook"
    fields: tuple[str, ...] = ("url", "include_certificate", "check_host", "check_port")

    def settings(self, given: dict[str, Any], old: dict[str, Any] | None,
                 secret: str | None) -> tuple[dict[str, Any], str | None]:
        from app.services.deployments import fields as f

        url = f.text(str(f.required(f.pick(given, old, "url"), "url")), "url", webhooks.MAX_URL)
        try:
            webhooks.parse_url(url)
        except ValueError as exc:
            raise ValidationFailed(f"{Input('url')} {exc}", field="url") from exc
        check_host = f.pick(given, old, "check_host")
        config = {"url": url,
                  "include_certificate": bool(f.pick(given, old, "include_certificate", False)),
                  "check_host": f.host(check_host, "check_host") if check_host else None,
                  "check_port": f.port(f.pick(given, old, "check_port", 443), "check_port")}
        if secret is None:
            secret = secrets.token_urlsafe(32)
        if not MIN_SECRET <= len(secret) <= MAX_SECRET:
            raise ValidationFailed(f"{Input('webhook_secret')} must be {MIN_SECRET} to "
                                   f"{MAX_SECRET} characters",
                                   field="webhook_secret")
        return config, secret

    def check_address(self, config: dict[str, Any]) -> tuple[str, int] | None:
        return (config["check_host"], config["check_port"]) if config.get("check_host") \
            else None

    async def deploy(self, spec: Spec, bundle: Bundle) -> dict[str, Any]:
        target = webhooks.parse_url(spec.config["url"])
        try:
            addresses = await outbound.public_addresses(
                target.host, target.port, current().settings.allow_private_targets)
        except outbound.PrivateAddress as exc:
            raise DeployFailed(str(exc), retry=False) from exc
        except outbound.Unresolvable as exc:
            raise DeployFailed(str(exc)) from exc
        body = _body(spec, bundle)
        assert spec.secret is not None
        headers = {"Content-Type": "application/json", "User-Agent": webhooks.USER_AGENT,
                   webhooks.SIGNATURE_HEADER: webhooks.sign(spec.secret, body),
                   webhooks.EVENT_HEADER: EVENT,
                   webhooks.DELIVERY_HEADER: f"{spec.id}-{bundle.certificate_id}-"
                                             f"{bundle.serial}"}
        try:
            response = await webhooks.post(target, addresses, headers, body)
        except httpx.HTTPError as exc:
            raise DeployFailed(f"{target.host}: {exc!r}") from exc
        if not 200 <= response.status_code < 300:
            raise DeployFailed(f"{target.host} answered {response.status_code}")
        return {}


def _body(spec: Spec, bundle: Bundle) -> bytes:
    data: dict[str, Any] = {
        "event": EVENT, "target_id": spec.id, "certificate_id": bundle.certificate_id,
        "domains": bundle.domains, "serial": bundle.serial, "expires_at": bundle.expires_at,
        "sent_at": current().clock.now().isoformat()}
    if spec.config.get("include_certificate"):
        data |= {"fullchain_pem": bundle.fullchain_pem, "key_pem": bundle.key_pem}
    return json.dumps(data, separators=(",", ":")).encode()


KIND = WebhookKind()
