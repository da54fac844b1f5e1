"""Mail as the tests read it: the outbox mailer's files, the reset token in a reset mail, and
a real SMTP server (aiosmtpd) on loopback keeping what it receives."""

from __future__ import annotations

import email
import email.message
import re
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from app.config import Settings
from tests.support.net import free_port


def outbox(settings: Settings) -> list[email.message.Message]:
    files = sorted(Path(settings.outbox_dir).glob("*.eml"))
    return [email.message_from_bytes(f.read_bytes()) for f in files]


def reset_token_in(message: Any) -> str:
    """The reset token printed in a password-reset mail."""
    match = re.search(r"usable once\):\r?\n(\S+)", message.get_payload())
    assert match, message.get_payload()
    return match.group(1)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


class Smtp:
    """aiosmtpd on a port chosen beforehand, so a test can start it after casp tried it."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def mails(self, subject_start: str) -> list[email.message.Message]:
        return [m for m in self.inbox.messages if m["Subject"].startswith(subject_start)]
