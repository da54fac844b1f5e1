# Fallback CAs: a user's default order (ca_fallbacks), and on each certificate the CAs to
# try in turn (ca_order) and those an issuance or renewal left, with why (previous_attempts).
from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0012_dns_persist')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CaFallback',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='ca_fallback', on_delete=OnDelete.CASCADE)),
                ('ca_providers', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ca_fallbacks', 'app': 'models', 'pk_attr': 'id', 'table_description': "A user's default order of fallback CAs, tried in turn when a request's CA fails for"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Certificate',
            name='ca_order',
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Certificate',
            name='previous_attempts',
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
