from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_domain_ownership')]

    initial = False

    operations = [
        ops.AlterField(
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
    ]
