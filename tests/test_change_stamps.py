"""``updated_at`` moves on every write path (core.changes), so a changes feed misses no change:
``save(update_fields=...)`` that does not name it, ``QuerySet.update()`` and ``bulk_update``
included; writing only a model's ``unlisted_changes`` leaves it."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from assessments.models import Job
from projects.models import FreezeWindow
from tenancy.models import Tenant
from tenancy.services import token_issue
from tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC)


def aged(model, pk):
    """The row, its ``updated_at`` put back to long ago (behind the ORM's back)."""
    model.objects.filter(pk=pk).update(updated_at=LONG_AGO)
    return model.objects.get(pk=pk)


def test_save_with_update_fields_not_naming_it_moves_it(tenant):
    window = FreezeWindow.objects.create(tenant=tenant, name="Year end", kind="one_off")
    window = aged(FreezeWindow, window.pk)
    window.name = "Year end freeze"
    window.save(update_fields=["name"])
    assert FreezeWindow.objects.get(pk=window.pk).updated_at > LONG_AGO


def test_queryset_update_and_bulk_update_move_it_on_tenant_owned_and_other_models(tenant):
    window = FreezeWindow.objects.create(tenant=tenant, name="Year end", kind="one_off")
    aged(FreezeWindow, window.pk)
    FreezeWindow.objects.filter(pk=window.pk).update(is_active=False)
    assert FreezeWindow.objects.get(pk=window.pk).updated_at > LONG_AGO

    aged(Tenant, tenant.pk)
    Tenant.objects.filter(pk=tenant.pk).update(name="Acme Corp")
    assert Tenant.objects.get(pk=tenant.pk).updated_at > LONG_AGO

    other = aged(Tenant, TenantFactory(slug="other").pk)
    other.name = "Other Corp"
    Tenant.objects.bulk_update([other], ["name"])
    assert Tenant.objects.get(pk=other.pk).updated_at > LONG_AGO


def test_a_given_updated_at_is_kept(tenant):
    Tenant.objects.filter(pk=tenant.pk).update(name="Acme Corp", updated_at=LONG_AGO)
    assert Tenant.objects.get(pk=tenant.pk).updated_at == LONG_AGO


def test_unlisted_bookkeeping_leaves_it_and_anything_more_moves_it(tenant):
    record, _ = token_issue(user=UserFactory(), name="ci", scopes=["read"])
    aged(ApiToken, record.pk)
    ApiToken.objects.filter(pk=record.pk).update(last_used_at=timezone.now())  # a use is no change
    assert ApiToken.objects.get(pk=record.pk).updated_at == LONG_AGO
    token = ApiToken.objects.get(pk=record.pk)
    token.last_used_at = timezone.now()
    token.save(update_fields=["last_used_at"])
    assert ApiToken.objects.get(pk=record.pk).updated_at == LONG_AGO
    ApiToken.objects.filter(pk=record.pk).update(last_used_at=timezone.now(), revoked_at=timezone.now())
    assert ApiToken.objects.get(pk=record.pk).updated_at > LONG_AGO

    job = Job.objects.create(tenant=tenant, kind=Job.Kind.NIGHTLY)
    aged(Job, job.pk)
    Job.objects.filter(pk=job.pk).update(chunks_total=3)
    assert Job.objects.get(pk=job.pk).updated_at == LONG_AGO
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    assert Job.objects.get(pk=job.pk).updated_at > LONG_AGO
