"""Where a project runs, through the API: switching its deployment model, recording its
customer-cloud environment and the client's sign-offs of it, replacing its routing rules. Routed
under ``/projects/{id}/`` beside the project's own endpoints, answering with the project as they do
(and its new ETag)."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from api.base import SafeRetriesMixin
from api.errors import named_within
from deployments.api.serializers import (
    DeploymentSwitchSerializer,
    EnvironmentChangeSerializer,
    RoutingRulesSerializer,
    SignOffSerializer,
    environment_fields,
)
from deployments.services import (
    deployment_model_switch,
    environment_sign_off,
    environment_update,
    routing_rules_replace,
    sign_off_check,
)
from projects.api.serializers import ProjectDetailSerializer
from projects.api.views import ERRORS, ProjectObjectMixin, relayed, relaying, validated, writable
from projects.models import Project
from tenancy.access import Action


class ProjectDeploymentViewSet(ProjectObjectMixin, SafeRetriesMixin, viewsets.GenericViewSet):
    serializer_class = ProjectDetailSerializer
    queryset = Project.objects.none()  # per caller: see get_queryset

    @extend_schema(request=DeploymentSwitchSerializer, responses={200: ProjectDetailSerializer, **ERRORS})
    def deployment_model(self, request, pk=None):
        """Switch between managed application and customer cloud (with the environment's facts)."""
        project = writable(self.get_object(), request, Action.CHANGE)
        data = validated(DeploymentSwitchSerializer, request.data)
        with named_within("environment", outside={"deployment_model", "environment"}):
            deployment_model_switch(project=project, actor=request.user, **data)
        return self.project_response(pk)

    @extend_schema(request=EnvironmentChangeSerializer, responses={200: ProjectDetailSerializer, **ERRORS})
    def environment(self, request, pk=None):
        """Record or change the customer-cloud environment's facts."""
        project = writable(self.get_object(), request, Action.CHANGE_TECHNICAL)
        environment_update(project=project, actor=request.user, **environment_fields(request.data))
        return self.project_response(pk)

    @extend_schema(request=RoutingRulesSerializer, responses={200: ProjectDetailSerializer, **ERRORS})
    def routing_rules(self, request, pk=None):
        """Replace the hybrid routing rules as a whole (shares add up to 100%)."""
        project = writable(self.get_object(), request, Action.CHANGE_TECHNICAL)
        routing_rules_replace(
            project=project, actor=request.user, rules=validated(RoutingRulesSerializer, request.data)["rules"]
        )
        return self.project_response(pk)

    @extend_schema(request=SignOffSerializer, responses={200: ProjectDetailSerializer, **ERRORS})
    def sign_off(self, request, pk=None):
        """The client's sign-off of its environment: ``access_pattern`` approves the access pattern,
        ``data_residency`` confirms the residency regions. Only a person who speaks for the client may
        (its customer admins and approvers, or a platform admin), with the ``approve`` scope; a
        service account of the client relays such a person's sign-off by naming them in
        ``on_behalf_of`` (as for approvals), never signs in its own name. The fact signed must be
        recorded first (400 naming it). With If-Match, the project's ETag: the sign-off covers the
        environment as read."""
        project = self.get_object()
        if not relaying(request, project):
            sign_off_check(request.user, project)
        data = validated(SignOffSerializer, request.data)
        signer, relayed_by = relayed(request, project, data)
        environment_sign_off(project=project, actor=signer, kind=data["kind"], relayed_by=relayed_by)
        return self.project_response(pk)
