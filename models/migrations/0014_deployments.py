from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0013_ca_fallback')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeploymentTarget',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='deployment_targets', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('kind', fields.CharField(max_length=20)),
                ('config', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('secret_encrypted', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'deployment_targets', 'app': 'models', 'indexes': [Index(fields=['user_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Deployment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('target', fields.ForeignKeyField('models.DeploymentTarget', source_field='target_id', db_constraint=True, to_field='id', related_name='deployments', on_delete=OnDelete.CASCADE)),
                ('certificate', fields.ForeignKeyField('models.Certificate', source_field='certificate_id', db_constraint=True, to_field='id', related_name='deployments', on_delete=OnDelete.CASCADE)),
                ('serial', fields.CharField(null=True, max_length=64)),
                ('deployed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('attempts', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'deployments', 'app': 'models', 'unique_together': (('target_id', 'certificate_id'),), 'pk_attr': 'id', 'table_description': 'A certificate attached to a target, and how its deployment there went.'},
            bases=['Model'],
        ),
    ]
