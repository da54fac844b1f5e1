"""Mail over SMTP to a real server (aiosmtpd) on loopback: the reset mail arrives and works."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from app.config import Settings
from tests.support.app import running
from tests.support.mail import Inbox, reset_token_in
from tests.support.net import free_port
from tests.support.rest import login, register


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


async def test_password_reset_mail_over_smtp(settings: Settings,
                                             smtp: tuple[Controller, Inbox]):
    controller, inbox = smtp
    port = controller.port
    with_smtp = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{port}?starttls=0",
                                    mail_from="casp <noreply@casp.test>")
    async with running(with_smtp) as client:
        await register(client)
        r = await client.post("/api/v1/auth.php?action=forgot-password",
                              data={"email": "user@example.com"})
        assert r.status_code == 200
        await client.app.state.runtime.drain()  # type: ignore[attr-defined]
        subjects = [m["Subject"] for m in inbox.messages]
        assert subjects == ["Confirm your email address", "Reset your casp password"]
        reset = inbox.messages[1]
        assert reset["To"] == "user@example.com" and "noreply@casp.test" in reset["From"]
        token = reset_token_in(reset)
        r = await client.post("/api/v1/auth.php?action=reset-password",
                              json={"token": token, "password": "Fr3sh-Password"})
        assert r.status_code == 200, r.text
        assert await login(client, password="Fr3sh-Password")
    assert not (settings.outbox_dir).exists()
