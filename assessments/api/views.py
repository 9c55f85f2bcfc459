from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from api.base import SafeRetriesMixin
from assessments.api.filters import JobFilter
from assessments.jobs import job_request
from assessments.models import ApiModelPrice, Assessment, CostEstimate, Job
from assessments.tasks import recalculate_costs, run_assessment
from projects.models import Project
from tenancy.access import Action, get_for_user_or_404, restrict


class JobSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "tenant",
            "project",
            "kind",
            "status",
            "result",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class AssessmentSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "tenant",
            "project",
            "target_stage",
            "status",
            "recommended_hosting",
            "recommended_deployment",
            "result",
            "inputs",
            "job",
            "created_at",
        ]
        read_only_fields = fields


class CostEstimateSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = CostEstimate
        fields = [
            "id",
            "tenant",
            "project",
            "cloud_api_monthly",
            "self_hosted_monthly",
            "on_premises_monthly",
            "hybrid_monthly",
            "chosen_monthly",
            "cheapest",
            "break_even_requests",
            "result",
            "inputs",
            "job",
            "created_at",
        ]
        read_only_fields = fields


class _ProjectRunViewSet(SafeRetriesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """History of one project's results (newest first); POST asks for a new run and answers 202 with a job."""

    job_kind = None
    task = None

    def project(self):
        return get_for_user_or_404(Project.objects.all(), user=self.request.user, pk=self.kwargs["project_pk"])

    def get_queryset(self):
        project = self.project()  # another tenant's project is a 404, not an empty list
        model = self.get_serializer_class().Meta.model
        return restrict(model.objects.filter(project=project), user=self.request.user).select_related("tenant")

    @extend_schema(
        request=None,
        responses={
            202: JobSerializer,
            403: OpenApiResponse(description="Not allowed"),
            404: OpenApiResponse(description="No such project"),
        },
    )
    def create(self, request, *args, **kwargs):
        project = get_for_user_or_404(
            Project.objects.all(), user=request.user, action=Action.CHANGE_TECHNICAL, pk=self.kwargs["project_pk"]
        )
        job = job_request(kind=self.job_kind, task=self.task, project=project, requested_by=request.user)
        response = Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/jobs/{job.pk}/"
        return response


class AssessmentViewSet(_ProjectRunViewSet):
    serializer_class = AssessmentSerializer
    queryset = Assessment.objects.none()  # per caller and project: see get_queryset
    job_kind = Job.Kind.ASSESSMENT
    task = run_assessment


class CostEstimateViewSet(_ProjectRunViewSet):
    serializer_class = CostEstimateSerializer
    queryset = CostEstimate.objects.none()  # per caller and project: see get_queryset
    job_kind = Job.Kind.COST
    task = recalculate_costs


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = JobSerializer
    queryset = Job.objects.none()  # per caller: see get_queryset
    filterset_class = JobFilter

    def get_queryset(self):
        jobs = Job.objects.select_related("tenant")
        if self.request.user.is_platform_admin:
            return jobs
        visible = restrict(Project.objects.all(), user=self.request.user).values("pk")
        return jobs.filter(project__in=visible)


class ApiPriceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiModelPrice
        fields = [
            "id",
            "provider",
            "model",
            "input_per_mtok",
            "cached_input_per_mtok",
            "output_per_mtok",
            "effective_from",
            "source",
        ]


class ApiPriceViewSet(viewsets.ReadOnlyModelViewSet):
    """The API price catalog: every dated entry (filter by provider and model)."""

    serializer_class = ApiPriceSerializer
    queryset = ApiModelPrice.objects.all()
    filterset_fields = ["provider", "model"]
    search_fields = ["provider", "model"]
    ordering_fields = ["id", "effective_from"]
