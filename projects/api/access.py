"""Per-project access in the API: who reaches a project and why; grant and revoke a role on it.

The same selectors and services as the project's access page. The project in the path is a 404
when the caller may not see it, a 403 when they see it but do not manage its client; the person or
group a grant names is a 404 when it does not exist and when it belongs to another client only,
with the same body.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from api.base import SafeRetriesMixin
from api.serializers import Serializer
from projects.access_list import Reason, grantee_find, project_access_list
from projects.models import Project
from projects.services.access import (
    PROJECT_ACTIONS,
    PROJECT_ROLE_CHOICES,
    project_access_grant,
    project_access_revoke,
)
from tenancy.access import Action, get_for_user_or_404, require
from tenancy.models import Role


class AccessHolderSerializer(Serializer):
    kind = serializers.ChoiceField(choices=["user", "group"], help_text="A person or a group.")
    name = serializers.CharField(help_text="The username, or the group's name.")
    display_name = serializers.CharField()
    tenant_role = serializers.ChoiceField(
        choices=Role.choices, allow_null=True, help_text="Their role in the project's client, if any."
    )
    all_projects = serializers.BooleanField(
        allow_null=True, help_text="Whether that role reaches all of the client's projects (null: no role)."
    )
    project_role = serializers.ChoiceField(
        choices=PROJECT_ROLE_CHOICES,
        allow_null=True,
        help_text="The role given on this project, to them or to the group.",
    )
    groups = serializers.ListField(
        child=serializers.CharField(), help_text="Groups with a grant on this project that they are in."
    )
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=[Reason.TENANT_ROLE, Reason.PROJECT_GRANT, Reason.GROUP_GRANT]),
        help_text="Why they reach the project: a client role on all projects, a grant on this project, "
        "a grant to one of their groups.",
    )
    actions = serializers.ListField(child=serializers.ChoiceField(choices=[str(a) for a in PROJECT_ACTIONS]))
    members = serializers.IntegerField(allow_null=True, help_text="A group's number of people (null for a person).")

    def to_representation(self, holder):
        return {
            "kind": holder.kind,
            "name": holder.name,
            "display_name": holder.display_name,
            "tenant_role": holder.tenant_role.value if holder.tenant_role else None,
            "all_projects": holder.all_projects,
            "project_role": holder.project_role.value if holder.project_role else None,
            "groups": holder.groups,
            "reasons": holder.reasons,
            "actions": holder.action_list,
            "members": holder.members,
        }


class ProjectGrantSerializer(Serializer):
    user = serializers.CharField(required=False, max_length=150, help_text="The username to give the role to.")
    group = serializers.CharField(required=False, max_length=150, help_text="Or the group's name.")
    role = serializers.ChoiceField(choices=PROJECT_ROLE_CHOICES)

    def validate(self, data):
        if bool(data.get("user")) == bool(data.get("group")):
            raise serializers.ValidationError({"user": "Give either user or group, not both."})
        return data


NO_GRANT = "No grant on this project to a person or group of that name."

ERRORS = {
    400: OpenApiResponse(description="Invalid input, or a change that would leave nobody able to approve."),
    403: OpenApiResponse(description="Allowed to see the project, not to manage its client's access."),
    404: OpenApiResponse(description="No such project, person or group, or another client's."),
}


class ProjectAccessViewSet(SafeRetriesMixin, viewsets.GenericViewSet):
    """Who reaches a project and why; per-project grants (customer admins of its client, platform admins)."""

    queryset = Project.objects.none()  # per caller: see _project
    serializer_class = AccessHolderSerializer
    pagination_class = None
    filter_backends = []  # the access list is the service's, whole and in its order

    def _project(self, pk) -> Project:
        project = get_for_user_or_404(
            Project.objects.select_related("tenant"), user=self.request.user, action=Action.VIEW, pk=pk
        )
        require(self.request.user, project.tenant, Action.MANAGE)
        return project

    def _answer(self, project, status_code=status.HTTP_200_OK):
        return Response(
            AccessHolderSerializer(project_access_list(project=project), many=True).data, status=status_code
        )

    @extend_schema(responses={200: AccessHolderSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]})
    def list(self, request, pk=None):
        return self._answer(self._project(pk))

    @extend_schema(
        request=ProjectGrantSerializer,
        responses={200: AccessHolderSerializer(many=True), **ERRORS},
        examples=[OpenApiExample("Give one project to an outside engineer", {"user": "ana", "role": "engineer"})],
    )
    def create(self, request, pk=None):
        """Give a person or a group a role's rights on this project, replacing what they held on it.
        Answers with the project's access list."""
        project = self._project(pk)
        serializer = ProjectGrantSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        grantee = grantee_find(user=data.get("user"), group=data.get("group"))
        kind = "user" if data.get("user") else "group"
        project_access_grant(project=project, role=data["role"], actor=request.user, **{kind: grantee})
        return self._answer(project)

    @extend_schema(responses={204: None, **ERRORS})
    def destroy_user(self, request, pk=None, name=None):
        """Take back every right the person holds on this project through a grant."""
        return self._revoke(request, pk, user=name)

    @extend_schema(responses={204: None, **ERRORS})
    def destroy_group(self, request, pk=None, name=None):
        """Take back every right the group holds on this project."""
        return self._revoke(request, pk, group=name)

    def _revoke(self, request, pk, **name):
        """A name that holds no grant here answers like an unknown one: 404, the same body."""
        project = self._project(pk)
        try:
            grantee = grantee_find(**name)
        except Http404:
            raise Http404(NO_GRANT) from None
        kind = "user" if name.get("user") else "group"
        if not project_access_revoke(project=project, actor=request.user, **{kind: grantee}):
            raise Http404(NO_GRANT)
        return Response(status=status.HTTP_204_NO_CONTENT)
