"""Model instances read with a fixed SQL statement: the reads every request makes.

Tortoise's query path (filters resolved into Q objects, pypika building the text, the
connection looked up through the model's metadata) cost two to three times what the database
takes for a one-row read: half of a certificate detail's CPU (docs/benchmarks.md, issue 15).
Here the statement is fixed text per dialect with every value a parameter, and the rows
become instances through Tortoise's own `_init_from_db`, exactly as its executor makes them
(every field converted; saved, updated and deleted as usual).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, TypeVar

from tortoise.models import Model

from app import reads
from app.db import placeholders

M = TypeVar("M", bound=Model)


@lru_cache(maxsize=64)  # a handful of shapes, asked for on every request
def _statement(table: str, equal: tuple[str, ...], within: str | None, count: int,
               order: str, marks: tuple[str, ...]) -> str:
    terms = [f'"{column}" = {mark}' for column, mark in zip(equal, marks, strict=False)]
    if within is not None:
        terms.append(f'"{within}" IN ({", ".join(marks[len(equal):len(equal) + count])})')
    return (f'SELECT * FROM "{table}" WHERE {" AND ".join(terms)}'  # noqa: S608
            + (f" ORDER BY {order}" if order else ""))  # names fixed by callers; values bound


async def select(model: type[M], equal: dict[str, Any], within: tuple[str, Sequence[Any]]
                 | None = None, order: str = "") -> list[M]:
    """The rows of `model` whose columns equal `equal` (and, given `within`, whose column is
    one of those values), in `order` (SQL, column names only), as instances."""
    meta = model._meta
    db = meta.db
    values = list(equal.values())
    column, among = within if within is not None else (None, ())
    if column is not None and not among:
        return []
    marks = tuple(placeholders(db, len(values) + len(among)))
    sql = _statement(meta.db_table, tuple(equal), column, len(among), order, marks)
    rows = await reads.select(db, sql, [*values, *among])
    return [model._init_from_db(**row) for row in rows]
