"""Field rules shared by services (each failure names its field), and the page of a list.

The services own the length caps, so that both doors refuse the same over-long input with the
same VALIDATION_ERROR (REST's Params take their max_length from here); an error message never
echoes a whole value a user typed (shown())."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from email_validator import EmailNotValidError, validate_email

from app.errors import ValidationFailed
from app.wording import Input

MAX_EMAIL = 254
MAX_PASSWORD = 256
MAX_NAME = 100
MAX_TOKEN = 200  # a one-time token from a mail (43 characters when casp made it)
SHOWN = 64  # characters of a typed value an error message repeats
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
Item = TypeVar("Item")


def unicode_text(value: str, field: str) -> str:
    """A lone surrogate (JSON's "\\ud800") decodes to a str that is not Unicode: refused
    here, before it reaches a hash, a cipher or the database."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationFailed(f"{Input(field)} is not valid Unicode text", field=field) from None
    return value


def shown(value: str) -> str:
    """A value a user typed, as an error message repeats it: quoted, and cut past SHOWN."""
    if len(value) <= SHOWN:
        return repr(value)
    return f"{value[:SHOWN]!r}... ({len(value)} characters)"


def token_text(value: str, field: str, limit: int) -> str:
    """An identifier handed out by someone else (an EAB key id): printable, bounded."""
    unicode_text(value, field)
    if _CONTROL.search(value):
        raise ValidationFailed(f"{Input(field)} must not contain control characters", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{Input(field)} must be at most {limit} characters", field=field)
    return value


def required(value: str | None, field: str) -> str:
    if value is None or value.strip() == "":
        raise ValidationFailed(f"{Input(field)} is required", field=field)
    return unicode_text(value, field)


def required_text(value: str | None, field: str, limit: int) -> str:
    """Required, and at most `limit` characters (a token, a password to compare)."""
    text = required(value, field)
    at_most(text, limit, field)
    return text


def normalize_email(value: str | None, field: str = "email") -> str:
    value = required(value, field).strip()
    if len(value) > MAX_EMAIL:
        raise ValidationFailed(f"{Input(field)} must be at most {MAX_EMAIL} characters",
                               field=field)
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed(f"{Input(field)} is not a valid email address: {exc}",
                               field=field) from exc
    return info.normalized.lower()


def check_password(value: str | None, field: str = "password") -> str:
    value = required_text(value, field, MAX_PASSWORD)
    problems = []
    if len(value) < 8:
        problems.append("at least 8 characters")
    if not re.search(r"[a-z]", value):
        problems.append("a lower-case letter")
    if not re.search(r"[A-Z]", value):
        problems.append("an upper-case letter")
    if not re.search(r"[0-9]", value):  # ASCII, as the letters: \d takes any script's digits
        problems.append("a digit")
    if problems:
        raise ValidationFailed(f"{Input(field)} needs {', '.join(problems)}", field=field)
    return value


def clean_name(value: str | None, field: str = "name") -> str:
    value = unicode_text((value or "").strip(), field)
    if len(value) > MAX_NAME:
        raise ValidationFailed(f"{Input(field)} must be at most {MAX_NAME} characters", field=field)
    if _CONTROL.search(value):
        raise ValidationFailed(f"{Input(field)} must not contain control characters", field=field)
    return value


MAX_PAGE = 1_000_000
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a list that `paging` checked, and the total."""

    items: list[Item]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paging(page: int | None, per_page: int | None) -> tuple[int, int]:
    """page from 1, per_page from 1 to 100 (20 when not given): the same rule for every
    list, whichever API asks."""
    page = 1 if page is None else page
    per_page = 20 if per_page is None else per_page
    if not 1 <= page <= MAX_PAGE:
        raise ValidationFailed(f"page must be from 1 to {MAX_PAGE}", field="page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(f"{Input('per_page')} must be from 1 to {MAX_PER_PAGE}",
                               field="per_page")
    return page, per_page


def at_most(value: str | None, limit: int, field: str) -> str | None:
    if value is not None and len(value) > limit:
        raise ValidationFailed(f"{Input(field)} must be at most {limit} characters", field=field)
    return value


MAX_ID = 2**31 - 1  # the id columns are 32-bit integers


def storable_id(value: int) -> bool:
    """Whether an id can name a row at all: larger ones are simply not found (PostgreSQL
    would refuse to compare them with a 32-bit column)."""
    return 1 <= value <= MAX_ID
