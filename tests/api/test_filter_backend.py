"""api.filters.FilterBackend: a filter set is skipped only where running it would change nothing."""

import django_filters
import pytest
from rest_framework import generics, serializers
from rest_framework.test import APIRequestFactory

from api.filters import FilterBackend
from tenancy.models import Tenant
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


class TenantRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["slug"]


def _answer(filterset, query=""):
    view = type("TenantList", (generics.ListAPIView,), {"filterset_class": filterset}).as_view(
        queryset=Tenant.objects.order_by("slug"),
        serializer_class=TenantRowSerializer,
        filter_backends=[FilterBackend],
        authentication_classes=[],
        permission_classes=[],
        throttle_classes=[],
        pagination_class=None,
    )
    response = view(APIRequestFactory().get(f"/tenants/{query}"))
    response.render()
    return response


class SlugFilter(django_filters.FilterSet):
    slug = django_filters.CharFilter()
    created_at = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Tenant
        fields = ["slug", "created_at"]


class RequiredSlugFilter(django_filters.FilterSet):
    slug = django_filters.CharFilter(required=True)

    class Meta:
        model = Tenant
        fields = ["slug"]


class OnlyAlphaFilter(django_filters.FilterSet):
    """Filters whatever the parameters say: its own ``filter_queryset`` must run on every request."""

    class Meta:
        model = Tenant
        fields = []

    def filter_queryset(self, queryset):
        return queryset.filter(slug="alpha")


def test_a_plain_filter_set_without_its_parameters_answers_every_row():
    TenantFactory(slug="alpha"), TenantFactory(slug="beta")
    assert [row["slug"] for row in _answer(SlugFilter, "?page_size=5").data] == ["alpha", "beta"]


def test_a_parameter_of_a_filter_or_of_its_widget_runs_the_filter_set():
    TenantFactory(slug="alpha"), TenantFactory(slug="beta")
    assert [row["slug"] for row in _answer(SlugFilter, "?slug=beta").data] == ["beta"]
    # A range filter reads created_at_after / created_at_before: a bad one is still refused.
    assert _answer(SlugFilter, "?created_at_after=not-a-date").status_code == 400


def test_a_required_filter_is_still_refused_when_missing():
    TenantFactory(slug="alpha")
    assert _answer(RequiredSlugFilter).status_code == 400


def test_a_filter_set_that_filters_by_itself_still_runs():
    TenantFactory(slug="alpha"), TenantFactory(slug="beta")
    assert [row["slug"] for row in _answer(OnlyAlphaFilter).data] == ["alpha"]
