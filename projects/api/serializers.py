import dataclasses
from collections.abc import Callable

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import AwareDateTimeField, DocumentField, FieldsObject, LocalTimeField
from api.rows import RowListSerializer, RowSerializerMixin
from api.serializers import ModelSerializer, Serializer
from projects.api.documents import ApprovalPolicySnapshotSerializer, ApprovalSnapshotSerializer
from projects.decision_summary import decision_summaries
from projects.models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    DataCategory,
    EvidenceLink,
    FreezeWindow,
    HostingApproach,
    Project,
    RequirementsProfile,
    Stage,
    StageTransition,
    TicketReference,
    WorkloadType,
)
from projects.models.rollout import ELIGIBLE_ROLE_CHOICES
from projects.profile_warnings import CODES, profile_warnings
from projects.services.projects import PROFILE_UNKNOWN
from tenancy.models import Regulation


#: A ticket's address as answered: a link may have none (""), which ``format: uri`` would not admit.
def _ticket_url():
    return serializers.CharField(read_only=True, help_text="The ticket's address, or empty when none was given.")


class TicketSerializer(RowSerializerMixin, ModelSerializer):
    url = _ticket_url()

    class Meta:
        model = TicketReference
        fields = ["id", "system", "key", "url"]
        read_only_fields = fields


class TicketLinkSerializer(ModelSerializer):
    """A ticket link with the project it belongs to (what a lookup by key answers)."""

    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    project_code = serializers.CharField(source="project.code", read_only=True)
    url = _ticket_url()

    class Meta:
        model = TicketReference
        fields = ["id", "tenant", "project", "project_code", "system", "key", "url"]
        read_only_fields = fields


class TicketWriteSerializer(Serializer):
    """A ticket to link: the key as the ticketing tool shows it (unique per client and system, whatever its case)."""

    system = serializers.ChoiceField(choices=TicketReference.System.choices)
    key = serializers.CharField(max_length=64, help_text="As the ticketing tool shows it, e.g. AI-42.")
    url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")


class EvidenceLinkSerializer(ModelSerializer):
    """Public or contractual material that supports a claim about the project (not stage-gate evidence)."""

    url = serializers.CharField(read_only=True, help_text="Its address, or empty when none was given.")

    class Meta:
        model = EvidenceLink
        fields = ["id", "kind", "title", "url", "reference", "created_at"]
        read_only_fields = fields


class EvidenceWhereSerializer(Serializer):
    """Where evidence is found, in a write: its address, or a reference when there is none (the
    evidence links here, the stage-gate evidence of ``assessments``)."""

    url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    reference = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="A document reference when there is no address: a contract number or clause, a document id, "
        "a ticket.",
    )


class EvidenceLinkWriteSerializer(EvidenceWhereSerializer):
    """Evidence to add: a title, and where to find it."""

    kind = serializers.ChoiceField(choices=EvidenceLink.Kind.choices)
    title = serializers.CharField(max_length=200)


# A list page is represented from ``.values()`` rows of these fields' columns, its tickets read for
# the page in one query (api.rows); a project instance (the detail's base), as usual.
class ProjectListSerializer(RowSerializerMixin, ModelSerializer):
    """Lean, for lists: no nested rows beyond tickets (prefetched)."""

    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    delivery_lead = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    readiness_status = serializers.CharField(read_only=True, allow_null=True)
    tickets = TicketSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "tenant",
            "code",
            "name",
            "stage",
            "deployment_model",
            "hosting_approach",
            "workload_type",
            "delivery_lead",
            "readiness_status",
            "tickets",
            "updated_at",
        ]
        list_serializer_class = RowListSerializer


def _choices(choices, **kwargs):
    """A list of codes, each one of ``choices``."""
    return serializers.ListField(child=serializers.ChoiceField(choices=choices), **kwargs)


class ProfileWarningSerializer(Serializer):
    field = serializers.CharField(help_text="The profile field the warning is about.")
    code = serializers.ChoiceField(choices=list(CODES.items()))
    message = serializers.CharField(help_text="What to check, in words.")


class ProfileSerializer(ModelSerializer):
    """A project's requirements profile. In a write every field is optional: those sent change."""

    data_categories = _choices(DataCategory.choices, required=False)
    regulations = _choices(Regulation.choices, required=False)
    warnings = serializers.SerializerMethodField(
        help_text="Figures that are possible but unusual, worth a second look (read only; never refused)."
    )

    class Meta:
        model = RequirementsProfile
        exclude = ["id", "tenant", "project"]

    @extend_schema_field(ProfileWarningSerializer(many=True))
    def get_warnings(self, profile) -> list[dict]:
        return ProfileWarningSerializer(profile_warnings(profile), many=True).data


class DeploymentCardSerializer(Serializer):
    where_it_runs = serializers.CharField()
    who_controls_it = serializers.CharField()
    stage = serializers.CharField()
    evidence = serializers.ListField(child=serializers.CharField())


#: Fields other apps add to a project's detail representation: name → a function making the field.
#: Apps that build on projects register them when Django starts (``project_detail_field_register``),
#: so this module need not import them.
_DETAIL_FIELDS: dict[str, Callable[[], serializers.Field]] = {}


def project_detail_field_register(name: str, field: Callable[[], serializers.Field]) -> None:
    """Add a field to ``ProjectDetailSerializer``, placed after the project's description."""
    _DETAIL_FIELDS[name] = field


class ProjectDetailSerializer(ProjectListSerializer):
    deployment_card = serializers.SerializerMethodField()
    description = serializers.CharField(read_only=True)
    profile = ProfileSerializer(read_only=True)
    evidence_links = EvidenceLinkSerializer(many=True, read_only=True)

    class Meta(ProjectListSerializer.Meta):
        fields = [
            "deployment_card",
            *ProjectListSerializer.Meta.fields,
            "description",
            "profile",
            "evidence_links",
            "stage_changed_at",
            "created_at",
        ]

    def get_fields(self):
        fields, added = {}, {name: make() for name, make in _DETAIL_FIELDS.items()}
        for name, field in super().get_fields().items():
            fields[name] = field
            if name == "description":
                fields.update(added)
        return fields

    @extend_schema_field(DeploymentCardSerializer)
    def get_deployment_card(self, project) -> dict:
        environment = getattr(project, "environment", None)
        where = project.get_deployment_model_display()
        data_centre = project.is_customer_cloud and environment is not None and environment.is_data_centre
        if data_centre:
            where += f": the client's own data centre, {environment.site or 'site not recorded'}"
        elif project.is_customer_cloud and environment is not None:
            where += (
                f": {environment.get_provider_display()} {environment.account_id}, {', '.join(environment.regions)}"
            )
        if data_centre:
            who = f"{project.tenant.name}, in its own data centre"
        elif project.is_customer_cloud:
            who = f"{project.tenant.name}, under its own cloud account"
        else:
            who = "The delivery organisation operates the application"
        return DeploymentCardSerializer(
            {
                "where_it_runs": where,
                "who_controls_it": who,
                "stage": project.get_stage_display(),
                "evidence": [f"{link.get_kind_display()}: {link.title}" for link in project.evidence_links.all()],
            }
        ).data


class ProjectCreateSerializer(Serializer):
    tenant = serializers.SlugField()
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=20)
    description = serializers.CharField(required=False, allow_blank=True)
    workload_type = serializers.ChoiceField(choices=WorkloadType.choices, required=False)
    hosting_approach = serializers.ChoiceField(choices=HostingApproach.choices, required=False)
    profile = FieldsObject(
        shape=ProfileSerializer(partial=True),
        unknown=PROFILE_UNKNOWN,
        required=False,
        help_text="Requirements-profile fields.",
    )
    tickets = TicketWriteSerializer(
        many=True,
        required=False,
        max_length=20,
        help_text="Tickets to link in the same request: if one is refused, no project is created.",
    )


class ProjectUpdateSerializer(Serializer):
    name = serializers.CharField(max_length=200, required=False)
    code = serializers.CharField(max_length=20, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    delivery_lead = serializers.CharField(
        max_length=150,
        required=False,
        allow_null=True,
        help_text="Username of a delivery lead of the client or of someone granted that role on the project; "
        "null: nobody yet.",
    )
    workload_type = serializers.ChoiceField(choices=WorkloadType.choices, required=False)
    hosting_approach = serializers.ChoiceField(choices=HostingApproach.choices, required=False)
    profile = FieldsObject(
        shape=ProfileSerializer(partial=True),
        unknown=PROFILE_UNKNOWN,
        required=False,
        help_text="Requirements-profile fields to change.",
    )


class ReasonSerializer(Serializer):
    reason = serializers.CharField()


class RollbackSerializer(ReasonSerializer):
    to_stage = serializers.ChoiceField(choices=Stage.choices)


class StageTransitionSerializer(ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = StageTransition
        fields = ["id", "kind", "from_stage", "to_stage", "actor", "reason", "approval_request", "created_at"]
        read_only_fields = fields


class DecisionSerializer(ModelSerializer):
    approver = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    relayed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ApprovalDecision
        fields = ["id", "approver", "verdict", "side", "comment", "relayed_by", "created_at"]


class DecisionSummarySerializer(Serializer):
    """What an approver reads before deciding, in sentences (the inbox card's summary)."""

    move = serializers.CharField()
    where = serializers.CharField(help_text="Where the system runs and who controls it.")
    hosting = serializers.CharField()
    readiness = serializers.CharField(help_text="Readiness for the target stage now.")
    failing = serializers.ListField(child=serializers.CharField(), help_text="Checklist items that do not pass.")
    cost = serializers.CharField(help_text="The chosen option's monthly cost against the budget.")
    progress = serializers.ListField(child=serializers.CharField(), help_text="Approvals so far and still needed.")
    expires = serializers.CharField()
    asked = serializers.CharField()
    when_asked = serializers.CharField(help_text="How the project stood when the request was made.")
    changes = serializers.ListField(child=serializers.CharField(), help_text="What has changed since then.")
    freeze = serializers.CharField(help_text="A platform admin's override of a change freeze, with its reason.")


class ApprovalRequestListSerializer(serializers.ListSerializer):
    """Builds the decision summaries of a page of requests in one batch (a fixed number of queries)."""

    def to_representation(self, data):
        requests = list(data.all() if hasattr(data, "all") else data)
        self.child.context["summaries"] = decision_summaries(requests)
        return super().to_representation(requests)


class ApprovalRequestSerializer(ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    freeze_override_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    snapshot = DocumentField(shape=ApprovalSnapshotSerializer, read_only=True)
    policy = DocumentField(shape=ApprovalPolicySnapshotSerializer, read_only=True)
    summary = serializers.SerializerMethodField()

    @extend_schema_field(DecisionSummarySerializer)
    def get_summary(self, request) -> dict:
        summaries = self.context.get("summaries") or decision_summaries([request])
        return dataclasses.asdict(summaries[request.pk])

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "tenant",
            "project",
            "from_stage",
            "target_stage",
            "status",
            "requested_by",
            "note",
            "snapshot",
            "policy",
            "expires_at",
            "closed_at",
            "decisions",
            "freeze_override_by",
            "freeze_override_reason",
            "summary",
            "created_at",
        ]
        list_serializer_class = ApprovalRequestListSerializer
        # Written through the approval services only: its relations are never offered as choices.
        read_only_fields = fields


class FreezeOverrideSerializer(Serializer):
    reason = serializers.CharField(help_text="Why this move may go ahead during the change freeze.")


class ApprovalRequestCreateSerializer(Serializer):
    project = serializers.IntegerField()
    target_stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DecideSerializer(Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    on_behalf_of = serializers.CharField(
        required=False, help_text="Username of the approver whose decision a service account relays."
    )


class ApprovalPolicySerializer(ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    eligible_roles = _choices(ELIGIBLE_ROLE_CHOICES, read_only=True)
    eligible_users = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)

    class Meta:
        model = ApprovalPolicy
        fields = [
            "id",
            "tenant",
            "target_stage",
            "required_approvals",
            "eligible_roles",
            "eligible_users",
            "require_client_and_delivery",
            "requester_may_approve",
            "readiness_gate_required",
            "expiry_hours",
            "updated_at",
        ]


class ApprovalPolicyWriteSerializer(Serializer):
    tenant = serializers.SlugField()
    target_stage = serializers.ChoiceField(
        choices=ApprovalPolicy._meta.get_field("target_stage").choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Blank: the client's default policy for every stage without its own.",
    )
    required_approvals = serializers.IntegerField(required=False, min_value=1, max_value=10)
    eligible_roles = _choices(ELIGIBLE_ROLE_CHOICES, required=False)
    eligible_users = serializers.ListField(child=serializers.CharField(), required=False, help_text="Usernames.")
    require_client_and_delivery = serializers.BooleanField(required=False)
    requester_may_approve = serializers.BooleanField(required=False)
    readiness_gate_required = serializers.BooleanField(required=False)
    expiry_hours = serializers.IntegerField(required=False, min_value=1, max_value=2160)


class FreezeWindowSerializer(ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = FreezeWindow
        fields = [
            "id",
            "tenant",
            "name",
            "kind",
            "starts_on",
            "ends_on",
            "start_weekday",
            "start_time",
            "end_weekday",
            "end_time",
            "is_active",
        ]


class FreezeWindowWriteSerializer(Serializer):
    tenant = serializers.SlugField(required=False)
    name = serializers.CharField(required=False, max_length=120)
    kind = serializers.ChoiceField(choices=FreezeWindow.Kind.choices, required=False)
    starts_on = AwareDateTimeField(required=False, allow_null=True)
    ends_on = AwareDateTimeField(required=False, allow_null=True)
    start_weekday = serializers.ChoiceField(choices=FreezeWindow.Weekday.choices, required=False, allow_null=True)
    start_time = LocalTimeField(required=False, allow_null=True)
    end_weekday = serializers.ChoiceField(choices=FreezeWindow.Weekday.choices, required=False, allow_null=True)
    end_time = LocalTimeField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)
