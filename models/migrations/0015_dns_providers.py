from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0014_deployments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DnsCredential',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='dns_credentials', on_delete=OnDelete.CASCADE)),
                ('provider', fields.CharField(max_length=40)),
                ('label', fields.CharField(max_length=100)),
                ('zone', fields.CharField(max_length=253)),
                ('secret_encrypted', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'dns_credentials', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DnsProviderRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('credential', fields.ForeignKeyField('models.DnsCredential', source_field='credential_id', db_constraint=True, to_field='id', related_name='records', on_delete=OnDelete.CASCADE)),
                ('certificate_id', fields.IntField(null=True)),
                ('name', fields.CharField(max_length=300)),
                ('value', fields.CharField(max_length=300)),
                ('zone', fields.CharField(max_length=253)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'dns_provider_records', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One TXT value casp wrote through a credential: saved before the write, deleted after'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Domain',
            name='dns_credential',
            field=fields.ForeignKeyField('models.DnsCredential', source_field='dns_credential_id', null=True, db_constraint=True, to_field='id', related_name='domains', on_delete=OnDelete.SET_NULL),
        ),
    ]
