from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.access import Action, get_for_user_or_404, restrict
from accounts.api.base import SafeRetriesMixin
from accounts.models import ApiToken, Tenant, User
from assessments.models import Assessment
from projects.api.filters import ApprovalRequestFilter, ProjectFilter
from projects.api.serializers import (
    ApprovalRequestCreateSerializer,
    ApprovalRequestSerializer,
    DecideSerializer,
    ProjectCreateSerializer,
    ProjectDetailSerializer,
    ProjectListSerializer,
    ProjectUpdateSerializer,
    ReasonSerializer,
    RollbackSerializer,
    StageTransitionSerializer,
)
from projects.models import ApprovalDecision, ApprovalRequest, EvidenceLink, Project, StageTransition, TicketReference
from projects.services.approvals import approval_decide, approval_request_cancel, approval_request_create
from projects.services.projects import profile_update, project_create, project_update
from projects.services.stages import project_pause, project_retire, project_rollback

ERRORS = {
    400: OpenApiResponse(description="Invalid input: the error names each field and rule."),
    403: OpenApiResponse(description="Allowed to see, not to do this."),
    404: OpenApiResponse(description="No such object, or another client's."),
}


class ProjectViewSet(SafeRetriesMixin, viewsets.ModelViewSet):
    """Projects the caller may see. Writes go through the same services as the browser."""

    filterset_class = ProjectFilter
    queryset = Project.objects.none()  # per caller: see get_queryset
    search_fields = ["code", "name", "description", "tickets__key"]
    ordering_fields = ["id", "updated_at", "name", "code"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        latest_status = Assessment.objects.filter(project=OuterRef("pk")).order_by("-created_at", "-pk")
        projects = restrict(Project.objects.all(), user=self.request.user, action=Action.VIEW).select_related(
            "tenant", "delivery_lead"
        )
        projects = projects.annotate(readiness_status=Subquery(latest_status.values("status")[:1]))
        projects = projects.prefetch_related(Prefetch("tickets", queryset=TicketReference.objects.order_by("pk")))
        if self.action != "list":
            projects = projects.select_related("profile", "environment").prefetch_related(
                "routing_rules", Prefetch("evidence_links", queryset=EvidenceLink.objects.order_by("pk"))
            )
        return projects

    def get_serializer_class(self):
        if self.action == "list":
            return ProjectListSerializer
        return ProjectDetailSerializer

    @extend_schema(request=ProjectCreateSerializer, responses={201: ProjectDetailSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        data = _valid(ProjectCreateSerializer, request.data)
        tenant = get_for_user_or_404(Tenant.objects.all(), user=request.user, slug=data.pop("tenant"))
        project = project_create(tenant=tenant, actor=request.user, profile=data.pop("profile", None), **data)
        project = self.get_queryset().get(pk=project.pk)
        response = Response(self.get_serializer(project).data, status=status.HTTP_201_CREATED)
        response["ETag"] = self.etag_for(project)
        return response

    @extend_schema(request=ProjectUpdateSerializer, responses={200: ProjectDetailSerializer, 412: None, **ERRORS})
    def partial_update(self, request, *args, **kwargs):
        project = self.get_object()
        self.check_if_match(request, project)
        data = _valid(ProjectUpdateSerializer, request.data)
        profile = data.pop("profile", None)
        with transaction.atomic():
            if data:
                project_update(project=project, actor=request.user, **data)
            if profile:
                profile_update(project=project, actor=request.user, **profile)
        project = self.get_queryset().get(pk=project.pk)
        response = Response(self.get_serializer(project).data)
        response["ETag"] = self.etag_for(project)
        return response

    @extend_schema(request=None, responses={200: StageTransitionSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="stage-history", pagination_class=None)
    def stage_history(self, request, pk=None):
        project = self.get_object()
        moves = StageTransition.objects.filter(project=project).select_related("actor").order_by("created_at", "pk")
        return Response(StageTransitionSerializer(moves, many=True).data)

    @extend_schema(request=RollbackSerializer, responses={200: ProjectDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        project = self.get_object()
        project_rollback(project=project, actor=request.user, **_valid(RollbackSerializer, request.data))
        return self._project(pk)

    @extend_schema(request=ReasonSerializer, responses={200: ProjectDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        project = self.get_object()
        project_pause(project=project, actor=request.user, **_valid(ReasonSerializer, request.data))
        return self._project(pk)

    @extend_schema(request=ReasonSerializer, responses={200: ProjectDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        project = self.get_object()
        project_retire(project=project, actor=request.user, **_valid(ReasonSerializer, request.data))
        return self._project(pk)

    def _project(self, pk):
        project = self.get_queryset().get(pk=pk)
        return Response(ProjectDetailSerializer(project, context=self.get_serializer_context()).data)


def _approve_scope(request):
    return ApiToken.Scope.APPROVE if request.method == "POST" else ApiToken.Scope.READ


class ApprovalRequestViewSet(SafeRetriesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Promotion requests and their decisions; approve / reject / cancel as actions."""

    serializer_class = ApprovalRequestSerializer
    queryset = ApprovalRequest.objects.none()  # per caller: see get_queryset
    filterset_class = ApprovalRequestFilter
    ordering_fields = ["id", "created_at", "expires_at"]

    def get_queryset(self):
        return (
            restrict(ApprovalRequest.objects.all(), user=self.request.user, action=Action.VIEW)
            .select_related("tenant", "requested_by")
            .prefetch_related(
                Prefetch("decisions", queryset=ApprovalDecision.objects.select_related("approver", "relayed_by"))
            )
        )

    @extend_schema(request=ApprovalRequestCreateSerializer, responses={201: ApprovalRequestSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        data = _valid(ApprovalRequestCreateSerializer, request.data)
        project = get_for_user_or_404(Project.objects.all(), user=request.user, pk=data["project"])
        approval = approval_request_create(
            project=project, actor=request.user, target_stage=data.get("target_stage"), note=data["note"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=approval.pk)).data, status=201)

    @extend_schema(request=DecideSerializer, responses={200: ApprovalRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"], required_scope=_approve_scope)
    def approve(self, request, pk=None):
        return self._decide(request, ApprovalDecision.Verdict.APPROVE)

    @extend_schema(request=DecideSerializer, responses={200: ApprovalRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"], required_scope=_approve_scope)
    def reject(self, request, pk=None):
        return self._decide(request, ApprovalDecision.Verdict.REJECT)

    @extend_schema(request=None, responses={200: ApprovalRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        approval_request_cancel(request=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    def _decide(self, request, verdict):
        approval = self.get_object()
        data = _valid(DecideSerializer, request.data)
        approver, relayed_by = request.user, None
        if data.get("on_behalf_of"):
            approver = User.objects.filter(username=data["on_behalf_of"], is_active=True).first()
            if approver is None:
                raise ValidationError({"on_behalf_of": ["No active person with this username."]})
            relayed_by = request.user
        approval_decide(
            request=approval, actor=approver, verdict=verdict, comment=data["comment"], relayed_by=relayed_by
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=approval.pk)).data)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
