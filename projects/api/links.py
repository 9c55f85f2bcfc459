"""A project's links to what lives outside Stagegate, under the project: its tickets and its
evidence links. Listed by whoever sees the project; added and removed (``write`` scope) by those
who may change its technical details (engineers and delivery leads), through the same services as
the project's evidence and tickets page."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from api.base import SafeRetriesMixin, etag_of
from projects.api.serializers import (
    EvidenceLinkSerializer,
    EvidenceLinkWriteSerializer,
    TicketSerializer,
    TicketWriteSerializer,
)
from projects.api.views import ERRORS, ProjectInPathMixin, validated, writable
from projects.models import EvidenceLink, TicketReference
from projects.services.projects import evidence_add, evidence_remove, ticket_link, ticket_unlink
from tenancy.access import Action, restrict_under


def link_schema(request, response, *, added: str, removed: str):
    """The schema of a ``ProjectLinkViewSet``: the bodies its writes take and give, what they do."""
    return extend_schema_view(
        create=extend_schema(description=added, request=request, responses={201: response, **ERRORS}),
        destroy=extend_schema(description=removed, responses={204: None, 412: None, **ERRORS}),
    )


class ProjectLinkViewSet(
    ProjectInPathMixin,
    SafeRetriesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Links of the project in the path, oldest first. A subclass names its serializers and the
    services that add (``link_add``) and remove (``link_remove``) one."""

    write_serializer_class = None
    pagination_class = None  # a handful per project
    filter_backends = []
    lookup_value_converter = "int"

    def get_queryset(self):
        model = self.get_serializer_class().Meta.model
        return restrict_under(model.objects.all(), user=self.request.user, parent=self.project()).order_by("pk")

    def link_add(self, *, project, actor, **data):
        raise NotImplementedError

    def link_remove(self, link, *, actor) -> None:
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        project = writable(self.project(), request, Action.CHANGE_TECHNICAL)
        fields = validated(self.write_serializer_class, request.data)
        data = self.get_serializer(self.link_add(project=project, actor=request.user, **fields)).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"ETag": etag_of(data)})

    def destroy(self, request, *args, **kwargs):
        writable(self.project(), request, Action.CHANGE_TECHNICAL)
        self.link_remove(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@link_schema(
    TicketWriteSerializer,
    TicketSerializer,
    added="Link a ticket to the project.",
    removed="Unlink the ticket (the ticket itself lives on in its system).",
)
class ProjectTicketViewSet(ProjectLinkViewSet):
    """A project's ticket links: listed, linked (``write`` scope; engineers and delivery leads) and
    unlinked, through the same services as the project's page. A key is unique per client and system
    whatever its case; one linked already is refused on ``key``, naming its project only to a caller
    who may see that project."""

    serializer_class = TicketSerializer
    write_serializer_class = TicketWriteSerializer
    queryset = TicketReference.objects.none()  # per caller and project: see get_queryset

    def link_add(self, *, project, actor, **data):
        return ticket_link(project=project, actor=actor, **data)

    def link_remove(self, link, *, actor) -> None:
        ticket_unlink(ticket=link, actor=actor)


@link_schema(
    EvidenceLinkWriteSerializer,
    EvidenceLinkSerializer,
    added="Add evidence to the project: a title and an address, or a reference when there is none.",
    removed="Remove the evidence link (audited, like its addition).",
)
class ProjectEvidenceLinkViewSet(ProjectLinkViewSet):
    """A project's evidence links — case studies, press, contract references, internal documents
    that support what is claimed about it: listed, added and removed (``write`` scope; engineers and
    delivery leads), through the same services as the project's page. Not the stage-gate evidence
    of ``/projects/{project_pk}/evidence/``, which satisfies readiness checklist items."""

    serializer_class = EvidenceLinkSerializer
    write_serializer_class = EvidenceLinkWriteSerializer
    queryset = EvidenceLink.objects.none()  # per caller and project: see get_queryset

    def link_add(self, *, project, actor, **data):
        return evidence_add(project=project, actor=actor, **data)

    def link_remove(self, link, *, actor) -> None:
        evidence_remove(link=link, actor=actor)
