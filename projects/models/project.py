"""The project: identity, where it runs, how its models are hosted, and its rollout stage."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from tenancy.models import TenantOwned

project_code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9-]{1,19}$",
    "A project code is 2 to 20 capital letters, digits or hyphens, starting with a letter.",
)


class WorkloadType(models.TextChoices):
    CAMPAIGN_ACTIVATION = "campaign_activation", "Campaign activation"
    WORKFLOW_AUTOMATION = "workflow_automation", "Workflow automation"
    INTERNAL_OPERATIONS = "internal_operations", "Internal operations"
    CUSTOMER_FACING_PRODUCT = "customer_facing_product", "Customer-facing product"
    REGULATED_WORKFLOW = "regulated_workflow", "Regulated workflow"
    MEDIA_DOCUMENT_SYSTEM = "media_document_system", "Media or document system"


class DeploymentModel(models.TextChoices):
    """Who operates the application and where it runs."""

    MANAGED_APPLICATION = "managed_application", "Managed application"
    CUSTOMER_CLOUD = "customer_cloud", "Customer cloud"


class HostingApproach(models.TextChoices):
    """How the models are served."""

    CLOUD_API = "cloud_api", "Cloud API / PaaS"
    SELF_HOSTED_CLOUD = "self_hosted_cloud", "Self-hosted in cloud"
    ON_PREMISES = "on_premises", "Self-hosted on premises"
    HYBRID = "hybrid", "Hybrid"


class Stage(models.TextChoices):
    DISCOVERY = "discovery", "Discovery"
    PROOF_OF_CONCEPT = "proof_of_concept", "Proof of concept"
    PILOT = "pilot", "Pilot"
    ROLLOUT = "rollout", "Rollout"
    PRODUCTION = "production", "Production"
    PAUSED = "paused", "Paused"
    RETIRED = "retired", "Retired"


#: The way forward, in order. Paused and retired sit outside it.
PIPELINE: tuple[Stage, ...] = (Stage.DISCOVERY, Stage.PROOF_OF_CONCEPT, Stage.PILOT, Stage.ROLLOUT, Stage.PRODUCTION)


class Project(TenantOwned):
    """One client AI system being delivered."""

    name = models.CharField(max_length=200)
    code = models.CharField(max_length=20, validators=[project_code_validator], help_text="Short code, e.g. CAMP-01.")
    description = models.TextField(blank=True)
    delivery_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="led_projects"
    )
    workload_type = models.CharField(
        max_length=32, choices=WorkloadType.choices, default=WorkloadType.WORKFLOW_AUTOMATION
    )
    deployment_model = models.CharField(
        max_length=32, choices=DeploymentModel.choices, default=DeploymentModel.MANAGED_APPLICATION
    )
    hosting_approach = models.CharField(
        max_length=32, choices=HostingApproach.choices, default=HostingApproach.CLOUD_API
    )
    stage = models.CharField(max_length=32, choices=Stage.choices, default=Stage.DISCOVERY, editable=False)
    stage_before_pause = models.CharField(max_length=32, choices=Stage.choices, blank=True, editable=False)
    stage_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant_id", "name"]
        permissions = [
            ("change_technical_project", "Can change the technical details of the project"),
            ("promote_project", "Can request promotions and roll back, pause or retire the project"),
            ("approve_project", "Can approve or reject rollouts of the project"),
        ]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="project_code_unique_in_tenant")]
        indexes = [
            models.Index(fields=["tenant", "name"], name="project_tenant_name"),
            # The project list's orders across clients (name, then id; recently changed), read a page at a time.
            models.Index(fields=["name", "id"], name="project_name"),
            models.Index(fields=["updated_at", "id"], name="project_updated"),
            models.Index(fields=["tenant", "stage"], name="project_tenant_stage"),
            models.Index(fields=["tenant", "updated_at"], name="project_tenant_updated"),
        ]

    def __str__(self):
        return f"{self.code} — {self.name}"

    @property
    def is_customer_cloud(self):
        return self.deployment_model == DeploymentModel.CUSTOMER_CLOUD


class ProjectUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


class ProjectGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


class EvidenceLink(TenantOwned):
    """Public or contractual material that supports a claim about the project."""

    class Kind(models.TextChoices):
        CASE_STUDY = "case_study", "Public case study"
        PRESS = "press", "Press"
        CONTRACT = "contract", "Contract reference"
        DOCUMENT = "document", "Internal document"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="evidence_links")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    reference = models.CharField(max_length=200, blank=True, help_text="A contract number or document id.")
    created_at = models.DateTimeField(auto_now_add=True)

    access_via = "project"

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.title


class TicketReference(TenantOwned):
    """The project's issue in an external ticketing system (Jira, ServiceNow...)."""

    class System(models.TextChoices):
        JIRA = "jira", "Jira"
        SERVICENOW = "servicenow", "ServiceNow"
        AZURE_DEVOPS = "azure_devops", "Azure DevOps"
        OTHER = "other", "Other"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tickets")
    system = models.CharField(max_length=16, choices=System.choices)
    key = models.CharField(max_length=64)
    url = models.URLField(max_length=500, blank=True)
    #: When the link was made (a link never changes: it is made, or removed): the changes feed's order.
    created_at = models.DateTimeField(auto_now_add=True)

    access_via = "project"

    class Meta:
        ordering = ["system", "key"]
        constraints = [
            # A key names one ticket of a client's system whatever its case: AI-42 and ai-42 collide.
            # Lookups by key compare the same way (``projects.selectors.tickets_by_key``).
            models.UniqueConstraint("tenant", "system", Lower("key"), name="ticket_key_unique_in_tenant_ignoring_case"),
        ]

    def __str__(self):
        return f"{self.get_system_display()} {self.key}"
