"""The demo portfolio: clients like those the delivery organisation serves, their people and projects.

Everything goes through the services, so the demo has the stage history, approvals and audit
trail a real portfolio would have. ``load_demo`` is idempotent: a second run changes nothing.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from accounts.models import Industry, Regulation, Role, Tenant, User
from accounts.services import membership_grant, tenant_create
from assessments.catalog import prices_import
from assessments.models import ApiModelPrice
from deployments.services import deployment_model_switch, environment_sign_off, routing_rules_replace
from projects.models import (
    PIPELINE,
    ApprovalRequest,
    DeploymentModel,
    FreezeWindow,
    HostingApproach,
    Project,
    Stage,
    WorkloadType,
)
from projects.services.approvals import (
    approval_decide,
    approval_request_create,
    freeze_window_save,
    policy_save,
)
from projects.services.projects import project_create

#: The demo delivery lead works for two clients only.
LEAD_TENANTS = ("lotus", "meridian")

CAMPAIGN = {
    "data_sensitivity": "internal",
    "data_categories": ["personal"],
    "monthly_requests": 400_000,
    "avg_input_tokens": 600,
    "avg_output_tokens": 200,
    "traffic_pattern": "spiky",
    "peak_ratio": Decimal("12"),
    "latency_target_ms": 3000,
    "monthly_budget": Decimal("2500"),
}
DOCUMENTS = {
    "data_sensitivity": "confidential",
    "data_categories": ["trade_secrets"],
    "monthly_requests": 3_000_000,
    "avg_input_tokens": 2500,
    "avg_output_tokens": 300,
    "cached_input_percent": Decimal("40"),
    "traffic_pattern": "steady",
    "peak_ratio": Decimal("1.6"),
    "latency_target_ms": 4000,
    "mlops_capability": "some",
    "infrastructure_capability": "mature",
    "monthly_budget": Decimal("12000"),
}
REGULATED = {
    "data_sensitivity": "regulated",
    "data_categories": ["personal", "financial"],
    "residency": "strict",
    "residency_region": "Thailand",
    "monthly_requests": 1_200_000,
    "avg_input_tokens": 1800,
    "avg_output_tokens": 250,
    "traffic_pattern": "steady",
    "peak_ratio": Decimal("2"),
    "latency_target_ms": 2500,
    "customisation": "fine_tuning",
    "differentiation": "specialised",
    "mlops_capability": "mature",
    "hardware_capability": "some",
    "infrastructure_capability": "mature",
    "monthly_budget": Decimal("30000"),
    "upfront_budget": Decimal("250000"),
}


@dataclass
class DemoProject:
    code: str
    name: str
    description: str
    workload: str
    stage: Stage
    deployment: str = DeploymentModel.MANAGED_APPLICATION
    hosting: str = HostingApproach.CLOUD_API
    profile: dict = field(default_factory=dict)
    environment: dict | None = None
    signed_off: bool = True
    routing: list | None = None
    pending: bool = False


@dataclass
class DemoTenant:
    slug: str
    name: str
    industry: str
    regulations: list
    residency_region: str
    time_zone: str
    projects: list[DemoProject]
    production_approvals: int = 1
    client_and_delivery: bool = False


def aws(account, *regions, residency=()):
    return {
        "provider": "aws",
        "account_id": account,
        "regions": list(regions),
        "residency_regions": list(residency),
        "access_pattern": "Client-owned IAM role assumed through the client's SSO; no standing vendor access.",
        "network_isolation": "private_endpoints",
        "change_process_reference": "Client CAB, weekly",
    }


HYBRID_SPLIT = [
    {
        "position": 1,
        "condition_kind": "data_class",
        "data_class": "regulated",
        "destination": "self_hosted",
        "share_percent": Decimal("60"),
    },
    {
        "position": 2,
        "condition_kind": "traffic",
        "traffic_condition": "other",
        "destination": "cloud_api",
        "api_model": "openai:gpt-4o-mini",
        "share_percent": Decimal("40"),
    },
]

TENANTS = [
    DemoTenant(
        "lotus",
        "Lotus Soy Drinks",
        Industry.CONSUMER_BRAND,
        [Regulation.PDPA_TH],
        "",
        "Asia/Bangkok",
        [
            DemoProject(
                "LOT-CAMP",
                "Festival selfie campaign",
                "Consumer activation generating personalised festival cards.",
                WorkloadType.CAMPAIGN_ACTIVATION,
                Stage.PRODUCTION,
                profile=CAMPAIGN,
            ),
            DemoProject(
                "LOT-SOCIAL",
                "Social reply assistant",
                "Drafts replies to comments on the brand's channels.",
                WorkloadType.WORKFLOW_AUTOMATION,
                Stage.PILOT,
                profile=CAMPAIGN,
                pending=True,
            ),
            DemoProject(
                "LOT-INSIGHT",
                "Campaign insight digest",
                "Weekly summary of campaign performance.",
                WorkloadType.INTERNAL_OPERATIONS,
                Stage.DISCOVERY,
            ),
        ],
    ),
    DemoTenant(
        "monsoon",
        "Monsoon Air",
        Industry.AVIATION,
        [Regulation.PDPA_SG, Regulation.ISO_27001],
        "Singapore",
        "Asia/Singapore",
        [
            DemoProject(
                "MON-DOCS",
                "Maintenance manual search",
                "Engineers query maintenance manuals and bulletins.",
                WorkloadType.MEDIA_DOCUMENT_SYSTEM,
                Stage.ROLLOUT,
                DeploymentModel.CUSTOMER_CLOUD,
                HostingApproach.SELF_HOSTED_CLOUD,
                DOCUMENTS,
                aws("4411-2093-7781", "ap-southeast-1", residency=["ap-southeast-1"]),
            ),
            DemoProject(
                "MON-OPS",
                "Disruption rebooking helper",
                "Suggests rebooking options to the operations desk.",
                WorkloadType.WORKFLOW_AUTOMATION,
                Stage.PROOF_OF_CONCEPT,
                DeploymentModel.CUSTOMER_CLOUD,
                HostingApproach.HYBRID,
                {**DOCUMENTS, "data_categories": ["personal"]},
                aws("4411-2093-7781", "ap-southeast-1", residency=["ap-southeast-1"]),
                routing=HYBRID_SPLIT,
                pending=True,
            ),
            DemoProject(
                "MON-CREW",
                "Crew roster Q&A",
                "Answers crew questions about rosters and rules.",
                WorkloadType.INTERNAL_OPERATIONS,
                Stage.PILOT,
            ),
        ],
    ),
    DemoTenant(
        "meridian",
        "Meridian Card",
        Industry.FINANCIAL_SERVICES,
        [Regulation.PDPA_TH, Regulation.PCI_DSS],
        "Thailand",
        "Asia/Bangkok",
        [
            DemoProject(
                "MER-DISPUTE",
                "Card dispute triage",
                "Classifies and routes chargeback disputes.",
                WorkloadType.REGULATED_WORKFLOW,
                Stage.PILOT,
                DeploymentModel.CUSTOMER_CLOUD,
                HostingApproach.HYBRID,
                {**REGULATED, "regulations": ["pci_dss", "pdpa_th"]},
                aws("7730-1182-0045", "ap-southeast-7", residency=["Thailand"]),
                routing=HYBRID_SPLIT,
                pending=True,
            ),
            DemoProject(
                "MER-KYC",
                "KYC document review",
                "Extracts and checks identity documents for onboarding.",
                WorkloadType.REGULATED_WORKFLOW,
                Stage.PROOF_OF_CONCEPT,
                DeploymentModel.CUSTOMER_CLOUD,
                HostingApproach.ON_PREMISES,
                {**REGULATED, "regulations": ["pdpa_th"]},
                aws("7730-1182-0045", "ap-southeast-7", residency=["Thailand"]),
            ),
            DemoProject(
                "MER-AGENT",
                "Contact-centre copilot",
                "Suggests answers to agents from policy documents.",
                WorkloadType.CUSTOMER_FACING_PRODUCT,
                Stage.DISCOVERY,
                DeploymentModel.CUSTOMER_CLOUD,
                HostingApproach.CLOUD_API,
                {**REGULATED, "regulations": ["pdpa_th"]},
                aws("7730-1182-0046", "ap-southeast-1", residency=["Thailand"]),
                signed_off=False,
            ),
        ],
        production_approvals=2,
        client_and_delivery=True,
    ),
    DemoTenant(
        "coral",
        "Coral Broadcasting",
        Industry.MEDIA,
        [Regulation.PDPA_TH],
        "Thailand",
        "Asia/Bangkok",
        [
            DemoProject(
                "COR-ARCHIVE",
                "News archive tagging",
                "Tags decades of broadcast archive for search.",
                WorkloadType.MEDIA_DOCUMENT_SYSTEM,
                Stage.PRODUCTION,
                DeploymentModel.CUSTOMER_CLOUD,
                HostingApproach.SELF_HOSTED_CLOUD,
                DOCUMENTS,
                aws("5120-7781-3302", "ap-southeast-7", residency=["Thailand"]),
            ),
            DemoProject(
                "COR-SUBS",
                "Subtitle drafting",
                "Drafts subtitles for programmes before human review.",
                WorkloadType.MEDIA_DOCUMENT_SYSTEM,
                Stage.PILOT,
                pending=True,
            ),
        ],
    ),
]


@transaction.atomic
def load_demo() -> list[tuple[str, str]]:
    """Create or refresh the demo data; returns the demo accounts as (username, description)."""
    password = settings.DEMO_PASSWORD
    if not ApiModelPrice.objects.exists():
        prices_import()
    admin = _user(
        "admin", password, first_name="Ada", last_name="Admin", is_platform_admin=True, is_staff=True, is_superuser=True
    )
    lead = _user("lead", password, first_name="Lee", last_name="Lead")
    accounts = [("admin", "platform admin, every tenant"), ("lead", f"delivery lead for {', '.join(LEAD_TENANTS)}")]
    for spec in TENANTS:
        tenant = Tenant.objects.filter(slug=spec.slug).first() or tenant_create(
            name=spec.name,
            slug=spec.slug,
            industry=spec.industry,
            regulations=spec.regulations,
            residency_region=spec.residency_region,
            time_zone=spec.time_zone,
        )
        people = {}
        for suffix, role, label in (
            ("admin", Role.CUSTOMER_ADMIN, "customer admin"),
            ("approver", Role.CUSTOMER_APPROVER, "customer approver"),
            ("viewer", Role.CUSTOMER_VIEWER, "customer viewer"),
        ):
            username = f"{tenant.slug}-{suffix}"
            people[suffix] = _user(username, password, first_name=tenant.name.split()[0], last_name=suffix.title())
            membership_grant(tenant=tenant, user=people[suffix], role=role)
            accounts.append((username, f"{label}, {tenant.name}"))
        requester = admin
        if spec.slug in LEAD_TENANTS:
            membership_grant(tenant=tenant, user=lead, role=Role.DELIVERY_LEAD)
            requester = lead
        _policies(tenant, spec, people["admin"])
        for project_spec in spec.projects:
            _project(
                tenant,
                project_spec,
                requester=requester,
                approver=people["approver"],
                admin=admin,
                client_admin=people["admin"],
            )
        _freeze_windows(tenant, people["admin"])
    return accounts


def _policies(tenant, spec: DemoTenant, client_admin):
    policy_save(
        tenant=tenant, actor=client_admin, eligible_roles=["customer_approver", "customer_admin"], expiry_hours=120
    )
    policy_save(
        tenant=tenant,
        actor=client_admin,
        target_stage=Stage.PRODUCTION,
        required_approvals=spec.production_approvals,
        eligible_roles=["customer_approver", "customer_admin", "platform_admin"],
        require_client_and_delivery=spec.client_and_delivery,
        readiness_gate_required=False,
        expiry_hours=72,
    )


def _project(tenant, spec: DemoProject, *, requester, approver, admin, client_admin):
    project = Project.objects.filter(tenant=tenant, code=spec.code).first()
    if project is not None:
        return project
    project = project_create(
        tenant=tenant,
        name=spec.name,
        code=spec.code,
        description=spec.description,
        workload_type=spec.workload,
        hosting_approach=spec.hosting,
        delivery_lead=requester if not requester.is_platform_admin else None,
        profile=spec.profile,
    )
    if spec.deployment == DeploymentModel.CUSTOMER_CLOUD:
        deployment_model_switch(
            project=project, actor=admin, deployment_model=spec.deployment, environment=spec.environment
        )
        if spec.signed_off:
            environment_sign_off(project=project, actor=client_admin, kind="access_pattern")
            if spec.environment.get("residency_regions"):
                environment_sign_off(project=project, actor=client_admin, kind="data_residency")
    if spec.routing:
        routing_rules_replace(project=project, actor=admin, rules=spec.routing)
    for _ in range(PIPELINE.index(spec.stage)):
        request = approval_request_create(project=project, actor=requester, note="Demo history")
        approval_decide(request=request, actor=approver, verdict="approve", comment="Agreed in the steering call")
        if request.policy["require_client_and_delivery"] or request.policy["required_approvals"] > 1:
            approval_decide(request=request, actor=admin, verdict="approve", comment="Delivery sign-off")
    if spec.pending and not ApprovalRequest.objects.filter(project=project, status="pending").exists():
        approval_request_create(project=project, actor=requester, note="Ready for the next stage: please review.")
    return project


def _freeze_windows(tenant, client_admin):
    # Added after the demo promotions so that seeding never runs into its own freeze.
    if FreezeWindow.objects.filter(tenant=tenant).exists():
        return
    freeze_window_save(
        tenant=tenant,
        actor=client_admin,
        name="Weekend release freeze",
        kind=FreezeWindow.Kind.WEEKLY,
        start_weekday=FreezeWindow.Weekday.FRIDAY,
        start_time=datetime.time(18, 0),
        end_weekday=FreezeWindow.Weekday.MONDAY,
        end_time=datetime.time(6, 0),
    )


def _user(username, password, **fields) -> User:
    user, _ = User.objects.update_or_create(username=username, defaults=fields)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
