"""Where a user's notifications go besides the inbox: email and a webhook, per type."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from app import outbound
from app.errors import ValidationFailed
from app.runtime import current
from app.services.inputs import at_most, shown, unicode_text
from app.services.notifications import webhooks
from app.services.notifications.inbox import TYPES
from app.wording import Input, listed
from models.notification import NotificationSettings
from models.user import User

SECRET_MIN, SECRET_MAX = 16, 200


@dataclass(frozen=True)
class DeliverySettings:
    email_enabled: bool
    email: str
    webhook_url: str | None
    webhook_secret: str | None
    types: list[str]

    def channels_for(self, type: str) -> list[str]:
        """The channels a notification of this type goes out on."""
        if type not in self.types:
            return []
        return [name for name, on in (("email", self.email_enabled),
                                      ("webhook", bool(self.webhook_url))) if on]


def _view(user: User, row: NotificationSettings | None) -> DeliverySettings:
    if row is None:  # never changed: mail for every type, no webhook
        return DeliverySettings(True, user.email, None, None, list(TYPES))
    secret = row.webhook_secret_encrypted
    return DeliverySettings(row.email_enabled, user.email, row.webhook_url,
                            current().box.decrypt(secret).decode() if secret else None,
                            list(row.types))


async def get(*, user: User) -> DeliverySettings:
    return _view(user, await NotificationSettings.get_or_none(user=user))


async def update(*, user: User, email_enabled: bool | None = None,
                 webhook_url: str | None = None, webhook_secret: str | None = None,
                 types: list[str] | None = None) -> DeliverySettings:
    """Change the fields given (None leaves one as it is); an empty webhook_url removes the
    webhook and its secret."""
    _check_text(webhook_url, webhook_secret)
    row = await NotificationSettings.get_or_none(user=user) or NotificationSettings(
        user=user, types=list(TYPES))
    if email_enabled is not None:
        row.email_enabled = email_enabled
    if types is not None:
        row.types = _check_types(types)
    if webhook_url is not None:
        await _set_webhook(row, webhook_url.strip())
    if webhook_secret:
        _set_secret(row, webhook_secret)
    row.updated_at = current().clock.now()
    await row.save()
    return _view(user, row)


def _check_text(webhook_url: str | None, webhook_secret: str | None) -> None:
    """What needs no lookup, before any: Unicode text, the lengths."""
    for name, text in (("webhook_url", webhook_url), ("webhook_secret", webhook_secret)):
        if isinstance(text, str):
            unicode_text(text, name)
    at_most(webhook_url, webhooks.MAX_URL, "webhook_url")
    at_most(webhook_secret, SECRET_MAX, "webhook_secret")  # REST's words, for parity
    if webhook_secret and len(webhook_secret) < SECRET_MIN:
        raise ValidationFailed(f"{Input('webhook_secret')} must be {SECRET_MIN} to {SECRET_MAX} "
                               "characters", field="webhook_secret")


def _check_types(given: list[str]) -> list[str]:
    # A comma string ("expired,revoked") arrives as one item: split it too.
    wanted = {part.strip() for item in given for part in item.split(",") if part.strip()}
    unknown = sorted(wanted - set(TYPES))
    if unknown:
        raise ValidationFailed(f"unknown notification type {shown(unknown[0])}; known types: "
                               f"{listed(TYPES)}", field="types")
    return [t for t in TYPES if t in wanted]


async def _set_webhook(row: NotificationSettings, url: str) -> None:
    if not url:
        row.webhook_url = row.webhook_secret_encrypted = None
        return
    try:
        target = webhooks.parse_url(url)
    except ValueError as exc:
        raise ValidationFailed(f"{Input('webhook_url')} {exc}", field="webhook_url") from exc
    if not current().settings.webhook_allow_private:  # checked again at each delivery
        try:
            await outbound.public_addresses(target.host, target.port, allow_private=False)
        except outbound.OutboundError as exc:
            raise ValidationFailed(f"{Input('webhook_url')}: {exc}", field="webhook_url") from exc
    row.webhook_url = url
    if row.webhook_secret_encrypted is None:  # the first URL: make a secret to sign with
        row.webhook_secret_encrypted = current().box.encrypt(secrets.token_urlsafe(32))


def _set_secret(row: NotificationSettings, secret: str) -> None:
    if not row.webhook_url:
        raise ValidationFailed(f"{Input('webhook_secret')} needs a {Input('webhook_url')}",
                               field="webhook_secret")
    row.webhook_secret_encrypted = current().box.encrypt(secret)
