"""Logging with the request id on every line, so a client's id finds its traceback; as
JSON lines (python-json-logger) for log collectors, or as text for a terminal."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

request_id: ContextVar[str] = ContextVar("request_id", default="-")
TEXT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
FORMATS = ("auto", "json", "text")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
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
    handler.setFormatter(formatter(kind))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
