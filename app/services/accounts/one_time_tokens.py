"""Mailed single-use tokens: issued as random strings, stored as hashes, consumed once."""

from __future__ import annotations

from datetime import timedelta

from app.crypto import new_token, token_hash
from app.errors import ValidationFailed
from app.runtime import current
from models.user import OneTimeToken, User

LIFETIME = {
    OneTimeToken.VERIFY_EMAIL: timedelta(days=7),
    OneTimeToken.RESET_PASSWORD: timedelta(hours=1),
}


async def issue(user: User, purpose: str) -> str:
    """A fresh token for `purpose`; earlier unused ones of that purpose stop working."""
    now = current().clock.now()
    await OneTimeToken.filter(user=user, purpose=purpose, used_at=None).update(used_at=now)
    token = new_token()
    await OneTimeToken.create(
        user=user, purpose=purpose, token_hash=token_hash(token),
        expires_at=now + LIFETIME[purpose], created_at=now,
    )
    return token


async def consume(token: str, purpose: str) -> User:
    """The token's user, marking the token used; a clear VALIDATION_ERROR when it is not valid."""
    now = current().clock.now()
    row = await OneTimeToken.get_or_none(token_hash=token_hash(token), purpose=purpose)
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise ValidationFailed("token is invalid, expired or already used", field="token")
    # The conditional update makes a token usable once even under concurrent requests.
    won = await OneTimeToken.filter(id=row.id, used_at=None).update(used_at=now)
    if not won:
        raise ValidationFailed("token is invalid, expired or already used", field="token")
    return await User.get(id=row.user_id)
