from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_issuance')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('type', fields.CharField(max_length=30)),
                ('title', fields.CharField(max_length=200)),
                ('message', fields.TextField(unique=False)),
                ('certificate_id', fields.IntField(null=True)),
                ('read', fields.BooleanField(default=False)),
                ('dedupe_key', fields.CharField(null=True, unique=True, max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notifications', 'app': 'models', 'indexes': [Index(fields=['user_id', 'read', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
