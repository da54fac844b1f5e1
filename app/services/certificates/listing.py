"""A page of the certificate list with its total, in plain SQL: the busiest read of the API.

Through the ORM, building the query (pypika) and converting each row cost two to three times
what the database itself takes (docs/benchmarks.md, "API throughput"): a list page of 20 with
its count 1.8 ms of CPU against 0.7 ms here. The statements are fixed text per database
dialect; every value is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields import Field
from tortoise.filters import escape_like

from app import reads
from app.db import placeholders
from models.certificate import Certificate

# How a page is ordered: newest first (the seed's list), or soonest expiry first (a
# dashboard's view: what needs attention); certificates without an expiry (pending, failed)
# come after those with one. Both end on the id, so pages never overlap.
ORDERS = {
    "newest": '"created_at" DESC, "id" DESC',
    "expires": '"expires_at" IS NULL, "expires_at" ASC, "id" DESC',
}


@dataclass(frozen=True)
class ListFilter:
    """What certificates.php's list filters by; each given one narrows the list."""

    user_id: int
    status: str | None = None
    ca_provider: str | None = None
    search: str | None = None  # lower case; matched anywhere in the names
    order: str = "newest"  # a key of ORDERS

    def where(self, db: BaseDBAsyncClient) -> tuple[str, list[Any]]:
        terms = [("user_id", "=", self.user_id), ("status", "=", self.status),
                 ("ca_provider", "=", self.ca_provider),
                 ("search_text", "LIKE", f"%{escape_like(self.search)}%" if self.search
                  else None)]
        used = [(column, op, value) for column, op, value in terms if value is not None]
        marks = placeholders(db, len(used))
        sql = " AND ".join(f'"{column}" {op} {mark}' for (column, op, _), mark in
                           zip(used, marks, strict=True))
        if any(column == "search_text" for column, _, _ in used):
            sql += " ESCAPE '\\'"  # the LIKE is last: escape_like's backslashes
        return sql, [value for _, _, value in used]


@lru_cache(maxsize=8)  # a handful of column sets, asked for on every list request
def _converters(columns: tuple[str, ...]) -> list[tuple[str, Field[Any]]]:
    """The columns whose database values need Tortoise's conversion (JSON, datetimes,
    booleans); text and integers come from both drivers as they are."""
    fields = Certificate._meta.fields_map
    return [(c, fields[c]) for c in columns
            if type(fields[c]).__name__ in ("JSONField", "DatetimeField", "BooleanField")]


async def _page(where: ListFilter, select: str, limit: int,
                offset: int) -> tuple[int, list[dict[str, Any]]]:
    """The total of certificates matching `where`, and one page of their rows in its order."""
    db = Certificate._meta.db
    condition, values = where.where(db)
    counted = await reads.select(
        db, f'SELECT COUNT(*) AS "n" FROM "certificates" WHERE {condition}',  # noqa: S608
        values)  # only fixed column names and placeholders are put in the text
    total = int(counted[0]["n"])
    if total <= offset:
        return total, []
    limit_mark, offset_mark = placeholders(db, len(values) + 2)[-2:]
    rows = await reads.select(
        db, f'SELECT {select} FROM "certificates" WHERE {condition} '  # noqa: S608
        f'ORDER BY {ORDERS[where.order]} LIMIT {limit_mark} OFFSET {offset_mark}',
        [*values, limit, offset])
    return total, [dict(row) for row in rows]


async def certificate_page(where: ListFilter, columns: tuple[str, ...], limit: int,
                           offset: int) -> tuple[int, list[dict[str, Any]]]:
    """The total, and one page as dicts of `columns` (converted as the ORM would)."""
    total, rows = await _page(where, ", ".join(f'"{c}"' for c in columns), limit, offset)
    convert = _converters(columns)
    for row in rows:
        for column, field in convert:
            row[column] = field.to_python_value(row[column])
    return total, rows


async def certificate_models(where: ListFilter, limit: int,
                             offset: int) -> tuple[int, list[Certificate]]:
    """The total, and one page of whole certificates (the ORM's own row-to-model path)."""
    total, rows = await _page(where, "*", limit, offset)
    return total, [Certificate._init_from_db(**row) for row in rows]
