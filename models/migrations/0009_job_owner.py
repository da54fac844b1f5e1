from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_user_disabled')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Job',
            name='user_id',
            field=fields.IntField(null=True),
        ),
    ]
