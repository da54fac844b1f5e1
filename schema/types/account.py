"""Account types. Field names are camelCase (Strawberry's default)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services.accounts.users import Account as AccountView


@strawberry.type(description="The account of the bearer token: who you are and your API token")
class Account:
    id: int = strawberry.field(description="The account's id (REST's user_id)")
    email: str = strawberry.field(description="The login email, in lower case")
    name: str = strawberry.field(description="The display name given at registration (may be "
                                             "empty)")
    email_verified: bool = strawberry.field(
        description="Whether the email was confirmed with the mailed token (verifyEmail)")
    api_token: str = strawberry.field(
        description="The bearer token of this account; regenerateApiToken replaces it")
    created_at: datetime = strawberry.field(description="When the account was registered")

    @classmethod
    def of(cls, view: AccountView) -> Account:
        return cls(id=view.user_id, email=view.email, name=view.name,
                   email_verified=view.email_verified, api_token=view.token,
                   created_at=view.created_at)


@strawberry.type(description="A new account: confirm its email with verifyEmail next")
class RegisterPayload:
    user_id: int = strawberry.field(description="The new account's id")
    verify_token: str = strawberry.field(
        description="The email verification token (also mailed); give it to verifyEmail")


@strawberry.type(description="A successful login")
class LoginPayload:
    user_id: int = strawberry.field(description="The account's id")
    email: str = strawberry.field(description="The account's email")
    token: str = strawberry.field(
        description="The API token: send it as 'Authorization: Bearer <token>'")


@strawberry.type(description="An email confirmed")
class VerifyEmailPayload:
    user_id: int = strawberry.field(description="The account whose email is now confirmed")
    email: str = strawberry.field(description="The confirmed email")
    email_verified: bool = strawberry.field(description="Always true")


@strawberry.type(description="A password set anew with a reset token")
class ResetPasswordPayload:
    user_id: int = strawberry.field(description="The account whose password changed")
    message: str = strawberry.field(description="A confirmation to show the user")


@strawberry.type(description="The outcome of a mutation that returns nothing else")
class MessagePayload:
    message: str = strawberry.field(description="What happened, to show the user")


@strawberry.type(description="A new API token")
class TokenPayload:
    token: str = strawberry.field(
        description="The new bearer token; the previous one stops working at once")
