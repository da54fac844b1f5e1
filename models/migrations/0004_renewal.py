from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_notifications')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CertificateVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('certificate', fields.ForeignKeyField('models.Certificate', source_field='certificate_id', db_constraint=True, to_field='id', related_name='versions', on_delete=OnDelete.CASCADE)),
                ('serial', fields.CharField(max_length=64)),
                ('certificate_pem', fields.TextField(unique=False)),
                ('chain_pem', fields.TextField(null=True, unique=False)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('replaced_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'certificate_versions', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An earlier certificate of a record, kept when a renewal replaced it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RenewalEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.IntField(db_index=True)),
                ('certificate_id', fields.IntField()),
                ('ca_provider', fields.CharField(max_length=20)),
                ('succeeded', fields.BooleanField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'renewal_events', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One renewal outcome, kept for the statistics even after the certificate is gone.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Certificate',
            name='expiry_notified_days',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Certificate',
            name='renew_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Certificate',
            name='renewal_csr_pem',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Certificate',
            name='renewal_failures',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='Certificate',
            name='renewal_key_encrypted',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Certificate',
            name='renewal_order_url',
            field=fields.CharField(null=True, max_length=500),
        ),
        ops.AddField(
            model_name='Certificate',
            name='renewal_started_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Certificate',
            index=Index(fields=['status', 'auto_renew', 'renew_at']),
        ),
        ops.AddIndex(
            model_name='Certificate',
            index=Index(fields=['status', 'expires_at']),
        ),
    ]
