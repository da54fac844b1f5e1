"""ACME accounts (one per user, CA and directory, its key encrypted at rest) and EAB
credentials (per user and CA, a platform-wide fallback, ZeroSSL's e-mail endpoint)."""

from __future__ import annotations

import base64
import binascii
import logging

import httpx
from tortoise.exceptions import IntegrityError

from app.acme.interface import USER_AGENT, Account
from app.acme.keys import account_key_to_json, new_account_key
from app.errors import ValidationFailed
from app.runtime import current
from app.services.certificates.cas import CA, get_ca, pick
from app.services.inputs import token_text
from app.wording import Action, Input
from models.acme_account import AcmeAccount, EabCredential
from models.user import User

log = logging.getLogger(__name__)


def _check_hmac(value: str) -> str:
    value = value.strip()
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(f"{Input('eab_hmac_key')} must be base64url",
                               field="eab_hmac_key") from exc
    if len(raw) < 16:
        raise ValidationFailed(f"{Input('eab_hmac_key')} is too short to be an HMAC key",
                               field="eab_hmac_key")
    return value


MAX_KID, MAX_HMAC_KEY = 300, 500


async def set_eab(*, user: User, ca_provider: str | None, eab_kid: str | None,
                  eab_hmac_key: str | None, ca_name: str | None = None) -> EabCredential:
    ca = pick(ca_provider, ca_name)
    if not ca.eab_accepted:
        raise ValidationFailed(f"{ca.title} takes no External Account Binding (the operator "
                               f"set CASP_CA_{ca.name.upper()}_EAB=none)", field="ca_provider")
    if not eab_kid or not eab_kid.strip():
        raise ValidationFailed(f"{Input('eab_kid')} is required", field="eab_kid")
    if not eab_hmac_key:
        raise ValidationFailed(f"{Input('eab_hmac_key')} is required", field="eab_hmac_key")
    token_text(eab_kid.strip(), "eab_kid", MAX_KID)
    token_text(eab_hmac_key, "eab_hmac_key", MAX_HMAC_KEY)
    sealed = current().box.encrypt(_check_hmac(eab_hmac_key))
    row, _ = await EabCredential.update_or_create(
        user=user, ca_provider=ca.name,
        defaults={"kid": eab_kid.strip(), "hmac_encrypted": sealed,
                  "created_at": current().clock.now()})
    return row


async def list_eab(user: User) -> list[EabCredential]:
    """The user's stored EAB credentials, by CA name (the HMAC keys stay sealed)."""
    return await EabCredential.filter(user=user).order_by("ca_provider")


async def stored_eab(user: User, ca: CA) -> tuple[str, str] | None:
    row = await EabCredential.get_or_none(user=user, ca_provider=ca.name)
    if row is not None:
        return row.kid, current().box.decrypt(row.hmac_encrypted).decode()
    return current().settings.platform_eab.get(ca.name)


async def eab_for(user: User, ca: CA) -> tuple[str, str] | None:
    """The user's, else the platform's; for ZeroSSL, else fetched with the user's email."""
    found = await stored_eab(user, ca)
    if found is None and ca.name == "zerossl":
        found = await _zerossl_eab(user)
    return found


async def _zerossl_eab(user: User) -> tuple[str, str] | None:
    url = current().settings.zerossl_eab_url
    try:
        async with httpx.AsyncClient(timeout=20, headers={"User-Agent": USER_AGENT}) as client:
            response = await client.post(url, data={"email": user.email})
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("ZeroSSL EAB endpoint failed: %s", exc)
        return None
    if not data.get("success") or not data.get("eab_kid") or not data.get("eab_hmac_key"):
        log.warning("ZeroSSL EAB endpoint refused: %s", data.get("error") or data)
        return None
    await set_eab(user=user, ca_provider="zerossl", eab_kid=data["eab_kid"],
                  eab_hmac_key=data["eab_hmac_key"])
    return data["eab_kid"], data["eab_hmac_key"]


async def require_eab(user: User, ca: CA, directory_url: str,
                      field: str = "ca_provider") -> None:
    """A CA that needs EAB and has none for this user: refuse before any order."""
    ca_name = ca.name
    registered = await AcmeAccount.exists(user=user, ca_provider=ca_name,
                                          directory_url=directory_url,
                                          account_url__isnull=False)
    if registered or ca_name == "zerossl" or await stored_eab(user, ca):
        return
    needed = ca.eab_required or (ca.eab_accepted and
                                 await current().acme.external_account_required(directory_url))
    if needed:
        raise ValidationFailed(
            f"{ca.title} requires External Account Binding: set {Input('eab_kid')} and "
            f"{Input('eab_hmac_key')} with {Action.SET_EAB} (or CASP_EAB_{ca_name.upper()}_KID and "
            "_HMAC_KEY for everyone)", field=field)


async def account_row(user: User, ca: CA, directory_url: str) -> AcmeAccount:
    """The user's account at this CA and directory; its key is made on first use."""
    row = await AcmeAccount.get_or_none(user=user, ca_provider=ca.name,
                                        directory_url=directory_url)
    if row is not None:
        return row
    sealed = current().box.encrypt(account_key_to_json(new_account_key()))
    try:
        return await AcmeAccount.create(user=user, ca_provider=ca.name,
                                        directory_url=directory_url, key_encrypted=sealed,
                                        created_at=current().clock.now())
    except IntegrityError:  # made by a concurrent job a moment ago
        return await AcmeAccount.get(user=user, ca_provider=ca.name,
                                     directory_url=directory_url)


async def account_for(user: User, ca_name: str, directory_url: str) -> tuple[AcmeAccount,
                                                                              Account]:
    ca = get_ca(ca_name)
    row = await account_row(user, ca, directory_url)
    eab = None if row.account_url or not ca.eab_accepted else await eab_for(user, ca)
    key_json = current().box.decrypt(row.key_encrypted).decode()
    return row, Account(directory_url=directory_url, key_json=key_json, url=row.account_url,
                        email=user.email, eab=eab, eab_required=ca.eab_required)
