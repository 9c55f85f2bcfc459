"""What the generated portfolio looks like: the words, the distributions and the shape of each row.

Plain data and pure functions of a seeded ``random.Random``: nothing here touches the database.
"""

import datetime
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from audit.models import AuditEvent
from deployments.models import CustomerCloudEnvironment
from projects.models import (
    PIPELINE,
    HostingApproach,
    Stage,
    WorkloadType,
)
from projects.services.projects import PROJECT_ACTIONS
from tenancy.access import ROLE_ACTIONS
from tenancy.models import Industry, Regulation, Role

# --- Vocabulary -------------------------------------------------------------------------------

# fmt: off
CLIENT_WORDS = (
    "Amber", "Azure", "Basalt", "Birch", "Cedar", "Cobalt", "Coral", "Crescent", "Delta", "Ember", "Falcon", "Fern",
    "Garnet", "Granite", "Harbour", "Heron", "Indigo", "Iris", "Jade", "Juniper", "Kestrel", "Lagoon", "Larch",
    "Lotus", "Maple", "Marlin", "Meadow", "Monsoon", "Nimbus", "Northstar", "Oak", "Onyx", "Orchid", "Osprey",
    "Pebble", "Pine", "Quartz", "Raven", "Reef", "Saffron", "Sage", "Sierra", "Solstice", "Spruce", "Summit", "Teak",
    "Tidal", "Topaz", "Tundra", "Umber", "Valley", "Vega", "Willow", "Zephyr",
)
# fmt: on
INDUSTRY_SUFFIXES = {
    Industry.CONSUMER_BRAND: ("Drinks", "Foods", "Cosmetics", "Apparel", "Snacks"),
    Industry.MEDIA: ("Broadcasting", "Media", "Studios", "Radio", "News"),
    Industry.AVIATION: ("Air", "Airlines", "Aviation", "Travel"),
    Industry.FINANCIAL_SERVICES: ("Bank", "Card", "Insurance", "Capital", "Securities"),
    Industry.HEALTHCARE: ("Health", "Hospitals", "Clinics", "Pharma"),
    Industry.PUBLIC_SECTOR: ("City Council", "Agency", "Authority", "Ministry Services"),
    Industry.RETAIL: ("Retail", "Stores", "Markets", "Outlet"),
    Industry.OTHER: ("Logistics", "Energy", "Telecom", "Group", "Holdings"),
}
INDUSTRY_WEIGHTS = {
    Industry.CONSUMER_BRAND: 20,
    Industry.MEDIA: 12,
    Industry.AVIATION: 8,
    Industry.FINANCIAL_SERVICES: 18,
    Industry.HEALTHCARE: 10,
    Industry.PUBLIC_SECTOR: 8,
    Industry.RETAIL: 14,
    Industry.OTHER: 10,
}
#: (residency region, time zone, regulations of the region)
REGIONS = (
    ("EU", "Europe/Berlin", [Regulation.GDPR]),
    ("UK", "Europe/London", [Regulation.UK_GDPR]),
    ("Thailand", "Asia/Bangkok", [Regulation.PDPA_TH]),
    ("Singapore", "Asia/Singapore", [Regulation.PDPA_SG]),
    ("", "America/New_York", []),
    ("", "UTC", []),
)
REGION_WEIGHTS = (25, 10, 25, 15, 15, 10)
INDUSTRY_REGULATIONS = {
    Industry.FINANCIAL_SERVICES: [Regulation.PCI_DSS, Regulation.SOX, Regulation.DORA],
    Industry.HEALTHCARE: [Regulation.HIPAA, Regulation.ISO_27001],
    Industry.PUBLIC_SECTOR: [Regulation.ISO_27001, Regulation.EU_AI_ACT],
}
CLOUD_REGIONS = {
    "EU": ("eu-central-1", "eu-west-1"),
    "UK": ("eu-west-2",),
    "Thailand": ("ap-southeast-7",),
    "Singapore": ("ap-southeast-1",),
    "": ("us-east-1", "us-west-2"),
}
# fmt: off
PROJECT_TOPICS = (
    "Loyalty", "Claims", "Invoice", "Contract", "Crew", "Menu", "Subtitle", "Archive", "Fraud", "Onboarding",
    "Returns", "Warranty", "Tender", "Policy", "Support", "Catalogue", "Roster", "Maintenance", "Dispute", "Pricing",
    "Recipe", "Newsroom", "Booking", "Baggage", "Payroll", "Procurement", "Compliance", "Store", "Campaign",
    "Field-service",
)
# fmt: on
WORKLOADS = {
    # workload: (code, names, median monthly requests, share of the portfolio)
    WorkloadType.CAMPAIGN_ACTIVATION: (
        "CAMP",
        ("campaign generator", "promo card maker", "contest moderator"),
        300_000,
        16,
    ),
    WorkloadType.WORKFLOW_AUTOMATION: ("FLOW", ("triage", "routing assistant", "drafting helper"), 150_000, 26),
    WorkloadType.INTERNAL_OPERATIONS: ("OPS", ("digest", "question answering", "search"), 40_000, 20),
    WorkloadType.CUSTOMER_FACING_PRODUCT: ("APP", ("chat assistant", "concierge", "answer service"), 1_500_000, 14),
    WorkloadType.REGULATED_WORKFLOW: ("REG", ("review", "screening", "compliance check"), 400_000, 12),
    WorkloadType.MEDIA_DOCUMENT_SYSTEM: ("DOC", ("tagging", "summariser", "translation"), 800_000, 12),
}
STAGE_WEIGHTS = {
    Stage.DISCOVERY: 18,
    Stage.PROOF_OF_CONCEPT: 22,
    Stage.PILOT: 20,
    Stage.ROLLOUT: 12,
    Stage.PRODUCTION: 18,
    Stage.PAUSED: 6,
    Stage.RETIRED: 4,
}
#: API models priced in the bundled catalog, with how often projects pick them.
API_MODELS = {
    "openai:gpt-4o-mini": 30,
    "openai:gpt-4o": 12,
    "openai:gpt-4.1-mini": 10,
    "anthropic:claude-sonnet-4-5": 10,
    "anthropic:claude-3-5-haiku-latest": 8,
    "google:gemini-2.5-flash": 10,
    "google:gemini-2.5-pro": 5,
    "mistral:mistral-small-latest": 5,
    "aws:meta.llama3-3-70b-instruct-v1:0": 5,
    "aws:regional.anthropic.claude-3-5-sonnet-20240620-v1:0": 5,
}
#: (size class, GPU instance) pairs with a throughput figure in the reference catalog.
SERVING = {("8b", "g5.xlarge"): 60, ("8b", "p5.48xlarge"): 10, ("70b", "p5.48xlarge"): 30}
#: Servers a plan may name: those the reference catalog has a throughput figure for (an L40S server
#: has none, so a plan naming it could not be estimated). Blank: the engine picks the server.
HARDWARE = ("", "8 × H100 SXM server")
#: A site without cloud access runs on owned servers, so its plan names one.
OFFLINE_HARDWARE = "8 × H100 SXM server"
#: Rows ``project_access_grant`` writes per role: one per project action the role includes.
GRANT_ACTIONS = {role: [action for action in PROJECT_ACTIONS if action in ROLE_ACTIONS[role]] for role in Role}
#: Why a project was rolled back, paused or retired.
HOLD_REASONS = (
    "The client asked to hold while budgets are reviewed.",
    "Answer quality fell below the agreed bar.",
    "Replaced by a newer system.",
)
REJECTIONS = (
    "The vendor's data-handling terms are not on file yet.",
    "The budget for the next stage is not confirmed.",
    "Wait for the security review to finish.",
)
SOURCES = (
    (AuditEvent.Source.WEB, 55),
    (AuditEvent.Source.API, 25),
    (AuditEvent.Source.TASK, 15),
    (AuditEvent.Source.ADMIN, 5),
)


# --- Plans -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Client:
    """A client as planned: its id drawn, its people named, its projects listed; written table by table."""

    id: int
    index: int
    name: str
    slug: str
    industry: str
    region: str
    time_zone: str
    regulations: list
    admin: int = 0
    approver: int = 0
    viewer: int = 0
    leads: list = field(default_factory=list)
    #: Written approval policies by target stage ('' is the default), as requests record them.
    policies: dict = field(default_factory=dict)
    projects: list = field(default_factory=list)


@dataclass(slots=True)
class PlannedProject:
    """A project as planned, with the stage history that brought it where it is."""

    id: int
    client: Client
    code: str
    name: str
    workload: str
    stage: str
    deployment: str
    hosting: str
    sensitivity: str
    monthly_requests: int
    api_model: str | None
    lead: int
    created_at: datetime.datetime
    stage_changed_at: datetime.datetime
    before_pause: str = ""
    #: (kind, from, to, at, actor, reason) in order; the last one leads to ``stage``.
    moves: list = field(default_factory=list)


# --- Pure helpers -----------------------------------------------------------------------------


#: What a generated cloud account's network isolation may be.
CLOUD_ISOLATIONS = [
    value
    for value in CustomerCloudEnvironment.NetworkIsolation.values
    if value != CustomerCloudEnvironment.NetworkIsolation.AIR_GAPPED
]


def pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), list(weights.values()))[0]


def pick_index(rng: random.Random, weights) -> int:
    return rng.choices(range(len(weights)), weights)[0]


def next_stage(stage: str) -> str:
    return PIPELINE[PIPELINE.index(stage) + 1]


def sensitivity_for(rng, workload, industry) -> str:
    if workload == WorkloadType.REGULATED_WORKFLOW:
        return "regulated"
    if industry in (Industry.FINANCIAL_SERVICES, Industry.HEALTHCARE):
        return rng.choices(("internal", "confidential", "regulated"), (20, 45, 35))[0]
    if workload == WorkloadType.CAMPAIGN_ACTIVATION:
        return rng.choices(("public", "internal"), (40, 60))[0]
    return rng.choices(("public", "internal", "confidential"), (10, 55, 35))[0]


def hosting_for(rng, sensitivity) -> str:
    approaches = ("cloud_api", "self_hosted_cloud", "on_premises", "hybrid")
    weights = {
        "regulated": (15, 30, 20, 35),
        "confidential": (45, 25, 5, 25),
    }.get(sensitivity, (75, 12, 3, 10))
    return rng.choices(approaches, weights)[0]


def requirements_row(rng, p: PlannedProject, now) -> dict:
    regulated = p.sensitivity == "regulated"
    categories = []
    if rng.random() < 0.6:
        categories.append("personal")
    if p.sensitivity in ("confidential", "regulated"):
        if p.client.industry == Industry.FINANCIAL_SERVICES:
            categories.append("financial")
        elif p.client.industry == Industry.HEALTHCARE:
            categories.append("health")
        elif rng.random() < 0.3:
            categories.append("trade_secrets")
    spiky = p.workload == WorkloadType.CAMPAIGN_ACTIVATION or rng.random() < 0.15
    interactive = rng.random() < 0.75
    strict = regulated and rng.random() < 0.6
    stage_index = PIPELINE.index(p.stage) if p.stage in PIPELINE else 4
    requests = int(rng.lognormvariate(math.log(WORKLOADS[p.workload][2]), 1.0)) // 100 * 100 + 100
    return {
        "tenant_id": p.client.id,
        "project_id": p.id,
        "data_sensitivity": p.sensitivity,
        "data_categories": sorted(set(categories)),
        "regulations": p.client.regulations or (["gdpr"] if regulated else []),
        "residency": "strict" if strict else rng.choices(("none", "preferred"), (70, 30))[0],
        "residency_region": p.client.region or ("EU" if strict else ""),
        "monthly_requests": requests,
        "avg_input_tokens": rng.choice((300, 600, 1000, 1500, 2500, 4000)),
        "avg_output_tokens": rng.choice((100, 200, 300, 500, 800)),
        "cached_input_percent": Decimal(rng.choice(("0", "0", "20", "40", "60"))),
        "traffic_pattern": "spiky" if spiky else "steady",
        "peak_ratio": Decimal(rng.choice(("5", "8", "12", "20")))
        if spiky
        else Decimal(rng.choice(("1.2", "1.5", "2", "3"))),
        "latency_need": "interactive" if interactive else "batch",
        "latency_target_ms": rng.choice((800, 1500, 2000, 3000, 5000)) if interactive else None,
        "connectivity": rng.choices(("online", "limited", "offline"), (92, 6, 2))[0],
        "customisation": rng.choices(("prompting", "fine_tuning", "deep_changes"), (70, 25, 5))[0],
        "differentiation": rng.choices(("generic", "moderate", "specialised"), (50, 35, 15))[0],
        "mlops_capability": rng.choices(("none", "some", "mature"), (45, 35, 20))[0],
        "hardware_capability": rng.choices(("none", "some", "mature"), (70, 20, 10))[0],
        "infrastructure_capability": rng.choices(("none", "some", "mature"), (35, 40, 25))[0],
        "target_production_date": (now + datetime.timedelta(days=rng.randint(20, 400))).date()
        if stage_index < 4
        else None,
        "monthly_budget": Decimal(rng.choice((500, 1500, 2500, 5000, 12000, 30000, 80000)))
        if rng.random() < 0.7
        else None,
        "upfront_budget": Decimal(rng.choice((50_000, 150_000, 400_000)))
        if p.hosting in ("on_premises", "self_hosted_cloud") and rng.random() < 0.5
        else None,
        "updated_at": p.created_at + datetime.timedelta(days=1),
    }


def environment_row(rng, p: PlannedProject, profile: dict) -> dict:
    provider = rng.choices(("aws", "azure", "gcp", "oci"), (50, 25, 20, 5))[0]
    regions = list(CLOUD_REGIONS[p.client.region][:1])
    complete = rng.random() < 0.8
    residency = [p.client.region or regions[0]] if profile["residency"] != "none" or rng.random() < 0.5 else []
    signed = p.created_at + datetime.timedelta(days=rng.randint(5, 30))
    account = {
        "aws": f"{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        "azure": f"sub-{rng.getrandbits(32):08x}",
        "gcp": f"{p.client.slug}-ai-{rng.randint(10, 99)}",
        "oci": f"ocid1.tenancy.oc1..{rng.getrandbits(48):012x}",
    }[provider]
    return {
        "tenant_id": p.client.id,
        "project_id": p.id,
        "provider": provider,
        "account_id": account,
        "regions": regions,
        "residency_regions": residency,
        "access_pattern": "Role in the client's account, assumed through the client's single sign-on."
        if complete or rng.random() < 0.5
        else "",
        # Cloud accounts: air-gapped is for the client's own data centre.
        "network_isolation": rng.choice(CLOUD_ISOLATIONS),
        "change_process_reference": f"CAB-{p.client.index + 1:04d}" if complete else "",
        "access_approved_by_id": p.client.admin if complete else None,
        "access_approved_at": signed if complete else None,
        "residency_confirmed_by_id": p.client.admin if complete and residency else None,
        "residency_confirmed_at": signed if complete and residency else None,
        "created_at": p.created_at + datetime.timedelta(days=2),
        "updated_at": signed if complete else p.created_at + datetime.timedelta(days=2),
    }


def routing_rows(rng, p: PlannedProject) -> list[dict]:
    api_model = p.api_model or "openai:gpt-4o-mini"
    base = {"tenant_id": p.client.id, "project_id": p.id, "data_class": "", "traffic_condition": "", "api_model": ""}
    if rng.random() < 0.6:
        kept = rng.choice((30, 40, 50, 60, 70))
        return [
            {
                **base,
                "position": 1,
                "condition_kind": "data_class",
                "data_class": rng.choice(("regulated", "confidential", "personal")),
                "destination": "self_hosted",
                "share_percent": Decimal(kept),
            },
            {
                **base,
                "position": 2,
                "condition_kind": "traffic",
                "traffic_condition": "other",
                "destination": "cloud_api",
                "api_model": api_model,
                "share_percent": Decimal(100 - kept),
            },
        ]
    base_load = rng.choice((60, 70, 80))
    return [
        {
            **base,
            "position": 1,
            "condition_kind": "traffic",
            "traffic_condition": "base_load",
            "destination": "self_hosted",
            "share_percent": Decimal(base_load),
        },
        {
            **base,
            "position": 2,
            "condition_kind": "traffic",
            "traffic_condition": "burst",
            "destination": "cloud_api",
            "api_model": api_model,
            "share_percent": Decimal(100 - base_load),
        },
    ]


def readiness_for(rng, p: PlannedProject) -> str:
    if p.stage in (Stage.PRODUCTION, Stage.RETIRED):
        weights = (70, 25, 5)
    elif p.stage == Stage.DISCOVERY:
        weights = (30, 40, 30)
    else:
        weights = (45, 35, 20)
    return rng.choices(("ready", "at_risk", "blocked"), weights)[0]


#: One A10G replica for a month (1.006 USD an hour × 730 hours) and the default half FTE to run it.
REPLICA_MONTH = Decimal("734.38")
HALF_FTE_MONTH = Decimal("7500")


def rough_monthly(rng, p: PlannedProject, prices) -> Decimal:
    """A plausible monthly cost for the dashboard's totals; the real figure comes from the cost engine."""
    input_price, output_price = prices.get(p.api_model or "openai:gpt-4o-mini", (Decimal("0.15"), Decimal("0.6")))
    api = Decimal(p.monthly_requests) * (1000 * input_price + 300 * output_price) / 1_000_000
    if p.hosting == HostingApproach.CLOUD_API:
        monthly = api
    elif p.hosting == HostingApproach.HYBRID:
        monthly = api / 2 + rng.choice((1, 2)) * REPLICA_MONTH + HALF_FTE_MONTH
    else:
        monthly = rng.choice((1, 2, 3)) * REPLICA_MONTH + rng.choice((1, 2, 4)) * HALF_FTE_MONTH / 2
    return monthly.quantize(Decimal("0.01"))
