"""GraphQL's DNS provider fields: the providers, the user's credentials, and a domain's
choice of one; the same services as REST's account.php and domains.php actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from app.services import messages
from app.services.dnsproviders import catalogue, credentials
from app.services.dnsproviders import domains as provider_domains
from app.services.domains.names import MAX_TYPED
from schema.context import Info
from schema.types.account import MessagePayload
from schema.types.dns_provider import DnsCredential, DnsCredentialCheck, DnsProvider
from schema.types.domain import Domain

CREDENTIAL_ID = strawberry.argument(description="The DNS credential's id")


@strawberry.type
class DnsProviderQueries:
    @strawberry.field(description="The DNS providers casp can write dns-01 records through, "
                                  "with each one's credential fields")
    async def dns_providers(self, info: Info) -> list[DnsProvider]:
        await info.context.user()
        return [DnsProvider.of(p) for p in catalogue.providers().values()]

    @strawberry.field(description="Your DNS credentials (never their fields)")
    async def dns_credentials(self, info: Info) -> list[DnsCredential]:
        views = await credentials.list_credentials(user=await info.context.user())
        return [DnsCredential.of(v) for v in views]


@strawberry.type
class DnsProviderMutations:
    @strawberry.mutation(description="Check a DNS provider credential with a harmless call, "
                                     "then store it encrypted; a failed check stores nothing")
    async def add_dns_credential(
            self, info: Info,
            provider: Annotated[str, strawberry.argument(description=(
                "The provider's name (dnsProviders lists them; at most "
                f"{credentials.MAX_PROVIDER} characters)"))],
            label: Annotated[str, strawberry.argument(description=(
                f"Your name for it (at most {credentials.MAX_LABEL} characters)"))],
            zone: Annotated[str, strawberry.argument(description=(
                "A DNS zone the credential manages: the check reads it (at most "
                f"{MAX_TYPED} characters)"))],
            credentials_: Annotated[JSON, strawberry.argument(
                name="credentials", description=(
                    "The provider's fields as a JSON object of strings (at most "
                    f"{credentials.MAX_FIELDS}, each at most {credentials.MAX_VALUE} "
                    "characters)"))],
            ) -> DnsCredential:
        return DnsCredential.of(await credentials.create_credential(
            user=await info.context.user(), provider=provider, label=label, zone=zone,
            credentials=cast("Mapping[str, Any]", credentials_)))

    @strawberry.mutation(description="Check a stored DNS credential now")
    async def check_dns_credential(self, info: Info,
                                   id: Annotated[int, CREDENTIAL_ID]) -> DnsCredentialCheck:
        return DnsCredentialCheck.of(await credentials.check_credential(
            user=await info.context.user(), id=id))

    @strawberry.mutation(description="Delete a DNS credential (records still written with it "
                                     "are removed first; its domains go back to delegation "
                                     "or manual records)")
    async def delete_dns_credential(self, info: Info,
                                    id: Annotated[int, CREDENTIAL_ID]) -> MessagePayload:
        await credentials.delete_credential(user=await info.context.user(), id=id)
        return MessagePayload(message=messages.DNS_CREDENTIAL_DELETED)

    @strawberry.mutation(description="Write a dns-01 domain's TXT records through one of your "
                                     "DNS credentials (dns_provider mode), or stop (null)")
    async def set_domain_dns_credential(
            self, info: Info,
            id: Annotated[int, strawberry.argument(description="The domain's id")],
            dns_credential_id: Annotated[int | None, strawberry.argument(
                description="One of your DNS credentials; null goes back to delegation or "
                            "manual records")] = None,
            ) -> Domain:
        return Domain.of(await provider_domains.set_dns_credential(
            user=await info.context.user(), id=id, dns_credential_id=dns_credential_id))
