"""What the engines read beyond a project, in the API: a client's cost-plan defaults, the
catalog's provider certifications and the imports of its prices. The same services as the pages
and the Django admin."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api.base import SafeRetriesMixin, etag_of
from api.filters import FilterBackend
from api.permissions import PlatformAdminOnly
from assessments.api.filters import PriceImportFilter, ProviderCertificationFilter
from assessments.api.serializers import (
    CostPlanValuesSerializer,
    ProviderCertificationRecordSerializer,
    ProviderCertificationSerializer,
    TenantCostDefaultsSerializer,
    cost_plan_fields,
)
from assessments.api.views import JobSerializer
from assessments.selectors import price_import_jobs, provider_certifications
from assessments.services.certifications import provider_certification_record, provider_certification_remove
from assessments.services.cost_plans import tenant_cost_defaults_update
from assessments.tasks import price_import_request
from projects.api.views import ERRORS, validated, writable
from tenancy.access import Action, restrict
from tenancy.models import Tenant


class TenantCostDefaultsViewSet(SafeRetriesMixin, viewsets.GenericViewSet):
    """A client's cost-plan defaults: read them (with their ETag), change some fields (PATCH, with
    If-Match). A change recalculates the client's projects in the background. Read by the client's
    members; changed by its customer admins and platform admins."""

    serializer_class = TenantCostDefaultsSerializer
    queryset = Tenant.objects.none()  # per caller: see get_queryset
    lookup_field = "slug"
    lookup_url_kwarg = "slug"

    def get_queryset(self):
        return restrict(Tenant.objects.all(), user=self.request.user, action=Action.VIEW)

    @extend_schema(responses={200: TenantCostDefaultsSerializer, 404: ERRORS[404]})
    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        return Response(data, headers={"ETag": etag_of(data)})

    @extend_schema(request=CostPlanValuesSerializer, responses={200: TenantCostDefaultsSerializer, **ERRORS})
    def partial_update(self, request, *args, **kwargs):
        """Change the fields sent; null or "" leaves a field to the platform's default."""
        tenant = writable(self.get_object(), request, Action.MANAGE)
        tenant_cost_defaults_update(tenant=tenant, actor=request.user, **cost_plan_fields(request.data))
        data = self.get_serializer(tenant).data
        return Response(data, headers={"ETag": etag_of(data)})


class ProviderCertificationViewSet(
    SafeRetriesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The catalog's provider certifications: what each hosting provider holds, where and when it
    was checked. Readiness counts only these as verified. Read by everyone signed in; recorded and
    removed by platform admins, each change re-assessing the projects it concerns."""

    serializer_class = ProviderCertificationSerializer
    queryset = provider_certifications()
    filterset_class = ProviderCertificationFilter
    ordering_fields = ["id", "provider", "verified_on"]
    lookup_value_converter = "int"

    def get_queryset(self):
        return provider_certifications()

    def _platform_admin_only(self, request):
        if not request.user.is_platform_admin:
            raise PermissionDenied("Only platform admins keep the catalog's provider certifications.")

    @extend_schema(
        request=ProviderCertificationRecordSerializer,
        responses={
            201: ProviderCertificationSerializer,
            200: OpenApiResponse(ProviderCertificationSerializer, description="A re-check of one already recorded."),
            **ERRORS,
        },
    )
    def create(self, request, *args, **kwargs):
        """Record a certification a provider holds, or a re-check of one already recorded."""
        self._platform_admin_only(request)
        row, created = provider_certification_record(
            actor=request.user, **validated(ProviderCertificationRecordSerializer, request.data)
        )
        return Response(
            self.get_serializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(responses={204: None, 403: ERRORS[403], 404: ERRORS[404]})
    def destroy(self, request, *args, **kwargs):
        """Remove a certification the provider no longer holds."""
        self._platform_admin_only(request)
        provider_certification_remove(actor=request.user, certification=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PriceImportViewSet(SafeRetriesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imports of the bundled API prices into the catalog (the catalog page's "Import"), as jobs,
    newest first: platform admins only, as on the page; anyone else is a 403. A finished import's
    ``result`` counts the new and unchanged entries, names the models whose price changed and the
    job recalculating the projects they concern (``recalculation_job``)."""

    serializer_class = JobSerializer
    queryset = price_import_jobs()
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, PlatformAdminOnly]
    filter_backends = [FilterBackend]  # the changes feed only
    filterset_class = PriceImportFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        return price_import_jobs()

    @extend_schema(request=None, responses={202: JobSerializer, 403: ERRORS[403]})
    def create(self, request, *args, **kwargs):
        """Ask for an import (202, the job at Location). While one asked for in the last hour is
        queued or running, that one is answered: two at once would record the same prices twice."""
        job = price_import_request(actor=request.user)
        headers = {"Location": reverse("price-import-detail", args=[job.pk])}
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED, headers=headers)
