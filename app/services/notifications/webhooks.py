"""Webhook deliveries: a JSON POST signed with HMAC-SHA256 over the raw body.

The receiver checks `X-Casp-Signature: sha256=<hex>` against its own HMAC of the body with
the secret shown by account.php?action=notification-settings."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from app import outbound
from app.runtime import current
from models.notification import Notification

USER_AGENT = "casp/0.1"
SIGNATURE_HEADER = "X-Casp-Signature"
EVENT_HEADER = "X-Casp-Event"
DELIVERY_HEADER = "X-Casp-Delivery"
MAX_URL = 2000
TIMEOUT_SECONDS = 10


class WebhookFailed(Exception):
    """The receiver could not be reached or did not answer 2xx: worth trying again."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query string


def parse_url(url: str) -> Target:
    """The parts casp connects to; ValueError says what is wrong with the URL."""
    if len(url) > MAX_URL:
        raise ValueError(f"must be at most {MAX_URL} characters")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise ValueError("must not contain spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValueError("must be an http:// or https:// URL")
    if "@" in parts.netloc:  # credentials in a URL end up in logs; use the secret instead
        raise ValueError("must not contain a user name or password")
    if not parts.hostname:
        raise ValueError("must name a host")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise ValueError("has an invalid port") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme.lower(), _ascii(parts.hostname), port, path)


def _ascii(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError("has a host name that is not valid") from exc


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(note: Notification, attempt: int) -> bytes:
    """What is posted: the notification, without the user's id (the secret says whose)."""
    return json.dumps({
        "id": note.id, "type": note.type, "title": note.title, "message": note.message,
        "certificate_id": note.certificate_id, "created_at": note.created_at.isoformat(),
        "delivered_at": current().clock.now().isoformat(), "attempt": attempt,
    }, separators=(",", ":")).encode()


async def deliver(note: Notification, *, url: str, secret: str, attempt: int) -> int:
    """POST the notification; answers the status. Raises outbound.PrivateAddress (not worth
    retrying) or WebhookFailed."""
    target = parse_url(url)
    allow = current().settings.webhook_allow_private
    try:
        addresses = await outbound.public_addresses(target.host, target.port, allow)
    except outbound.Unresolvable as exc:
        raise WebhookFailed(str(exc)) from exc
    body = body_of(note, attempt)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               SIGNATURE_HEADER: sign(secret, body), EVENT_HEADER: note.type,
               DELIVERY_HEADER: str(note.id)}
    try:
        response = await post(target, addresses, headers, body)
    except httpx.HTTPError as exc:
        raise WebhookFailed(f"{target.host}: {exc!r}") from exc
    # Only 2xx delivers. Every other answer is retried, 4xx included: a receiver's mistake
    # (a 404 during a deploy, a 401 while its secret is rotated) is often fixed in the day.
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(f"{target.host} answered {response.status_code}")
    return response.status_code


async def post(target: Target, addresses: list[str], headers: dict[str, str],
                body: bytes) -> httpx.Response:
    """To each checked address in turn until one takes the connection (IPv6, then IPv4)."""
    send = functools.partial(
        outbound.fetch, "POST", scheme=target.scheme, host=target.host, port=target.port,
        target=target.path, headers=headers, content=body, seconds=TIMEOUT_SECONDS)
    *others, last = addresses
    for address in others:
        with contextlib.suppress(httpx.ConnectError):
            return await send(address=address)
    return await send(address=last)
