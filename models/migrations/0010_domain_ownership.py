from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# A name that several users added goes to the earliest (the lowest id): the others wait for
# a proof (app/services/domains/holders.py). Exact names only: a record under another user's
# earlier name stays held, it being the first of its own name.
EARLIEST_HOLDS = (
    "UPDATE domains SET ownership = 'pending' WHERE EXISTS ("
    "SELECT 1 FROM domains d2 WHERE d2.name = domains.name AND d2.id < domains.id)"
)


class Migration(migrations.Migration):
    dependencies = [('models', '0009_job_owner')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Domain',
            name='ownership',
            field=fields.CharField(default='held', db_default='held', max_length=10),
        ),
        ops.AddField(
            model_name='Domain',
            name='proved_by',
            field=fields.CharField(null=True, max_length=10),
        ),
        ops.RunSQL(EARLIEST_HOLDS, reverse_sql=ops.RunSQL.noop),
    ]
