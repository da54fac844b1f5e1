"""What the operator does from the command line (`casp user ...`): add, list, disable and
enable accounts, whatever CASP_REGISTRATION says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.errors import NotFound
from app.runtime import current
from app.services.accounts.users import api_token_of, create_user, replace_token
from app.services.inputs import normalize_email
from models.user import User


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    email: str
    name: str
    email_verified: bool
    disabled: bool
    created_at: datetime


async def add_user(*, email: str, password: str, name: str | None = None) -> tuple[User, str]:
    """A new, verified account: the operator vouches for the address. Answers its token."""
    user = await create_user(email=email, password=password, name=name, verified=True)
    return user, api_token_of(user)


async def list_users() -> list[UserRow]:
    return [UserRow(u.id, u.email, u.name, u.email_verified, u.disabled, u.created_at)
            for u in await User.all().order_by("id")]


async def set_disabled(*, email: str, disabled: bool) -> User:
    """Disable (or enable) an account. Disabling also replaces its API token, which closes
    its WebSockets in every process: nothing the user held works any more."""
    user = await User.get_or_none(email=normalize_email(email))
    if user is None:
        raise NotFound(f"no account with the email {email}")
    user.disabled = disabled
    if disabled:
        await replace_token(user, "disabled")
    else:
        user.updated_at = current().clock.now()
        await user.save(update_fields=["disabled", "updated_at"])
    return user
