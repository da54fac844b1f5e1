"""Account types. Field names are camelCase (Strawberry's default)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services.accounts.users import Account as AccountView


@strawberry.type
class Account:
    id: int
    email: str
    name: str
    email_verified: bool
    api_token: str
    created_at: datetime

    @classmethod
    def of(cls, view: AccountView) -> Account:
        return cls(id=view.user_id, email=view.email, name=view.name,
                   email_verified=view.email_verified, api_token=view.token,
                   created_at=view.created_at)


@strawberry.type
class RegisterPayload:
    user_id: int
    verify_token: str


@strawberry.type
class LoginPayload:
    user_id: int
    email: str
    token: str


@strawberry.type
class VerifyEmailPayload:
    user_id: int
    email: str
    email_verified: bool


@strawberry.type
class ResetPasswordPayload:
    user_id: int
    message: str


@strawberry.type
class MessagePayload:
    message: str


@strawberry.type
class TokenPayload:
    token: str
