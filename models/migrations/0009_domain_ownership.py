from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# A name that another user added earlier (the same name, or one above it) was first theirs:
# this record waits for a proof (app/services/domains/holders.py). Domain names hold no
# LIKE wildcard (names.py refuses "_" and "%"), and "||" concatenates on both databases.
EARLIER_HOLDER = """
UPDATE domains SET ownership = 'pending'
WHERE EXISTS (
    SELECT 1 FROM domains d2
    WHERE d2.id < domains.id AND d2.user_id <> domains.user_id
      AND (d2.name = domains.name OR domains.name LIKE '%.' || d2.name)
)
"""


class Migration(migrations.Migration):
    dependencies = [('models', '0008_user_disabled')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Domain',
            name='ownership',
            field=fields.CharField(default='held', max_length=10),
        ),
        ops.AddField(
            model_name='Domain',
            name='proved_by',
            field=fields.CharField(null=True, max_length=10),
        ),
        ops.RunSQL(EARLIER_HOLDER, reverse_sql=ops.RunSQL.noop),
    ]
