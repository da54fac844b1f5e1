"""One mailer interface: an outbox folder by default, SMTP (aiosmtplib) with CASP_SMTP_URL."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol, TypedDict
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from app.files import private_dir, write_private
from app.logs import UNREDACTED

log = logging.getLogger(__name__)


class MailFailed(Exception):
    """A message could not be handed over (SMTP server down or refusing, outbox unwritable)."""


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None:
        """Hand the message over, or raise MailFailed."""


def build_message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="casp.local")
    # Not quoted-printable (the default for a line over 78 characters): that soft-wraps a
    # long link with "=" at the end of each piece, and a link copied from the file breaks.
    # (RFC 5322 caps a line at 998 characters: a longer one must be encoded.)
    if max(map(len, body.splitlines()), default=0) > 998:
        msg.set_content(body)
    else:
        msg.set_content(body, cte="7bit" if body.isascii() else "8bit")
    return msg


def links_in(body: str) -> str:
    """The links of a mail for its log line."""
    return " ".join(dict.fromkeys(LINK.findall(body))) or "none"


LINK = re.compile(r"https?://\S+")


class OutboxMailer:
    """Writes each message as an .eml file (written whole, then renamed) and logs it."""

    def __init__(self, outbox: Path, sender: str):
        self.outbox = outbox
        self.sender = sender

    async def send(self, to: str, subject: str, body: str) -> None:
        msg = build_message(self.sender, to, subject, body)
        try:
            path = await asyncio.to_thread(self._write, msg)
        except OSError as exc:
            raise MailFailed(f"cannot write to the outbox: {exc}") from exc
        # The whole link, token included (exempt from logs.RedactFilter): no mail leaves the
        # machine in outbox mode, so whoever reads this log is the one who must follow it, and
        # the same link already sits in the .eml beside it. Over SMTP the token stays redacted.
        log.info("mail to %s written to %s: %s; links: %s", to, path, subject, links_in(body),
                 extra={UNREDACTED: True})

    def _write(self, msg: EmailMessage) -> Path:
        private_dir(self.outbox)  # mails carry tokens: 0700, each file 0600
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.outbox / f".{name}.tmp"
        write_private(tmp, msg.as_bytes())
        os.replace(tmp, self.outbox / name)
        return self.outbox / name


class _SmtpOptions(TypedDict):  # aiosmtplib.send's keyword arguments
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None
    timeout: float


class SmtpMailer:
    """smtp://user:pass@host:587 (STARTTLS when offered), smtps://host:465 (TLS from the start),
    `?starttls=0` to never upgrade."""

    def __init__(self, url: str, sender: str):
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("CASP_SMTP_URL must look like smtp://user:pass@host:587")
        query = parse_qs(parts.query)
        self.sender = sender
        self._options: _SmtpOptions = {
            "hostname": parts.hostname,
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "use_tls": parts.scheme == "smtps",
            "start_tls": False if query.get("starttls") == ["0"] else None,
            "timeout": 30,
        }

    async def send(self, to: str, subject: str, body: str) -> None:
        msg = build_message(self.sender, to, subject, body)
        try:
            await aiosmtplib.send(msg, **self._options)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailFailed(f"SMTP {self._options['hostname']}: {exc}") from exc
        log.info("mail to %s sent over SMTP: %s; links: %s", to, subject, links_in(body))


def make_mailer(smtp_url: str | None, outbox: Path, sender: str) -> Mailer:
    return SmtpMailer(smtp_url, sender) if smtp_url else OutboxMailer(outbox, sender)
