from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_outcomes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='disabled',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
