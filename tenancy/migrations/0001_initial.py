"""Tenant and Membership move here from accounts: their tables and rows stay where they are.

State only (``SeparateDatabaseAndState``): this creates the models over the existing tables
``accounts_tenant`` and ``accounts_membership``, every foreign key to a tenant follows (the
``tenant_in_tenancy`` migration of each app), accounts 0011 forgets the old models, and the
content types are relabelled so that permissions and admin history stay attached.
"""

import core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.content_types import content_types_move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0010_webhooks_to_webhooks'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Tenant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('slug', models.SlugField(max_length=60, unique=True)),
                        ('industry', models.CharField(choices=[('consumer_brand', 'Consumer brand'), ('media', 'Media and broadcasting'), ('aviation', 'Aviation and travel'), ('financial_services', 'Financial services'), ('healthcare', 'Healthcare'), ('public_sector', 'Public sector'), ('retail', 'Retail'), ('other', 'Other')], default='other', max_length=32)),
                        ('regulations', models.JSONField(blank=True, default=list, help_text='Regulations in scope.', validators=[core.validators.ChoiceListValidator(['gdpr', 'uk_gdpr', 'pdpa_th', 'pdpa_sg', 'hipaa', 'pci_dss', 'sox', 'dora', 'eu_ai_act', 'iso_27001', 'soc2'], what='regulation codes')])),
                        ('residency_region', models.CharField(blank=True, help_text="Where the client's data must stay unless a project agrees otherwise, e.g. 'EU' or 'Thailand'.", max_length=64, verbose_name='default data-residency region')),
                        ('time_zone', models.CharField(default='UTC', max_length=64, validators=[core.validators.validate_time_zone])),
                        ('is_active', models.BooleanField(default=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'accounts_tenant',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Membership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('delivery_lead', 'Delivery lead'), ('engineer', 'Engineer'), ('customer_admin', 'Customer admin'), ('customer_approver', 'Customer approver'), ('customer_viewer', 'Customer viewer')], max_length=32)),
                        ('all_projects', models.BooleanField(default=True, help_text='Off: the role applies only to projects granted one by one.')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                        ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.tenant')),
                    ],
                    options={
                        'db_table': 'accounts_membership',
                        'indexes': [models.Index(fields=['user', 'tenant', 'role'], name='membership_user_tenant_role')],
                        'constraints': [models.UniqueConstraint(fields=('tenant', 'user'), name='membership_one_role_per_tenant')],
                    },
                ),
            ],
        ),
        content_types_move(models=["tenant", "membership"], old_app="accounts", new_app="tenancy"),
    ]
