from datetime import datetime, timedelta
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

# The next expiry warning of each issued certificate, which the sweep now finds through
# (status, expiry_warn_at): the warnings after the last one sent (expiry_notified_days), at
# the same shares of the lifetime as app/services/certificates/renewal_policy.py says (a
# copy: this migration must compute what it computed when it was written).
WARNINGS = (14, 7, 3, 1)
BATCH = 10_000  # rows read and written at a time: a million certificates fit in no memory
ISSUED = ("SELECT id, issued_at, expires_at, expiry_notified_days FROM certificates "
          "WHERE status = 'issued' AND issued_at IS NOT NULL AND expires_at IS NOT NULL "
          "AND id > {mark} ORDER BY id LIMIT {limit}")


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _next_warning(issued: datetime, expires: datetime, sent: int | None) -> datetime | None:
    later = [d for d in WARNINGS if sent is None or d < sent]
    if not later:
        return None
    ahead = min(timedelta(days=later[0]), (expires - issued) * later[0] / 90)
    return expires - timedelta(minutes=round(ahead.total_seconds() / 60))


async def warn_at_of_issued(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    pg = client.capabilities.dialect == "postgres"
    first, second = ("$1", "$2") if pg else ("?", "?")
    update = f"UPDATE certificates SET expiry_warn_at = {first} WHERE id = {second}"
    last = 0
    while rows := await client.execute_query_dict(ISSUED.format(mark=first, limit=BATCH),
                                                   [last]):
        values = [[_next_warning(_moment(r["issued_at"]), _moment(r["expires_at"]),
                                 r["expiry_notified_days"]), r["id"]] for r in rows]
        await client.execute_many(update, values)
        last = rows[-1]["id"]


class Migration(migrations.Migration):
    dependencies = [('models', '0010_domain_ownership')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Certificate',
            name='expiry_warn_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Certificate',
            name='profile',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddIndex(
            model_name='Certificate',
            index=Index(fields=['status', 'expiry_warn_at']),
        ),
        ops.RunPython(warn_at_of_issued, ops.RunPython.noop),
    ]
