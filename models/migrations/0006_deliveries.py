from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_ari')]

    initial = False

    operations = [
        ops.CreateModel(
            name='NotificationSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='notification_settings', on_delete=OnDelete.CASCADE)),
                ('email_enabled', fields.BooleanField(default=True)),
                ('webhook_url', fields.CharField(null=True, max_length=2000)),
                ('webhook_secret_encrypted', fields.TextField(null=True, unique=False)),
                ('types', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notification_settings', 'app': 'models', 'pk_attr': 'id', 'table_description': "Where a user's notifications go besides the inbox (no row: the defaults)."},
            bases=['Model'],
        ),
    ]
