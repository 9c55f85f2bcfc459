"""Every foreign key to a tenant now names tenancy.Tenant (tenancy 0001); the same table, so state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0002_decision_relayed_by'),
        ('tenancy', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='approvaldecision',
                    name='tenant',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant'),
                ),
                migrations.AlterField(
                    model_name='approvalpolicy',
                    name='tenant',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant'),
                ),
                migrations.AlterField(
                    model_name='approvalrequest',
                    name='tenant',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant'),
                ),
                migrations.AlterField(
                    model_name='evidencelink',
                    name='tenant',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant'),
                ),
                migrations.AlterField(
                    model_name='freezewindow',
                    name='tenant',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant'),
                ),
                migrations.AlterField(
                    model_name='project',
                    name='tenant',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant'),
                ),
                migrations.AlterField(
                    model_name='requirementsprofile',
                    name='tenant',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant'),
                ),
                migrations.AlterField(
                    model_name='stagetransition',
                    name='tenant',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant'),
                ),
                migrations.AlterField(
                    model_name='ticketreference',
                    name='tenant',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant'),
                ),
            ],
        ),
    ]
