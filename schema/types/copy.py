"""GraphQL types map the services' views one to one: a view's fields are copied into the
Strawberry type of the same field names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def copy(kind: type[T], view: Any) -> T | None:
    """`kind` made from the fields of the dataclass `view` (None stays None)."""
    return None if view is None else _made(kind, view)


def copy_list(kind: type[T], views: Iterable[Any] | None) -> list[T] | None:
    return None if views is None else [_made(kind, v) for v in views]


def _made(kind: type[T], view: Any) -> T:
    return kind(**{f.name: getattr(view, f.name) for f in fields(view)})
