"""Accounts: registration, email verification, login, password reset, API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from tortoise.exceptions import IntegrityError

from app.crypto import new_token, token_hash
from app.errors import Unauthorized, ValidationFailed
from app.events import UserEvent
from app.runtime import current
from app.services import messages, rows
from app.services.accounts import account_mails, one_time_tokens
from app.services.inputs import (
    MAX_PASSWORD,
    MAX_TOKEN,
    check_password,
    clean_name,
    normalize_email,
    required_text,
)
from models.user import OneTimeToken, User

TOKEN_PREFIX = "casp_"  # noqa: S105 (a prefix, not a secret)
BAD_LOGIN = "Invalid email or password"
BAD_TOKEN = "Invalid or revoked API token"  # noqa: S105 (a message, not a secret)
DISABLED = "This account is disabled; ask the operator of this server"
REGISTRATION_CLOSED = ("Registration is closed on this server: ask its operator for an "
                       "account")


@dataclass(frozen=True)
class Account:
    user_id: int
    email: str
    name: str
    email_verified: bool
    token: str
    created_at: datetime


class _TokenFields(TypedDict):
    token_hash: str
    token_encrypted: str


def _token_fields(token: str) -> _TokenFields:
    return {"token_hash": token_hash(token), "token_encrypted": current().box.encrypt(token)}


def api_token_of(user: User) -> str:
    return current().box.decrypt(user.token_encrypted).decode()


def account_of(user: User) -> Account:
    return Account(user.id, user.email, user.name, user.email_verified, api_token_of(user),
                   user.created_at)


async def register(*, email: str | None, password: str | None, name: str | None,
                   client_ip: str | None = None) -> tuple[User, str]:
    """Create an account; answers the user and the email verification token (as the seed).
    With CASP_REGISTRATION=closed, only the operator adds accounts (`casp user add`)."""
    rt = current()
    if rt.settings.registration == "closed":
        raise ValidationFailed(REGISTRATION_CLOSED)
    email = normalize_email(email)
    await rt.limiter.guard_auth("register", email=email, client_ip=client_ip)
    user = await create_user(email=email, password=password, name=name)
    verify_token = await one_time_tokens.issue(user, OneTimeToken.VERIFY_EMAIL)
    rt.spawn(account_mails.send_verification(user.email, verify_token), "mail:verify")
    return user, verify_token


async def create_user(*, email: str | None, password: str | None, name: str | None,
                      verified: bool = False) -> User:
    """A new account with its first API token (register, and the operator's `user add`)."""
    email = normalize_email(email)
    password = check_password(password)
    name = clean_name(name)
    if await User.exists(email=email):
        raise ValidationFailed("an account with this email already exists", field="email")
    rt = current()
    now = rt.clock.now()
    try:
        return await User.create(
            email=email, name=name, password_hash=await rt.passwords.hash(password),
            email_verified=verified, created_at=now, updated_at=now,
            **_token_fields(new_token(TOKEN_PREFIX)))
    except IntegrityError as exc:  # the same email registered a moment ago
        raise ValidationFailed("an account with this email already exists",
                               field="email") from exc


async def verify_email(*, token: str | None) -> User:
    user = await one_time_tokens.consume(required_text(token, "token", MAX_TOKEN),
                                         OneTimeToken.VERIFY_EMAIL)
    if not user.email_verified:
        user.email_verified = True
        user.updated_at = current().clock.now()
        await user.save(update_fields=["email_verified", "updated_at"])
    return user


async def login(*, email: str | None, password: str | None,
                client_ip: str | None = None) -> tuple[User, str]:
    """Check the password; unknown email and wrong password look and take the same."""
    rt = current()
    email = normalize_email(email)
    required_text(password, "password", MAX_PASSWORD)
    await rt.limiter.guard_auth("login", email=email, client_ip=client_ip)
    user = await User.get_or_none(email=email)
    ok = await rt.passwords.verify(user.password_hash if user else None, password or "")
    if user is None or not ok:
        raise Unauthorized(BAD_LOGIN)
    if user.disabled:  # said only to whoever knows the password
        raise Unauthorized(DISABLED)
    if rt.passwords.needs_rehash(user.password_hash):
        user.password_hash = await rt.passwords.hash(password or "")
        await user.save(update_fields=["password_hash"])
    return user, api_token_of(user)


async def forgot_password(*, email: str | None, client_ip: str | None = None) -> str:
    """Always the same answer; the mail goes out only when the account exists."""
    rt = current()
    email = normalize_email(email)
    await rt.limiter.guard_auth("forgot-password", email=email, client_ip=client_ip)
    user = await User.get_or_none(email=email)
    if user is not None:
        token = await one_time_tokens.issue(user, OneTimeToken.RESET_PASSWORD)
        rt.spawn(account_mails.send_password_reset(user.email, token), "mail:reset")
    return messages.FORGOT_PASSWORD


async def reset_password(*, token: str | None, password: str | None,
                         client_ip: str | None = None) -> User:
    rt = current()
    token = required_text(token, "token", MAX_TOKEN)
    await rt.limiter.guard_auth("reset-password", email=None, client_ip=client_ip)
    password = check_password(password)
    user = await one_time_tokens.consume(token, OneTimeToken.RESET_PASSWORD)
    user.password_hash = await rt.passwords.hash(password)
    # A new password retires the API token too: whoever held the account before the reset
    # (a stranger who registered the address first, say) keeps nothing.
    await replace_token(user, "password_hash")
    return user


async def user_of_token(token: str) -> User | None:
    """The user whose API token this is, or None (app/auth.py decides what that means for
    the request). In fixed SQL (services/rows.py): nearly every request makes this read, and
    the ORM's query building took 0.46 ms of CPU against 0.2 ms (docs/benchmarks.md)."""
    found = await rows.select(User, {"token_hash": token_hash(token)})  # unique: one or none
    return found[0] if found and not found[0].disabled else None


async def regenerate_token(*, user: User) -> str:
    """A new API token; the old one stops working with this write, everywhere."""
    return await replace_token(user)


async def replace_token(user: User, *also: str) -> str:
    """Store a new API token (and the fields `also` named), then tell every process that
    the old one is retired: its open WebSockets close (schema/websocket.py)."""
    token = new_token(TOKEN_PREFIX)
    fields = _token_fields(token)
    user.token_hash, user.token_encrypted = fields["token_hash"], fields["token_encrypted"]
    user.updated_at = current().clock.now()
    await user.save(update_fields=["token_hash", "token_encrypted", "updated_at", *also])
    await current().events.publish(UserEvent.tokens_retired(user.id))
    return token
