"""Field rules shared by the kinds' settings: each failure names its field."""

from __future__ import annotations

import re
from typing import Any

from app.errors import ValidationFailed
from app.services.inputs import unicode_text as unicode_text
from app.wording import Input

MAX_HOST = 253
MAX_PATH = 1000
MAX_COMMAND = 2000
_HOST = re.compile(r"[A-Za-z0-9.:_\-\[\]]+")
_MODE = re.compile(r"0?[0-7]{3}")


def pick(given: dict[str, Any], old: dict[str, Any] | None, name: str,
         default: Any = None) -> Any:
    """The value given, else the stored one, else the default."""
    if given.get(name) is not None:
        return given[name]
    if old is not None and name in old:
        return old[name]
    return default


def required(value: Any, name: str) -> Any:
    if value is None or value == "":
        raise ValidationFailed(f"{Input(name)} is required", field=name)
    return value


def text(value: str, name: str, limit: int) -> str:
    unicode_text(value, name)
    if len(value) > limit:
        raise ValidationFailed(f"{Input(name)} must be at most {limit} characters", field=name)
    if any(ord(c) < 32 for c in value):
        raise ValidationFailed(f"{Input(name)} must not contain control characters", field=name)
    return value


def host(value: Any, name: str = "host") -> str:
    name_ = text(str(required(value, name)).strip(), name, MAX_HOST)
    if not _HOST.fullmatch(name_):
        raise ValidationFailed(f"{Input(name)} must be a host name or an IP address", field=name)
    return name_.removeprefix("[").removesuffix("]").lower()


def port(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ValidationFailed(f"{Input(name)} must be from 1 to 65535", field=name)
    return value


def absolute_path(value: Any, name: str) -> str:
    path = text(str(required(value, name)), name, MAX_PATH)
    if not path.startswith("/"):
        raise ValidationFailed(f"{Input(name)} must be an absolute path", field=name)
    return path


def mode(value: Any, name: str) -> str:
    """A file mode as octal digits ("0640" or "640"); stored as four digits."""
    if not isinstance(value, str) or not _MODE.fullmatch(value):
        raise ValidationFailed(f"{Input(name)} must be an octal file mode such as 0640", field=name)
    return value.rjust(4, "0")
