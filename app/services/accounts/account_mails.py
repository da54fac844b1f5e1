"""The texts of the mails casp sends about accounts."""

from __future__ import annotations

from urllib.parse import quote

from app.runtime import current


async def send_verification(to: str, token: str) -> None:
    base = current().settings.public_url
    # The dashboard's link carries the token after "#": browsers never send it to a server.
    page = f"{base}/#/verify-email?token={quote(token)}"
    link = f"{base}/api/v1/auth.php?action=verify-email&token={quote(token)}"
    body = (
        "Welcome to casp.\n\n"
        f"Confirm this email address by opening, in your browser:\n{page}\n\n"
        f"or from an API client, GET\n{link}\n\n"
        f"or POST {{\"token\": \"{token}\"}} to {base}/api/v1/auth.php?action=verify-email\n"
    )
    await current().mailer.send(to, "Confirm your email address", body)


async def send_password_reset(to: str, token: str) -> None:
    base = current().settings.public_url
    body = (
        "Someone asked to reset the password of this casp account.\n\n"
        f"Choose a new password in your browser:\n{base}/#/reset-password?token={quote(token)}\n\n"
        f"Reset token (valid for one hour, usable once):\n{token}\n\n"
        f"POST {{\"token\": \"...\", \"password\": \"...\"}} to "
        f"{base}/api/v1/auth.php?action=reset-password\n\n"
        "Resetting the password also replaces your API token: log in again for the new one; "
        "the old token stops working everywhere at once.\n\n"
        "If it was not you, ignore this mail; your password stays as it is.\n"
    )
    await current().mailer.send(to, "Reset your casp password", body)
