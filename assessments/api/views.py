from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base import SafeRetriesMixin, etag_of
from api.fields import DocumentField
from api.filters import FilterBackend
from api.permissions import approve_scope_on_post
from api.serializers import ModelSerializer
from assessments.api.documents import (
    AssessmentInputsSerializer,
    AssessmentResultSerializer,
    CostEstimateInputsSerializer,
    CostEstimateResultSerializer,
    CostPlanRecordSerializer,
    JobResultSerializer,
)
from assessments.api.filters import (
    ApiPriceFilter,
    AssessmentFilter,
    CostEstimateFilter,
    GateEvidenceFilter,
    JobFilter,
)
from assessments.api.serializers import (
    CostPlanSerializer,
    CostPlanValuesSerializer,
    GateEvidenceRecordSerializer,
    GateEvidenceSerializer,
    cost_plan_fields,
)
from assessments.jobs import job_request
from assessments.models import ApiModelPrice, Assessment, CostEstimate, GateEvidence, Job
from assessments.selectors import evidence_for
from assessments.services.cost_plans import cost_plan_update
from assessments.services.gates import evidence_accept, evidence_record, evidence_withdraw, project_today
from assessments.tasks import recalculate_costs, run_assessment
from projects.api.views import ERRORS, ProjectInPathMixin, validated, writable
from projects.models import Project
from tenancy.access import Action, get_for_user_or_404, restrict, restrict_under


class JobSerializer(ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    result = DocumentField(shape=JobResultSerializer, read_only=True)

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


class AssessmentSerializer(ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    result = DocumentField(shape=AssessmentResultSerializer, read_only=True)
    inputs = DocumentField(shape=AssessmentInputsSerializer, read_only=True, help_text="The facts it was made from.")

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


class CostEstimateSerializer(ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    result = DocumentField(shape=CostEstimateResultSerializer, read_only=True)
    plan = DocumentField(shape=CostPlanRecordSerializer, read_only=True, help_text="The cost plan it used.")
    inputs = DocumentField(shape=CostEstimateInputsSerializer, read_only=True, help_text="What it was priced from.")

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
            "api_price",
            "gpu_price",
            "plan",
            "inputs",
            "job",
            "created_at",
        ]
        read_only_fields = fields


class _ProjectRunViewSet(SafeRetriesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """History of one project's results (newest first); POST asks for a new run and answers 202 with a job."""

    job_kind = None
    task = None
    ordering_fields = ["id", "created_at"]

    def project(self):
        return get_for_user_or_404(Project.objects.all(), user=self.request.user, pk=self.kwargs["project_pk"])

    def get_queryset(self):
        project = self.project()  # another tenant's project is a 404, not an empty list
        model = self.get_serializer_class().Meta.model
        return restrict_under(model.objects.all(), user=self.request.user, parent=project).select_related("tenant")

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
    filterset_class = AssessmentFilter
    queryset = Assessment.objects.none()  # per caller and project: see get_queryset
    job_kind = Job.Kind.ASSESSMENT
    task = run_assessment


class CostEstimateViewSet(_ProjectRunViewSet):
    serializer_class = CostEstimateSerializer
    filterset_class = CostEstimateFilter
    queryset = CostEstimate.objects.none()  # per caller and project: see get_queryset
    job_kind = Job.Kind.COST
    task = recalculate_costs


class GateEvidenceViewSet(
    ProjectInPathMixin, SafeRetriesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A project's stage-gate evidence: current first, then withdrawn (kept on record, never deleted).

    Recorded and withdrawn by the delivery side (engineers and delivery leads); accepted by the
    client (a customer admin or approver) where the checklist item is theirs to confirm. Whether a
    piece counts is the readiness engine's rule, for the client's today.
    """

    serializer_class = GateEvidenceSerializer
    queryset = GateEvidence.objects.none()  # per caller and project: see get_queryset
    filterset_class = GateEvidenceFilter
    filter_backends = [FilterBackend]
    pagination_class = None  # a handful of items and their withdrawn history, in the order above
    lookup_value_converter = "int"

    def get_queryset(self):
        return evidence_for(user=self.request.user, project=self.project())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "project_pk" in self.kwargs:  # not when the schema is generated
            context["today"] = project_today(self.project())
        return context

    def _answer(self, evidence, status_code=status.HTTP_200_OK):
        """The evidence after a write, with its new ETag (for the next write's If-Match)."""
        data = self.get_serializer(self.get_queryset().get(pk=evidence.pk)).data
        return Response(data, status=status_code, headers={"ETag": etag_of(data)})

    @extend_schema(request=GateEvidenceRecordSerializer, responses={201: GateEvidenceSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        """Record what satisfies a checklist item (replacing the item's current evidence)."""
        project = writable(self.project(), request, Action.CHANGE_TECHNICAL)
        evidence = evidence_record(
            project=project, actor=request.user, **validated(GateEvidenceRecordSerializer, request.data)
        )
        return self._answer(evidence, status.HTTP_201_CREATED)

    # Accepting evidence is the client's sign-off: the token scope approval decisions need.
    @extend_schema(request=None, responses={200: GateEvidenceSerializer, **ERRORS})
    @action(detail=True, methods=["post"], required_scope=approve_scope_on_post)
    def accept(self, request, *args, **kwargs):
        """The client's acceptance (a customer admin or approver), for an item the client confirms."""
        return self._answer(evidence_accept(evidence=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses={200: GateEvidenceSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        """Take the evidence back: it stops counting and stays on record."""
        return self._answer(evidence_withdraw(evidence=self.get_object(), actor=request.user))


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = JobSerializer
    queryset = Job.objects.none()  # per caller: see get_queryset
    filterset_class = JobFilter
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        jobs = Job.objects.select_related("tenant")
        if self.request.user.is_platform_admin:
            return jobs
        visible = restrict(Project.objects.all(), user=self.request.user).values("pk")
        return jobs.filter(project__in=visible)


class ApiPriceSerializer(ModelSerializer):
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
    filterset_class = ApiPriceFilter
    search_fields = ["provider", "model"]
    ordering_fields = ["id", "effective_from"]


class CostPlanViewSet(SafeRetriesMixin, viewsets.GenericViewSet):
    """A project's cost plan: read it (with its ETag), change some of its fields (PATCH, with
    If-Match); a change re-runs the project's estimate. Blank fields take the client's defaults,
    then the platform's. Changed by those who may change the project's technical details."""

    serializer_class = CostPlanSerializer
    queryset = Project.objects.none()  # per caller: see get_queryset
    lookup_url_kwarg = "project_pk"

    def get_queryset(self):
        return restrict(Project.objects.all(), user=self.request.user, action=Action.VIEW)

    @extend_schema(responses={200: CostPlanSerializer, 404: ERRORS[404]})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=CostPlanValuesSerializer, responses={200: CostPlanSerializer, **ERRORS})
    def partial_update(self, request, *args, **kwargs):
        """Change the fields sent; null or "" leaves a field to the defaults."""
        project = writable(self.get_object(), request, Action.CHANGE_TECHNICAL)
        cost_plan_update(project=project, actor=request.user, **cost_plan_fields(request.data))
        data = self.get_serializer(project).data
        return Response(data, headers={"ETag": etag_of(data)})
