"""Mutations: everything REST v1 changes, through the same services."""

from __future__ import annotations

import strawberry

from app.services import messages
from app.services.accounts import users as accounts
from app.services.certificates import acme_accounts, renewal
from app.services.certificates import records as certificates
from app.services.domains import ownership as domains
from app.services.notifications import inbox as notifications
from app.services.notifications import settings as notification_settings
from schema.context import Info
from schema.types.account import (
    LoginPayload,
    MessagePayload,
    RegisterPayload,
    ResetPasswordPayload,
    TokenPayload,
    VerifyEmailPayload,
)
from schema.types.certificate import Certificate, RenewResult
from schema.types.domain import Domain, DomainVerification
from schema.types.enums import (
    CaProvider,
    ChallengeType,
    KeyType,
    NotificationType,
    RevocationReason,
    value,
)
from schema.types.notification import MarkReadResult, NotificationSettings


@strawberry.type
class EabCredentials:
    ca_provider: CaProvider
    eab_kid: str


@strawberry.type
class AccountMutations:
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
    async def reset_password(self, info: Info, token: str,
                             password: str) -> ResetPasswordPayload:
        user = await accounts.reset_password(token=token, password=password,
                                             client_ip=info.context.client_ip)
        return ResetPasswordPayload(user_id=user.id, message=messages.PASSWORD_RESET)

    @strawberry.mutation
    async def regenerate_api_token(self, info: Info) -> TokenPayload:
        token = await accounts.regenerate_token(user=await info.context.user())
        return TokenPayload(token=token)

    @strawberry.mutation(description="Store External Account Binding credentials for a CA")
    async def set_eab_credentials(self, info: Info,
                                  ca_provider: CaProvider,
                                  eab_kid: str, eab_hmac_key: str) -> EabCredentials:
        row = await acme_accounts.set_eab(user=await info.context.user(),
                                          ca_provider=value(ca_provider), eab_kid=eab_kid,
                                          eab_hmac_key=eab_hmac_key)
        return EabCredentials(ca_provider=CaProvider(row.ca_provider), eab_kid=row.kid)


@strawberry.type
class DomainMutations:
    @strawberry.mutation
    async def add_domain(self, info: Info, domain: str,
                         verification_method: ChallengeType | None = None,
                         ) -> Domain:
        view = await domains.add_domain(user=await info.context.user(), domain=domain,
                                        verification_method=value(verification_method))
        return Domain.of(view)

    @strawberry.mutation
    async def verify_domain(self, info: Info, id: int) -> DomainVerification:
        return DomainVerification.of(await domains.verify_domain(
            user=await info.context.user(), id=id))

    @strawberry.mutation
    async def delete_domain(self, info: Info, id: int) -> MessagePayload:
        await domains.delete_domain(user=await info.context.user(), id=id)
        return MessagePayload(message=messages.DOMAIN_DELETED)


@strawberry.type
class CertificateMutations:
    @strawberry.mutation(description="Request a certificate; issuance runs in the background")
    async def request_certificate(
            self, info: Info, domains: list[str],
            ca_provider: CaProvider,
            challenge_type: ChallengeType | None = None,
            key_type: KeyType | None = None,
            auto_renew: bool | None = None) -> Certificate:
        view = await certificates.request_certificate(
            user=await info.context.user(), ca_provider=value(ca_provider), domains=domains,
            challenge_type=value(challenge_type), key_type=value(key_type),
            auto_renew=auto_renew)
        return Certificate.of(view)

    @strawberry.mutation(description="Look for the manual dns-01 TXT records now")
    async def verify_certificate(self, info: Info, id: int) -> Certificate:
        return Certificate.of(await certificates.verify_certificate(
            user=await info.context.user(), id=id))

    @strawberry.mutation(description="Renew now; waits up to CASP_RENEW_WAIT_SECONDS")
    async def renew_certificate(self, info: Info, id: int) -> RenewResult:
        outcome = await renewal.renew_now(user=await info.context.user(), id=id)
        return RenewResult(certificate=Certificate.of(outcome.certificate),
                           finished=outcome.finished)

    @strawberry.mutation(description="Revoke at the CA")
    async def revoke_certificate(
            self, info: Info, id: int,
            reason: RevocationReason | None = None,
            ) -> Certificate:
        return Certificate.of(await certificates.revoke_certificate(
            user=await info.context.user(), id=id, reason=value(reason)))

    @strawberry.mutation(description="Delete the certificate and erase its key")
    async def delete_certificate(self, info: Info, id: int) -> MessagePayload:
        await certificates.delete_certificate(user=await info.context.user(), id=id)
        return MessagePayload(message=messages.CERTIFICATE_DELETED)


@strawberry.type
class NotificationMutations:
    @strawberry.mutation
    async def mark_notification_read(self, info: Info, id: int) -> MarkReadResult:
        count = await notifications.mark_read(user=await info.context.user(), id=id)
        return MarkReadResult(updated=count)

    @strawberry.mutation
    async def mark_all_notifications_read(self, info: Info) -> MarkReadResult:
        count = await notifications.mark_read(user=await info.context.user(), id="all")
        return MarkReadResult(updated=count)

    @strawberry.mutation(description="Change where notifications go; arguments left out "
                                     "stay as they are, an empty webhookUrl removes it")
    async def update_notification_settings(
            self, info: Info, email_enabled: bool | None = None,
            webhook_url: str | None = None, webhook_secret: str | None = None,
            types: list[NotificationType] | None = None,
            ) -> NotificationSettings:
        view = await notification_settings.update(
            user=await info.context.user(), email_enabled=email_enabled,
            webhook_url=webhook_url, webhook_secret=webhook_secret,
            types=None if types is None else [str(value(t)) for t in types])
        return NotificationSettings.of(view)


@strawberry.type
class Mutation(AccountMutations, DomainMutations, CertificateMutations,
               NotificationMutations):
    """All mutations, grouped by subject in the classes above."""
