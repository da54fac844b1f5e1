from __future__ import annotations

import strawberry

from app.services import accounts
from schema.context import Info
from schema.types.account import (
    LoginPayload,
    MessagePayload,
    RegisterPayload,
    TokenPayload,
    VerifyEmailPayload,
)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def register(self, info: Info, email: str, password: str,
                       name: str | None = None) -> RegisterPayload:
        user, token = await accounts.register(email=email, password=password, name=name,
                                              client_ip=info.context.client_ip)
        return RegisterPayload(user_id=user.id, verify_token=token)

    @strawberry.mutation
    async def verify_email(self, token: str) -> VerifyEmailPayload:
        user = await accounts.verify_email(token=token)
        return VerifyEmailPayload(user_id=user.id, email=user.email, email_verified=True)

    @strawberry.mutation
    async def login(self, info: Info, email: str, password: str) -> LoginPayload:
        user, token = await accounts.login(email=email, password=password,
                                           client_ip=info.context.client_ip)
        return LoginPayload(user_id=user.id, email=user.email, token=token)

    @strawberry.mutation
    async def forgot_password(self, info: Info, email: str) -> MessagePayload:
        message = await accounts.forgot_password(email=email, client_ip=info.context.client_ip)
        return MessagePayload(message=message)

    @strawberry.mutation
    async def reset_password(self, info: Info, token: str, password: str) -> MessagePayload:
        await accounts.reset_password(token=token, password=password,
                                      client_ip=info.context.client_ip)
        return MessagePayload(message="Password has been reset.")

    @strawberry.mutation
    async def regenerate_api_token(self, info: Info) -> TokenPayload:
        token = await accounts.regenerate_token(user=await info.context.user())
        return TokenPayload(token=token)
