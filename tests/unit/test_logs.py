"""app/logs.py: the values of sensitive query parameters never reach a log line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from app import logs


@pytest.mark.parametrize(("text", "expected"), [
    ("GET /api/v1/auth.php?action=verify-email&token=abc123 HTTP/1.1",
     "GET /api/v1/auth.php?action=verify-email&token=[redacted] HTTP/1.1"),
    ("/c.php?action=download&id=2&format=pfx&password=hunter2",
     "/c.php?action=download&id=2&format=pfx&password=[redacted]"),
    ("/x?eab_hmac_key=k&key_type=ec-256&webhook_secret=s&verify_token=t",
     "/x?eab_hmac_key=[redacted]&key_type=ec-256&webhook_secret=[redacted]"
     "&verify_token=[redacted]"),
    ("/x?PassWord=a&Token[]=b&pass%77ord=c&key=d&secret=",
     "/x?PassWord=[redacted]&Token[]=[redacted]&pass%77ord=[redacted]&key=[redacted]"
     "&secret=[redacted]"),
    ("/x?api_key=a&access_token=b&new_password=c", "/x?api_key=[redacted]"
     "&access_token=[redacted]&new_password=[redacted]"),
    ("/x?id=1&domain=example.com&search=token", "/x?id=1&domain=example.com&search=token"),
    ("job key=issue:12 token=plain words", "job key=issue:12 token=plain words"),
])
def test_redact(text: str, expected: str):
    assert logs.redact(text) == expected


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    out = io.StringIO()
    logs.configure("INFO", "json")
    root.handlers[0].setStream(out)  # type: ignore[attr-defined]
    try:
        yield out
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_an_access_log_line_is_redacted_in_json(stream: io.StringIO):
    # uvicorn's access-log call; another logger name, as a test's uvicorn may have turned
    # "uvicorn.access" off (access_log=False): the filter is on the handler, for every logger.
    logging.getLogger("casp.test.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
        "/api/v1/auth.php?action=verify-email&token=s3cr3t", "1.1", 200)
    line = json.loads(stream.getvalue())
    assert line["message"] == ('127.0.0.1:5000 - "GET /api/v1/auth.php?action=verify-email'
                               '&token=[redacted] HTTP/1.1" 200')
    assert "s3cr3t" not in stream.getvalue()


def test_a_malformed_log_call_is_left_to_logging():
    """The filter does not raise on it: logging itself reports the bad call."""
    record = logging.LogRecord("casp.test", logging.INFO, __file__, 1, "two %s %s",
                               ("one",), None)
    assert logs.RedactFilter().filter(record) is True
    assert record.msg == "two %s %s" and record.args == ("one",)


async def test_the_outbox_logs_a_whole_link_smtp_a_redacted_one(stream: io.StringIO,
                                                                   tmp_path, monkeypatch):
    """Outbox mode: nothing leaves the machine, the log reader follows the link, whole.
    Over SMTP the recipient has the mail: the log line keeps the token out."""
    from app import mail

    body = "Confirm: http://127.0.0.1:8000/api/v1/auth.php?action=verify-email&token=s3cr3t\n"
    await mail.OutboxMailer(tmp_path, "casp <noreply@casp.test>").send("a@b.test", "Hi", body)
    assert "action=verify-email&token=s3cr3t" in json.loads(stream.getvalue())["message"]

    async def delivered(*args: object, **kwargs: object) -> None:
        return None

    monkeypatch.setattr(mail.aiosmtplib, "send", delivered)
    stream.truncate(0), stream.seek(0)
    await mail.SmtpMailer("smtp://127.0.0.1:25", "casp <noreply@casp.test>").send(
        "a@b.test", "Hi", body)
    line = json.loads(stream.getvalue())["message"]
    assert "token=[redacted]" in line and "s3cr3t" not in line
