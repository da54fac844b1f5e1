"""Mutations: everything REST v1 changes, through the same services."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.services import inputs, messages
from app.services.accounts import users as accounts
from app.services.certificates import acme_accounts, fallback, renewal
from app.services.certificates import records as certificates
from app.services.certificates.profiles import MAX_PROFILE
from app.services.certificates.records import MAX_NAMES
from app.services.domains import ownership as domains
from app.services.domains.names import MAX_TYPED
from app.services.notifications import inbox as notifications
from app.services.notifications import settings as notification_settings
from app.services.notifications.webhooks import MAX_URL
from schema.context import Info
from schema.deployments import DeploymentMutations
from schema.dns_providers import DnsProviderMutations
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
    ca_enum,
    value,
)
from schema.types.notification import MarkReadResult, NotificationSettings


def described(text: str) -> object:
    """An argument's description, for Annotated[type, described("...")]."""
    return strawberry.argument(description=text)


EMAIL = described(f"The account's email (at most {inputs.MAX_EMAIL} characters)")
PASSWORD = described("At least 8 characters with a lower-case letter, an upper-case letter "
                     f"and a digit (at most {inputs.MAX_PASSWORD})")
MAILED_TOKEN = described(f"The one-time token from the mail (at most {inputs.MAX_TOKEN} "
                         "characters)")
CERTIFICATE_ID = described("The certificate's id")
DOMAIN_ID = described("The domain's id")
CA_NAME = described("Any CA by name (caProviders' caName: letsencrypt, ..., or one the "
                    "operator declared); the only way to name a custom CA")


@strawberry.type(description="External Account Binding credentials stored for a CA")
class EabCredentials:
    ca_provider: CaProvider = strawberry.field(
        description="The CA they are for (CUSTOM: an operator's CA, named in caName)")
    ca_name: str = strawberry.field(description="The CA they are for, by name")
    eab_kid: str = strawberry.field(
        description="The key id; the HMAC key is stored encrypted and never shown")

    @classmethod
    def of(cls, ca_name: str, kid: str) -> EabCredentials:
        return cls(ca_provider=ca_enum(ca_name), ca_name=ca_name, eab_kid=kid)


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="Create an account; a verification token is mailed (and "
                                     "returned). Refused when the operator closed "
                                     "registration")
    async def register(self, info: Info, email: Annotated[str, EMAIL],
                       password: Annotated[str, PASSWORD],
                       name: Annotated[str | None, described(
                           f"A display name (at most {inputs.MAX_NAME} characters)")] = None,
                       ) -> RegisterPayload:
        user, token = await accounts.register(email=email, password=password, name=name,
                                              client_ip=info.context.client_ip)
        return RegisterPayload(user_id=user.id, verify_token=token)

    @strawberry.mutation(description="Confirm an account's email with the token register mailed")
    async def verify_email(self, token: Annotated[str, MAILED_TOKEN]) -> VerifyEmailPayload:
        user = await accounts.verify_email(token=token)
        return VerifyEmailPayload(user_id=user.id, email=user.email, email_verified=True)

    @strawberry.mutation(description="Trade email and password for the account's API token")
    async def login(self, info: Info, email: Annotated[str, EMAIL],
                    password: Annotated[str, described("The account's password")],
                    ) -> LoginPayload:
        user, token = await accounts.login(email=email, password=password,
                                           client_ip=info.context.client_ip)
        return LoginPayload(user_id=user.id, email=user.email, token=token)

    @strawberry.mutation(description="Mail a password reset token, if an account has this "
                                     "email (the answer is the same either way)")
    async def forgot_password(self, info: Info,
                              email: Annotated[str, EMAIL]) -> MessagePayload:
        message = await accounts.forgot_password(email=email, client_ip=info.context.client_ip)
        return MessagePayload(message=message)

    @strawberry.mutation(description="Set a new password with the token forgotPassword mailed")
    async def reset_password(self, info: Info, token: Annotated[str, MAILED_TOKEN],
                             password: Annotated[str, PASSWORD]) -> ResetPasswordPayload:
        user = await accounts.reset_password(token=token, password=password,
                                             client_ip=info.context.client_ip)
        return ResetPasswordPayload(user_id=user.id, message=messages.PASSWORD_RESET)

    @strawberry.mutation(description="Replace your API token; the old one stops working at once")
    async def regenerate_api_token(self, info: Info) -> TokenPayload:
        token = await accounts.regenerate_token(user=await info.context.user())
        return TokenPayload(token=token)

    @strawberry.mutation(description="Store your External Account Binding credentials for a "
                                     "CA that needs them (caProviders' eabRequired)")
    async def set_eab_credentials(
            self, info: Info,
            eab_kid: Annotated[str, described(
                f"The key id the CA gave you (at most {acme_accounts.MAX_KID} characters)")],
            eab_hmac_key: Annotated[str, described(
                "The HMAC key the CA gave you, base64url (at most "
                f"{acme_accounts.MAX_HMAC_KEY} characters)")],
            ca_provider: Annotated[CaProvider | None, described(
                "The CA they are for (or caName)")] = None,
            ca_name: Annotated[str | None, CA_NAME] = None,
            ) -> EabCredentials:
        row = await acme_accounts.set_eab(user=await info.context.user(),
                                          ca_provider=value(ca_provider), eab_kid=eab_kid,
                                          eab_hmac_key=eab_hmac_key, ca_name=ca_name)
        return EabCredentials.of(row.ca_provider, row.kid)

    @strawberry.mutation(description="Set your default order of fallback CAs: when a "
                                     "request's CA fails for reasons of its own (unreachable, "
                                     "rate limited, account or EAB refused), the next is "
                                     "tried; never when validation fails")
    async def set_fallback_ca_providers(
            self, info: Info,
            ca_names: Annotated[list[str], described(
                "CA names (caName) in the order to try them; empty for none (at most "
                f"{fallback.MAX_FALLBACKS})")]) -> list[str]:
        return await fallback.set_default_order(user=await info.context.user(),
                                                ca_providers=ca_names)


@strawberry.type
class DomainMutations:
    @strawberry.mutation(description="Add a domain: certificates may then cover it and the "
                                     "names under it. Its instructions say what to set up")
    async def add_domain(self, info: Info,
                         domain: Annotated[str, described(
                             f"The name, such as example.com (at most {MAX_TYPED} characters), "
                             "or an IP address (HTTP_01 only); no wildcard")],
                         verification_method: Annotated[ChallengeType | None, described(
                             "The challenge to set up for (default DNS_01)")] = None,
                         ) -> Domain:
        view = await domains.add_domain(user=await info.context.user(), domain=domain,
                                        verification_method=value(verification_method))
        return Domain.of(view)

    @strawberry.mutation(description="Check the domain's setup and ownership proof now; a "
                                     "proof moves the name to you")
    async def verify_domain(self, info: Info,
                            id: Annotated[int, DOMAIN_ID]) -> DomainVerification:
        return DomainVerification.of(await domains.verify_domain(
            user=await info.context.user(), id=id))

    @strawberry.mutation(description="Delete a domain; refused while a pending or issued "
                                     "certificate uses it")
    async def delete_domain(self, info: Info,
                            id: Annotated[int, DOMAIN_ID]) -> MessagePayload:
        await domains.delete_domain(user=await info.context.user(), id=id)
        return MessagePayload(message=messages.DOMAIN_DELETED)


@strawberry.type
class CertificateMutations:
    @strawberry.mutation(description="Request a certificate; issuance runs in the background "
                                     "(follow it with certificateEvents)")
    async def request_certificate(
            self, info: Info,
            domains: Annotated[list[str], described(
                f"1 to {MAX_NAMES} names, each one of your domains or under one; wildcards "
                "(*.example.com) need DNS_01 or DNS_PERSIST_01, IP addresses (one of your "
                "domains) HTTP_01")],
            ca_provider: Annotated[CaProvider | None, described(
                "The CA to issue from (or caName)")] = None,
            challenge_type: Annotated[ChallengeType | None, described(
                "How the CA validates the names (default DNS_01; HTTP_01 only for names "
                "you hold; DNS_PERSIST_01 only from a CA that offers it)")] = None,
            key_type: Annotated[KeyType | None, described(
                "The key to make (default EC_256)")] = None,
            auto_renew: Annotated[bool | None, described(
                "Renew before expiry (default true)")] = None,
            profile: Annotated[str | None, described(
                "One of the CA's ACME profiles (caProviders' profiles), e.g. shortlived; the "
                f"CA's default when left out (at most {MAX_PROFILE} characters). Renewals "
                "keep it")] = None,
            ca_name: Annotated[str | None, CA_NAME] = None,
            fallback_ca_providers: Annotated[list[str] | None, described(
                "CAs by name (caName) to try in turn when the first fails for reasons of its "
                "own (unreachable, rate limited, account or EAB refused), never when "
                "validation fails; default: your fallbackCaProviders; empty for none")] = None,
            ) -> Certificate:
        view = await certificates.request_certificate(
            user=await info.context.user(), ca_provider=value(ca_provider), domains=domains,
            challenge_type=value(challenge_type), key_type=value(key_type),
            auto_renew=auto_renew, profile=profile, ca_name=ca_name,
            fallback_ca_providers=fallback_ca_providers)
        return Certificate.of(view)

    @strawberry.mutation(description="Manual DNS_01 records, of a PENDING certificate or of "
                                     "a renewal awaiting them (stage awaiting_dns): look "
                                     "for them now instead of at the next check")
    async def verify_certificate(self, info: Info,
                                 id: Annotated[int, CERTIFICATE_ID]) -> Certificate:
        return Certificate.of(await certificates.verify_certificate(
            user=await info.context.user(), id=id))

    @strawberry.mutation(description="Renew an issued or expired certificate now; waits for "
                                     "the result up to the server's renew wait "
                                     "(CASP_RENEW_WAIT_SECONDS)")
    async def renew_certificate(self, info: Info,
                                id: Annotated[int, CERTIFICATE_ID]) -> RenewResult:
        outcome = await renewal.renew_now(user=await info.context.user(), id=id)
        return RenewResult(certificate=Certificate.of(outcome.certificate),
                           finished=outcome.finished)

    @strawberry.mutation(description="Revoke an issued certificate at the CA")
    async def revoke_certificate(
            self, info: Info, id: Annotated[int, CERTIFICATE_ID],
            reason: Annotated[RevocationReason | None, described(
                "Why (default UNSPECIFIED)")] = None,
            ) -> Certificate:
        return Certificate.of(await certificates.revoke_certificate(
            user=await info.context.user(), id=id, reason=value(reason)))

    @strawberry.mutation(description="Delete the certificate and erase its key (it is not "
                                     "revoked)")
    async def delete_certificate(self, info: Info,
                                 id: Annotated[int, CERTIFICATE_ID]) -> MessagePayload:
        await certificates.delete_certificate(user=await info.context.user(), id=id)
        return MessagePayload(message=messages.CERTIFICATE_DELETED)


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(description="Mark one notification read")
    async def mark_notification_read(self, info: Info, id: Annotated[int, described(
            "The notification's id")]) -> MarkReadResult:
        count = await notifications.mark_read(user=await info.context.user(), id=id)
        return MarkReadResult(updated=count)

    @strawberry.mutation(description="Mark all your notifications read")
    async def mark_all_notifications_read(self, info: Info) -> MarkReadResult:
        count = await notifications.mark_read(user=await info.context.user(), id="all")
        return MarkReadResult(updated=count)

    @strawberry.mutation(description="Change where notifications go; arguments left out "
                                     "stay as they are, an empty webhookUrl removes it")
    async def update_notification_settings(
            self, info: Info,
            email_enabled: Annotated[bool | None, described(
                "Mail each notification to the account's email")] = None,
            webhook_url: Annotated[str | None, described(
                "An http(s) URL to POST each notification to, on a public address (at most "
                f"{MAX_URL} characters); empty removes the webhook")] = None,
            webhook_secret: Annotated[str | None, described(
                f"The secret that signs webhook bodies, {notification_settings.SECRET_MIN} to "
                f"{notification_settings.SECRET_MAX} characters (casp makes one with the first "
                "URL); needs a webhook URL")] = None,
            types: Annotated[list[NotificationType] | None, described(
                "The types to send by mail and webhook (the inbox gets all)")] = None,
            ) -> NotificationSettings:
        view = await notification_settings.update(
            user=await info.context.user(), email_enabled=email_enabled,
            webhook_url=webhook_url, webhook_secret=webhook_secret,
            types=None if types is None else [str(value(t)) for t in types])
        return NotificationSettings.of(view)


@strawberry.type(description="What you can change; every mutation but register, verifyEmail, "
                             "login, forgotPassword and resetPassword needs a bearer token")
class Mutation(AccountMutations, DomainMutations, CertificateMutations,
               NotificationMutations, DnsProviderMutations, DeploymentMutations):
    """All mutations, grouped by subject in the classes above."""
