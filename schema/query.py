from __future__ import annotations

import strawberry

from app.services import accounts
from schema.context import Info
from schema.types.account import Account


@strawberry.type
class Query:
    @strawberry.field(description="The account of the bearer token.")
    async def me(self, info: Info) -> Account:
        return Account.of(accounts.account_of(await info.context.user()))
