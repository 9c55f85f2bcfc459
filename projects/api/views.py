from django.db import transaction
from django.db.models import Prefetch, Value
from django.db.models.functions import NullIf
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.base import SafeRetriesMixin, etag_of
from api.errors import named_within
from api.permissions import approve_scope_on_post
from api.references import target
from api.rows import RowListMixin
from projects.api.filters import (
    ApprovalPolicyFilter,
    ApprovalRequestFilter,
    FreezeWindowFilter,
    ProjectFilter,
    TicketFilter,
)
from projects.api.serializers import (
    ApprovalPolicySerializer,
    ApprovalPolicyWriteSerializer,
    ApprovalRequestCreateSerializer,
    ApprovalRequestSerializer,
    DecideSerializer,
    FreezeOverrideSerializer,
    FreezeWindowSerializer,
    FreezeWindowWriteSerializer,
    ProjectCreateSerializer,
    ProjectDetailSerializer,
    ProjectListSerializer,
    ProjectUpdateSerializer,
    ReasonSerializer,
    RollbackSerializer,
    StageTransitionSerializer,
    TicketLinkSerializer,
)
from projects.models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    EvidenceLink,
    FreezeWindow,
    Project,
    StageTransition,
    TicketReference,
)
from projects.rollout_settings.selectors import policy_candidates
from projects.selectors import lead_candidates, relay_candidates, tickets_visible
from projects.services.approvals import (
    approval_decide,
    approval_freeze_override,
    approval_request_cancel,
    approval_request_create,
    eligibility,
    relay_check,
)
from projects.services.policies import freeze_window_delete, freeze_window_save, policy_delete, policy_save
from projects.services.projects import LEAD_REFUSED, profile_update, project_create, project_update
from projects.services.stages import project_pause, project_retire, project_rollback
from tenancy.access import Action, get_for_user_or_404, require, require_any, restrict, restricts_nothing
from tenancy.models import Tenant

ERRORS = {
    400: OpenApiResponse(description="Invalid input: the error names each field and rule."),
    403: OpenApiResponse(description="Allowed to see, not to do this."),
    404: OpenApiResponse(description="No such object, or another client's."),
}


class ProjectInPathMixin:
    """For views nested under a project (``project_pk``): the project, 404 if the caller may not
    see it, loaded once per request."""

    def project(self) -> Project:
        if getattr(self, "_project", None) is None:
            self._project = get_for_user_or_404(
                Project.objects.select_related("tenant"), user=self.request.user, pk=self.kwargs["project_pk"]
            )
        return self._project


class ProjectObjectMixin:
    """The projects a caller may see, with what their representation reads, and the answer to a
    write on one: shared by the project endpoints of every app (``deployments.api`` adds some)."""

    def get_queryset(self):
        projects = restrict(Project.objects.all(), user=self.request.user, action=Action.VIEW)
        projects = projects.annotate(readiness_status=NullIf("standing__readiness_status", Value("")))
        if self.action == "list":
            return projects  # read as rows of the list serializer's columns (api.rows)
        return projects.select_related("tenant", "delivery_lead", "profile", "environment").prefetch_related(
            Prefetch("tickets", queryset=TicketReference.objects.order_by("pk")),
            "routing_rules",
            Prefetch("evidence_links", queryset=EvidenceLink.objects.order_by("pk")),
        )

    def project_response(self, pk):
        """The project after a write, with its new ETag (for the next write's If-Match)."""
        project = self.get_queryset().get(pk=pk)
        data = ProjectDetailSerializer(project, context=self.get_serializer_context()).data
        return Response(data, headers={"ETag": etag_of(data)})


class ProjectViewSet(
    ProjectObjectMixin,
    RowListMixin,
    SafeRetriesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Projects the caller may see. Writes go through the same services as the browser."""

    filterset_class = ProjectFilter
    queryset = Project.objects.none()  # per caller: see get_queryset
    search_fields = ["code", "name", "description", "tickets__key"]
    ordering_fields = ["id", "updated_at", "name", "code"]

    def get_serializer_class(self):
        if self.action == "list":
            return ProjectListSerializer
        return ProjectDetailSerializer

    def list_shape(self):
        """For an active platform admin, ``restrict`` answers every project: the list's queryset is
        the same for each of their requests that asks only for a page (``api.rows``)."""
        return "every project" if restricts_nothing(self.request.user) else None

    def retrieve(self, request, *args, **kwargs):
        """The project, with the ETag of the representation it tags."""
        data = self.get_serializer(self.get_object()).data
        return Response(data, headers={"ETag": etag_of(data)})

    @extend_schema(request=ProjectCreateSerializer, responses={201: ProjectDetailSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        tenant = target(request, field="tenant", queryset=Tenant.objects.all(), lookup="slug", action=Action.CHANGE)
        data = validated(ProjectCreateSerializer, request.data)
        data.pop("tenant")
        tickets = [dict(ticket) for ticket in data.pop("tickets", [])]
        project = project_create(
            tenant=tenant, actor=request.user, profile=data.pop("profile", None), tickets=tickets, **data
        )
        project = self.get_queryset().get(pk=project.pk)
        response = Response(self.get_serializer(project).data, status=status.HTTP_201_CREATED)
        response["ETag"] = self.etag_for(project)
        return response

    @extend_schema(request=ProjectUpdateSerializer, responses={200: ProjectDetailSerializer, 412: None, **ERRORS})
    def partial_update(self, request, *args, **kwargs):
        project = writable(self.get_object(), request, Action.CHANGE, Action.CHANGE_TECHNICAL)
        data = validated(ProjectUpdateSerializer, request.data)
        if data.get("delivery_lead") is not None:
            data["delivery_lead"] = self._lead(project, data["delivery_lead"])
        profile = data.pop("profile", None)
        with transaction.atomic():
            if data:
                project_update(project=project, actor=request.user, **data)
            if profile:
                with named_within("profile"):
                    profile_update(project=project, actor=request.user, **profile)
        project = self.get_queryset().get(pk=project.pk)
        response = Response(self.get_serializer(project).data)
        response["ETag"] = self.etag_for(project)
        return response

    def _lead(self, project, username):
        """The person a PATCH names to lead the project, among those who may (the edit page's
        choices). Any other name, unknown or another client's person alike, gets the service's
        answer to a lead outside them, after the right a change of lead needs (its order)."""
        lead = lead_candidates(project).filter(username=username).first()
        if lead is None:
            require(self.request.user, project, Action.CHANGE)
            raise ValidationError({"delivery_lead": [LEAD_REFUSED]})
        return lead

    @extend_schema(request=None, responses={200: StageTransitionSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="stage-history", pagination_class=None, filter_backends=[])
    def stage_history(self, request, pk=None):
        project = self.get_object()
        moves = StageTransition.objects.filter(project=project).select_related("actor").order_by("created_at", "pk")
        return Response(StageTransitionSerializer(moves, many=True).data)

    @extend_schema(request=RollbackSerializer, responses={200: ProjectDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        project = writable(self.get_object(), request, Action.PROMOTE)
        project_rollback(project=project, actor=request.user, **validated(RollbackSerializer, request.data))
        return self.project_response(pk)

    @extend_schema(request=ReasonSerializer, responses={200: ProjectDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        project = writable(self.get_object(), request, Action.PROMOTE)
        project_pause(project=project, actor=request.user, **validated(ReasonSerializer, request.data))
        return self.project_response(pk)

    @extend_schema(request=ReasonSerializer, responses={200: ProjectDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        project = writable(self.get_object(), request, Action.PROMOTE)
        project_retire(project=project, actor=request.user, **validated(ReasonSerializer, request.data))
        return self.project_response(pk)


class TicketViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Find ticket links by key: ``?key=ai-42`` finds AI-42 exactly, whatever its case (``AI-4``
    does not), among the projects the caller may see; narrow with ``system`` and ``tenant``."""

    serializer_class = TicketLinkSerializer
    queryset = TicketReference.objects.none()  # per caller: see get_queryset
    filterset_class = TicketFilter
    ordering_fields = ["id"]

    def get_queryset(self):
        return tickets_visible(user=self.request.user)


class ApprovalRequestViewSet(SafeRetriesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Promotion requests and their decisions; approve / reject / cancel as actions."""

    serializer_class = ApprovalRequestSerializer
    queryset = ApprovalRequest.objects.none()  # per caller: see get_queryset
    filterset_class = ApprovalRequestFilter
    ordering_fields = ["id", "created_at", "expires_at"]

    def get_queryset(self):
        return (
            restrict(ApprovalRequest.objects.all(), user=self.request.user, action=Action.VIEW)
            .select_related("tenant", "project", "requested_by", "freeze_override_by")
            .prefetch_related(
                Prefetch("decisions", queryset=ApprovalDecision.objects.select_related("approver", "relayed_by"))
            )
        )

    @extend_schema(request=ApprovalRequestCreateSerializer, responses={201: ApprovalRequestSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        project = target(request, field="project", queryset=Project.objects.all(), action=Action.PROMOTE)
        data = validated(ApprovalRequestCreateSerializer, request.data)
        approval = approval_request_create(
            project=project, actor=request.user, target_stage=data.get("target_stage"), note=data["note"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=approval.pk)).data, status=201)

    @extend_schema(request=DecideSerializer, responses={200: ApprovalRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"], required_scope=approve_scope_on_post)
    def approve(self, request, pk=None):
        return self._decide(request, ApprovalDecision.Verdict.APPROVE)

    @extend_schema(request=DecideSerializer, responses={200: ApprovalRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"], required_scope=approve_scope_on_post)
    def reject(self, request, pk=None):
        return self._decide(request, ApprovalDecision.Verdict.REJECT)

    @extend_schema(request=FreezeOverrideSerializer, responses={200: ApprovalRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="freeze-override")
    def freeze_override(self, request, pk=None):
        """Let this request go through a change freeze: platform admins only, with a reason (audited)."""
        approval = self.get_object()
        data = validated(FreezeOverrideSerializer, request.data)
        approval_freeze_override(request=approval, actor=request.user, reason=data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=approval.pk)).data)

    @extend_schema(request=None, responses={200: ApprovalRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        approval_request_cancel(request=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    def _decide(self, request, verdict):
        approval = self.get_object()
        project = approval.project
        # Who may decide is checked before the body is: a relay needs a service account of this
        # client; a decision of one's own, eligibility under the request's policy.
        if not relaying(request, project):
            eligibility(actor=request.user, request=approval, project=project)
        data = validated(DecideSerializer, request.data)
        approver, relayed_by = relayed(request, project, data)
        approval_decide(
            request=approval, actor=approver, verdict=verdict, comment=data["comment"], relayed_by=relayed_by
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=approval.pk)).data)


class _TenantSettingViewSet(SafeRetriesMixin, viewsets.ModelViewSet):
    """A tenant setting: every member may read it; customer admins change it through the services."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        visible = restrict(Tenant.objects.all(), user=self.request.user, action=Action.VIEW)
        return self.queryset.model.objects.filter(tenant__in=visible).select_related("tenant")

    def _tenant(self, request):
        """The tenant named in the body, which the caller must manage (404 if unseen, 403 if not managed)."""
        return target(request, field="tenant", queryset=Tenant.objects.all(), lookup="slug", action=Action.MANAGE)

    def _answer(self, obj, status_code=200):
        obj = self.get_queryset().get(pk=obj.pk)
        response = Response(self.get_serializer(obj).data, status=status_code)
        response["ETag"] = self.etag_for(obj)
        return response


class ApprovalPolicyViewSet(_TenantSettingViewSet):
    serializer_class = ApprovalPolicySerializer
    filterset_class = ApprovalPolicyFilter
    ordering_fields = ["id", "target_stage", "updated_at"]
    queryset = ApprovalPolicy.objects.none()  # per caller: see get_queryset

    def get_queryset(self):
        return super().get_queryset().prefetch_related("eligible_users")

    @extend_schema(request=ApprovalPolicyWriteSerializer, responses={201: ApprovalPolicySerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        tenant = self._tenant(request)
        data = validated(ApprovalPolicyWriteSerializer, request.data)
        data.pop("tenant")
        users = self._users(tenant, None, data.pop("eligible_users", None))
        return self._answer(policy_save(tenant=tenant, actor=request.user, eligible_users=users, **data), 201)

    @extend_schema(request=ApprovalPolicyWriteSerializer, responses={200: ApprovalPolicySerializer, **ERRORS})
    def partial_update(self, request, *args, **kwargs):
        policy = writable(self.get_object(), request, Action.MANAGE, on=lambda policy: policy.tenant)
        data = validated(ApprovalPolicyWriteSerializer, {"tenant": policy.tenant.slug, **request.data})
        refuse_moves(request, data, tenant=policy.tenant.slug, target_stage=policy.target_stage)
        data.pop("tenant")
        data["target_stage"] = policy.target_stage
        users = self._users(policy.tenant, policy, data.pop("eligible_users", None))
        return self._answer(policy_save(tenant=policy.tenant, actor=request.user, eligible_users=users, **data))

    def perform_destroy(self, instance):
        policy_delete(policy=instance, actor=self.request.user)

    def _users(self, tenant, policy, usernames):
        """The named approvers, among the people who may be named (the settings page's choices):
        a name that exists nowhere and another client's person get the same answer."""
        if usernames is None:
            return None
        users = list(policy_candidates(tenant=tenant, policy=policy).filter(username__in=usernames))
        missing = sorted(set(usernames) - {user.username for user in users})
        if missing:
            raise ValidationError({"eligible_users": [f"Not a person who can see this client: {', '.join(missing)}."]})
        return users


class FreezeWindowViewSet(_TenantSettingViewSet):
    serializer_class = FreezeWindowSerializer
    queryset = FreezeWindow.objects.none()  # per caller: see get_queryset
    filterset_class = FreezeWindowFilter
    ordering_fields = ["id", "name"]

    @extend_schema(request=FreezeWindowWriteSerializer, responses={201: FreezeWindowSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        tenant = self._tenant(request)
        data = validated(FreezeWindowWriteSerializer, request.data)
        data.pop("tenant", None)
        return self._answer(freeze_window_save(tenant=tenant, actor=request.user, **data), 201)

    @extend_schema(request=FreezeWindowWriteSerializer, responses={200: FreezeWindowSerializer, **ERRORS})
    def partial_update(self, request, *args, **kwargs):
        window = writable(self.get_object(), request, Action.MANAGE, on=lambda window: window.tenant)
        data = validated(FreezeWindowWriteSerializer, request.data)
        refuse_moves(request, data, tenant=window.tenant.slug)
        data.pop("tenant", None)
        return self._answer(freeze_window_save(tenant=window.tenant, actor=request.user, window=window, **data))

    def perform_destroy(self, instance):
        freeze_window_delete(window=instance, actor=self.request.user)


#: What a change of a setting's client or stage is told: a setting stays where it was made.
MOVE_REFUSALS = {
    "tenant": "A setting stays with the client it was made for: make one for the other client instead.",
    "target_stage": "A policy keeps the stage it was made for: change the policy of that stage, or make one.",
}


def refuse_moves(request, data, **current) -> None:
    """A PATCH may repeat a setting's client or stage (as a client read it), never change them: a
    different one is refused by name, not ignored. An unknown client and another client's are told
    the same."""
    errors = {
        name: [MOVE_REFUSALS[name]] for name, value in current.items() if name in request.data and data[name] != value
    }
    if errors:
        raise ValidationError(errors)


def writable(obj, request, *actions, on=None):
    """``obj`` if the caller may take one of ``actions`` on it (or on ``on(obj)``); otherwise 403,
    before the request's body is read: a caller who may not change an object learns nothing from
    field errors."""
    require_any(request.user, on(obj) if on else obj, *actions)
    return obj


def relaying(request, project) -> bool:
    """Whether the caller relays a person's decision (``on_behalf_of`` in the body). Then it must be a
    service account of the project's client (403 with the rule otherwise), checked before the body is."""
    relays = isinstance(request.data, dict) and request.data.get("on_behalf_of") not in (None, "")
    if relays:
        relay_check(relayed_by=request.user, project=project)
    return relays


def relayed(request, project, data) -> tuple:
    """(the person who decides, the service account relaying them or None) from the validated body:
    ``on_behalf_of`` names an active person who can see ``project`` (400 on the field otherwise,
    the same answer for a name that exists nowhere and for one of another client's people)."""
    if not data.get("on_behalf_of"):
        return request.user, None
    person = relay_candidates(project).filter(username=data["on_behalf_of"]).first()
    if person is None:
        raise ValidationError({"on_behalf_of": ["No active person who can see this project has this username."]})
    return person, request.user


def validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
