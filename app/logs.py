"""Logging with the request id on every line, so a client's id finds its traceback; as
JSON lines (python-json-logger) for log collectors, or as text for a terminal. No line shows
the value of a sensitive query parameter (a token, a password, a key): RedactFilter."""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar
from urllib.parse import unquote_plus

from pythonjsonlogger.json import JsonFormatter

request_id: ContextVar[str] = ContextVar("request_id", default="-")
TEXT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
FORMATS = ("auto", "json", "text")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


# Query parameters whose values never reach the log: these names, and names ending in
# _password, _token, _key or _secret (eab_hmac_key, verify_token, webhook_secret).
SENSITIVE = frozenset({"password", "passwd", "passphrase", "token", "key", "secret",
                       "authorization", "signature", "sig"})
_SUFFIXES = ("_password", "_token", "_key", "_secret")
_PAIR = re.compile(r"(?<=[?&])([^=&?#\s\"']+)=([^&#\s\"']*)")
REDACTED = "[redacted]"
# A log record's attribute (set with extra=) that exempts its line: the outbox mailer's.
UNREDACTED = "unredacted"


def sensitive(name: str) -> bool:
    """Whether a query parameter (as sent: maybe percent-encoded, maybe name[]) is secret."""
    plain = unquote_plus(name).strip().lower().removesuffix("[]")
    return plain in SENSITIVE or plain.endswith(_SUFFIXES)


def redact(text: str) -> str:
    """The values of sensitive query parameters in `text` (a URL, an access-log line)
    replaced: `?token=abc&id=2` -> `?token=[redacted]&id=2`."""
    return _PAIR.sub(lambda m: f"{m[1]}={REDACTED}" if sensitive(m[1]) else m[0], text)


class RedactFilter(logging.Filter):
    """On the handler, so every logger's lines pass it: uvicorn's access log shows the
    query string, where a mailed link carries its token or a download its password."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging reports it when formatting
            return True
        if getattr(record, UNREDACTED, False):
            return True
        if "=" in message and (cleaned := redact(message)) != message:
            record.msg, record.args = cleaned, None
        return True


def formatter(kind: str) -> logging.Formatter:
    """auto: text on a terminal, JSON otherwise (a container, a service manager)."""
    if kind == "auto":
        kind = "text" if sys.stderr.isatty() else "json"
    if kind == "text":
        return logging.Formatter(TEXT)
    return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                         rename_fields={"asctime": "time", "levelname": "level",
                                        "name": "logger"})


def configure(level: str, kind: str = "auto") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    handler.setFormatter(formatter(kind))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
