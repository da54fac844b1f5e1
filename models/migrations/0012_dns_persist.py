from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Widen(ops.AlterField):
    """challenge_type from 10 to 20 characters ("dns-persist-01" has 14). SQLite ignores a
    VARCHAR's length, and Tortoise's SQLite AlterField rebuilds the table without its
    indexes: there only the migration state changes."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and state_editor.DIALECT != "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('models', '0011_profiles_lifetimes')]

    initial = False

    operations = [
        Widen(
            model_name='Certificate',
            name='challenge_type',
            field=fields.CharField(max_length=20),
        ),
        ops.AddField(
            model_name='Certificate',
            name='persist_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Certificate',
            name='persist_warned',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Certificate',
            name='persist_warn_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Certificate',
            index=Index(fields=['status', 'persist_warn_at']),
        ),
    ]
