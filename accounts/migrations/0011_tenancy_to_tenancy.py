"""Tenant and Membership now belong to the tenancy app (tenancy 0001); their tables stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0010_webhooks_to_webhooks'),
        # Every foreign key to the tenant names tenancy.Tenant before the old model goes.
        ('tenancy', '0001_initial'),
        ('assessments', '0006_tenant_in_tenancy'),
        ('audit', '0002_tenant_in_tenancy'),
        ('deployments', '0003_tenant_in_tenancy'),
        ('projects', '0003_tenant_in_tenancy'),
        ('webhooks', '0002_tenant_in_tenancy'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='membership',
                    name='tenant',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='Tenant',
                ),
                migrations.DeleteModel(
                    name='Membership',
                ),
            ],
        ),
    ]
