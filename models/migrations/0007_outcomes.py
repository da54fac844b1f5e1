from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_deliveries')]

    initial = False

    operations = [
        ops.CreateModel(
            name='IssuanceEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.IntField()),
                ('certificate_id', fields.IntField()),
                ('ca_provider', fields.CharField(max_length=20)),
                ('succeeded', fields.BooleanField()),
                ('error_kind', fields.CharField(null=True, max_length=60)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'issuance_events', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One issuance outcome (first issuance, renewals are RenewalEvent), kept for /metrics'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='RenewalEvent',
            name='error_kind',
            field=fields.CharField(null=True, max_length=60),
        ),
    ]
