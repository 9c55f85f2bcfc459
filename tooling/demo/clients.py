"""The demo's clients and their projects, as plain data: what ``tooling.demo.load`` creates.

Kept apart from the loading so that what the demo shows can be read and changed in one place.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from projects.models import DeploymentModel, HostingApproach, Stage, WorkloadType
from tenancy.models import Industry, Regulation

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


def data_centre(site, *, air_gapped=False):
    """The client's own data centre: a site instead of a provider, account and regions."""
    return {
        "kind": "data_centre",
        "site": site,
        "access_pattern": "Named engineers on site with the client's badge; no remote vendor access.",
        "network_isolation": "air_gapped" if air_gapped else "private_network",
        "change_process_reference": "Client maintenance change board",
    }


#: A site cut off from the internet: the hangar's line-maintenance floor.
AIR_GAPPED_SITE = {
    "data_sensitivity": "confidential",
    "data_categories": ["trade_secrets"],
    "monthly_requests": 150_000,
    "avg_input_tokens": 1500,
    "avg_output_tokens": 250,
    "traffic_pattern": "steady",
    "peak_ratio": Decimal("2"),
    "latency_target_ms": 3000,
    "connectivity": "offline",
    "mlops_capability": "some",
    "hardware_capability": "mature",
    "infrastructure_capability": "some",
    "upfront_budget": Decimal("400000"),
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
                "MON-HANGAR",
                "Hangar line-maintenance assistant",
                "Answers technicians from the manuals on the hangar floor, which has no outside network.",
                WorkloadType.INTERNAL_OPERATIONS,
                Stage.PROOF_OF_CONCEPT,
                DeploymentModel.CUSTOMER_CLOUD,
                HostingApproach.ON_PREMISES,
                AIR_GAPPED_SITE,
                data_centre("Changi hangar 4, line-maintenance floor", air_gapped=True),
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
