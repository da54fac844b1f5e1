"""account.php: the account settings page of the seed ("view or regenerate the token")."""

from __future__ import annotations

from dataclasses import asdict

from starlette.responses import Response

from app.rest.dispatch import Action, Alias, Call, Resource
from app.rest.envelope import ok
from app.rest.params import Param
from app.rest.v1 import dns_providers
from app.rest.v1.schemas import (
    CA_NAME,
    CA_PARAM,
    EMAIL,
    ID,
    MAX_CA_NAME,
    SIX_CAS,
    STR,
    URI,
    enum,
    fields_of,
    named,
    nullable,
    obj,
    record,
)
from app.services import messages
from app.services.accounts import users as accounts
from app.services.accounts.users import Account
from app.services.certificates import acme_accounts, fallback
from app.services.certificates.cas import catalogue
from app.services.notifications import settings as notification_settings
from app.services.notifications import webhooks
from app.services.notifications.inbox import TYPES
from app.services.notifications.settings import SECRET_MAX, SECRET_MIN, DeliverySettings


async def show(call: Call) -> Response:
    account = accounts.account_of(call.me)
    data = asdict(account) | {"created_at": account.created_at.isoformat()}
    return ok(data)


async def regenerate_token(call: Call) -> Response:
    token = await accounts.regenerate_token(user=call.me)
    return ok({"token": token}, messages.TOKEN_REGENERATED)


async def set_eab(call: Call) -> Response:
    row = await acme_accounts.set_eab(user=call.me, **call.params)
    return ok({"ca_provider": row.ca_provider, "eab_kid": row.kid}, messages.EAB_SAVED)


async def show_fallback(call: Call) -> Response:
    order = await fallback.default_order(user=call.me)
    return ok({"fallback_ca_providers": order})


async def set_fallback(call: Call) -> Response:
    order = await fallback.set_default_order(user=call.me,
                                             ca_providers=call.params["fallback_ca_providers"])
    return ok({"fallback_ca_providers": order}, messages.CA_FALLBACK_SAVED)


async def show_notification_settings(call: Call) -> Response:
    prefs = await notification_settings.get(user=call.me)
    return ok(asdict(prefs))


async def update_notification_settings(call: Call) -> Response:
    prefs = await notification_settings.update(user=call.me, **call.params)
    return ok(asdict(prefs), messages.NOTIFICATION_SETTINGS_SAVED)


DELIVERY_PARAMS = (
    Param("email_enabled", "boolean", description="Mail each notification to you"),
    Param("webhook_url", max_length=webhooks.MAX_URL,
          description="http(s) URL to POST notifications to; empty removes the webhook"),
    Param("webhook_secret", max_length=SECRET_MAX, credential=True, description=(
        f"{SECRET_MIN} to {SECRET_MAX} characters signing the webhook's body (HMAC-SHA256); "
        "one is made when a URL is first set")),
    Param("types", "array", max_length=20, description=(
        f"The notification types delivered (all by default): {', '.join(TYPES)}")),
)
DELIVERY_DATA = named("NotificationSettings", "Where notifications go besides the inbox",
                      record(fields_of(DeliverySettings, override={
                          "email": EMAIL, "webhook_url": nullable(URI),
                          "types": {"type": "array", "items": enum(TYPES)}})))
SHOW = Action(("GET",), None, show, "Account settings, with the API token",
              data=named("Account", "Your account, with the API token", record(fields_of(
                  Account, override={"user_id": ID, "email": EMAIL}))), secret=True)
REGENERATE = Action(("POST",), "regenerate-token", regenerate_token,
                    "Replace the API token; the old one stops working at once",
                    data=named("NewToken", "The new API token", obj(token=STR)), secret=True)
SET_EAB = Action(
    ("POST",), "set-eab", set_eab, "Store External Account Binding credentials for a CA",
    params=(Param("ca_provider", required=True, max_length=MAX_CA_NAME,
                  examples=SIX_CAS, choices=catalogue,
                  description="The CA these credentials are for: " + CA_PARAM),
            Param("eab_kid", required=True, max_length=acme_accounts.MAX_KID,
                  description="The key id the CA gave you"),
            Param("eab_hmac_key", required=True, max_length=acme_accounts.MAX_HMAC_KEY,
                  credential=True, description="The HMAC key the CA gave you (base64url)")),
    data=named("EabSaved", "The CA and key id stored (never the key)",
               obj(ca_provider=CA_NAME, eab_kid=STR)))
FALLBACK_DATA = named("CaFallback", "The CAs your requests fall back to, in turn, when not "
                      "given fallback_ca_providers", obj(fallback_ca_providers={
                          "type": "array", "items": CA_NAME}))
SHOW_FALLBACK = Action(("GET",), "ca-fallback", show_fallback,
                       "Your default order of fallback CAs", data=FALLBACK_DATA)
SET_FALLBACK = Action(
    ("POST",), "ca-fallback", set_fallback, "Set your default order of fallback CAs: when a "
    "request's CA fails for reasons of its own (unreachable, rate limited, account or EAB "
    "refused), the next is tried", data=FALLBACK_DATA, params=(
        Param("fallback_ca_providers", "array", required=True,
              max_length=fallback.MAX_FALLBACKS, description=(
                  "CA names in the order to try them; [] for none")),))
SHOW_DELIVERY = Action(
    ("GET",), "notification-settings", show_notification_settings,
    "Where notifications go besides the inbox (email, webhook), with the webhook secret",
    data=DELIVERY_DATA, secret=True)
UPDATE_DELIVERY = Action(
    ("POST",), "notification-settings", update_notification_settings,
    "Change the notification deliveries; fields left out stay as they are",
    params=DELIVERY_PARAMS, data=DELIVERY_DATA, secret=True)
RESOURCE = Resource("/api/v1/account.php",
                    (SHOW, REGENERATE, SET_EAB, SHOW_DELIVERY, UPDATE_DELIVERY, SHOW_FALLBACK,
                     SET_FALLBACK, *dns_providers.ACTIONS))
ALIASES = (
    Alias("GET", "/api/v1/account", SHOW, "getAccount"),
    Alias("POST", "/api/v1/account/token", REGENERATE, "regenerateToken"),
    Alias("POST", "/api/v1/account/eab", SET_EAB, "setEab"),
    Alias("GET", "/api/v1/account/notification-settings", SHOW_DELIVERY,
          "getNotificationSettings"),
    Alias("POST", "/api/v1/account/notification-settings", UPDATE_DELIVERY,
          "updateNotificationSettings"),
    Alias("GET", "/api/v1/account/ca-fallback", SHOW_FALLBACK, "getCaFallback"),
    Alias("POST", "/api/v1/account/ca-fallback", SET_FALLBACK, "setCaFallback"),
    *dns_providers.ALIASES,
)
