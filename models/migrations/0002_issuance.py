from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AcmeAccount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='acme_accounts', on_delete=OnDelete.CASCADE)),
                ('ca_provider', fields.CharField(max_length=20)),
                ('directory_url', fields.CharField(max_length=500)),
                ('key_encrypted', fields.TextField(unique=False)),
                ('account_url', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'acme_accounts', 'app': 'models', 'unique_together': (('user', 'ca_provider', 'directory_url'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Certificate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='certificates', on_delete=OnDelete.CASCADE)),
                ('domains', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('search_text', fields.TextField(unique=False)),
                ('ca_provider', fields.CharField(max_length=20)),
                ('challenge_type', fields.CharField(max_length=10)),
                ('key_type', fields.CharField(max_length=10)),
                ('auto_renew', fields.BooleanField(default=True)),
                ('status', fields.CharField(default='pending', max_length=10)),
                ('stage', fields.CharField(default='queued', max_length=20)),
                ('key_encrypted', fields.TextField(null=True, unique=False)),
                ('csr_pem', fields.TextField(null=True, unique=False)),
                ('directory_url', fields.CharField(default='', max_length=500)),
                ('order_url', fields.CharField(null=True, max_length=500)),
                ('dns_records', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('certificate_pem', fields.TextField(null=True, unique=False)),
                ('chain_pem', fields.TextField(null=True, unique=False)),
                ('serial', fields.CharField(null=True, max_length=64)),
                ('fingerprint_sha256', fields.CharField(null=True, max_length=95)),
                ('issuer', fields.CharField(null=True, max_length=500)),
                ('issued_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revocation_reason', fields.CharField(null=True, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'certificates', 'app': 'models', 'indexes': [Index(fields=['user_id', 'status']), Index(fields=['user_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Domain',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='domains', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=253)),
                ('verification_method', fields.CharField(max_length=10)),
                ('status', fields.CharField(default='pending', max_length=10)),
                ('delegation_label', fields.CharField(unique=True, max_length=40)),
                ('http_probe', fields.CharField(null=True, max_length=64)),
                ('last_check', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'domains', 'app': 'models', 'unique_together': (('user', 'name'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EabCredential',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='eab_credentials', on_delete=OnDelete.CASCADE)),
                ('ca_provider', fields.CharField(max_length=20)),
                ('kid', fields.CharField(max_length=300)),
                ('hmac_encrypted', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'eab_credentials', 'app': 'models', 'unique_together': (('user', 'ca_provider'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='HttpChallenge',
            fields=[
                ('token', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=128)),
                ('key_authorization', fields.CharField(max_length=300)),
                ('certificate_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'http_challenges', 'app': 'models', 'pk_attr': 'token', 'table_description': 'An http-01 answer, in the database so that any casp instance can serve it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Job',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=40)),
                ('payload', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('key', fields.CharField(null=True, unique=True, max_length=100)),
                ('status', fields.CharField(default='queued', max_length=10)),
                ('run_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('locked_by', fields.CharField(null=True, max_length=64)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'jobs', 'app': 'models', 'indexes': [Index(fields=['status', 'run_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
