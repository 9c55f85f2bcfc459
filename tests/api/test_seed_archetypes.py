"""The seeds' archetypes through the public API: a project's profile in, the readiness engine's
recommendation and flags out, run by a real worker on Redis (issue 15).

Each test names the seed rule it checks (shared/seeds/: 000 "Your Cloud or Ours", 001 "Comparing
Three Implementation Approaches", 002 "The Conscious Choice Between Cloud and Local AI Models",
003 "Chapter 9", the self-hosting checklist).
"""

import time
from decimal import Decimal as D

import pytest

from assessments.catalog import prices_import, reference_catalog_load
from assessments.services.cost_plans import cost_plan_update
from projects.models import Project

pytestmark = [pytest.mark.redis, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

PRICES = {
    "openai:gpt-4o-mini": (D("0.15"), D("0.075"), D("0.60")),
    "openai:gpt-4o": (D("2.50"), D("1.25"), D("10")),
    "azure:gpt-4o": (D("2.50"), D("1.25"), D("10")),
}
LATER = "2027-12-01"  # a year and more away: no timeline pressure unless a test says so


@pytest.fixture
def catalog():
    # Transactional tests empty the tables the migrations filled: load the reference rows again.
    reference_catalog_load()
    prices_import(prices=PRICES, source="test")


@pytest.fixture
def lead(api, people, celery_worker, catalog):
    return api(people["lead"])


def create(client, tenant, *, code, hosting="cloud_api", workload="workflow_automation", **profile):
    response = client.post(
        "/api/v1/projects/",
        {
            "tenant": tenant.slug,
            "name": f"Archetype {code}",
            "code": code,
            "hosting_approach": hosting,
            "workload_type": workload,
            "profile": {"target_production_date": LATER} | profile,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def assessed(client, project_id) -> dict:
    """Ask for a recalculation (estimate, then assessment), follow the job, read the assessment."""
    asked = client.post(f"/api/v1/projects/{project_id}/cost-estimates/")
    assert asked.status_code == 202, asked.json()
    job = asked.json()["id"]
    deadline = time.monotonic() + 30
    while client.get(f"/api/v1/jobs/{job}/").json()["status"] not in {"done", "failed"}:
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.1)
    assert client.get(f"/api/v1/jobs/{job}/").json()["status"] == "done"
    return client.get(f"/api/v1/projects/{project_id}/assessments/").json()["results"][0]


def codes(assessment) -> set[str]:
    return {mismatch["code"] for mismatch in assessment["result"]["mismatches"]}


def reasons(assessment, option, criterion, kind="hosting") -> list[dict]:
    return [r for r in assessment["result"][kind][option]["reasons"] if r["criterion"] == criterion]


def estimate(client, project_id) -> dict:
    return client.get(f"/api/v1/projects/{project_id}/cost-estimates/").json()["results"][0]


def test_campaign_work_fits_a_managed_application_on_a_cloud_api(lead, tenant):
    """Seed 000: "campaign work like Vinasoy and Enfagrow fits a lighter-weight delivery model";
    seed 001: "Do you have ML operations expertise in-house? If no → PaaS"."""
    project = create(
        lead,
        tenant,
        code="SEED-000A",
        workload="campaign_activation",
        data_sensitivity="public",
        monthly_requests=300_000,
        traffic_pattern="spiky",
        peak_ratio="12",
        target_production_date="2027-01-05",
    )
    result = assessed(lead, project)
    assert result["recommended_hosting"] == "cloud_api"
    assert result["recommended_deployment"] == "managed_application"
    assert not [m for m in result["result"]["mismatches"] if m["severity"] == "blocking"]
    assert [r["effect"] for r in reasons(result, "cloud_api", "team")] == [20]
    assert "Cloud API fits best" in result["result"]["why"]["hosting"]


def test_financial_services_need_customer_controlled_infrastructure(lead, tenant):
    """Seed 000: "financial services work like CardX usually requires tighter control"; seed 003:
    "If you're handling medical records, financial data, or other regulated information, you'll
    likely need self-hosting"."""
    project = create(
        lead,
        tenant,
        code="SEED-000B",
        hosting="self_hosted_cloud",
        workload="regulated_workflow",
        data_sensitivity="regulated",
        data_categories=["financial", "personal"],
        regulations=["pci_dss"],
        residency="strict",
        residency_region="Thailand",
        monthly_requests=2_000_000,
        mlops_capability="mature",
        infrastructure_capability="mature",
        hardware_capability="some",
    )
    result = assessed(lead, project)
    assert result["recommended_deployment"] == "customer_cloud"
    assert result["recommended_hosting"] in {"self_hosted_cloud", "on_premises"}
    hosting = result["result"]["hosting"]
    assert hosting["cloud_api"]["score"] < hosting[result["recommended_hosting"]]["score"]
    # Managed delivery would take the data out of the client's environment: a deployment warning.
    assert "deployment_fit" in codes(result)


def test_regulated_data_on_an_api_without_the_certification_is_blocked(lead, tenant, people):
    """Seed 002: "Verify the provider's data handling policies and compliance certifications";
    seed 001: PaaS brings the certifications "(SOC 2, ISO 27001, HIPAA) that major cloud providers
    maintain" — only those the provider holds."""
    profile = {
        "data_sensitivity": "regulated",
        "data_categories": ["financial"],
        "regulations": ["pci_dss"],
        "monthly_requests": 200_000,
    }
    project = create(lead, tenant, code="SEED-001A", **profile)
    result = assessed(lead, project)
    assert result["result"]["hosting"]["cloud_api"]["excluded"] is True
    assert "certifications_unverified" in codes(result)
    assert result["status"] == "blocked"
    blocking = " ".join(result["result"]["blocking"])
    assert "OpenAI" in blocking
    assert "PCI DSS attestation of compliance" in blocking

    on_azure = create(lead, tenant, code="SEED-001B", **profile)
    cost_plan_update(project=Project.objects.get(pk=on_azure), actor=people["lead"], api_model="azure:gpt-4o")
    result = assessed(lead, on_azure)
    assert "certifications_unverified" not in codes(result)
    assert not result["result"]["hosting"]["cloud_api"]["excluded"]
    assert [r["effect"] for r in reasons(result, "cloud_api", "certifications")] == [5]


def test_an_air_gapped_site_runs_local_models_in_the_clients_data_centre(lead, tenant):
    """Seed 002: "Local models can operate without internet connectivity, making them suitable for
    edge computing scenarios or environments with limited connectivity"; seed 000: "Where does
    this system actually run, and who controls the environment?" — here, the client's own site."""
    project = create(
        lead,
        tenant,
        code="SEED-002A",
        hosting="self_hosted_cloud",
        workload="internal_operations",
        data_sensitivity="confidential",
        connectivity="offline",
        monthly_requests=200_000,
        mlops_capability="some",
        hardware_capability="mature",
        infrastructure_capability="some",
    )
    result = assessed(lead, project)
    assert result["recommended_hosting"] == "on_premises"
    assert result["recommended_deployment"] == "customer_data_centre"
    for option in ("cloud_api", "self_hosted_cloud", "hybrid"):
        assert result["result"]["hosting"][option]["excluded"] is True, option
    assert result["result"]["deployment"]["customer_cloud"]["excluded"] is True
    assert "hosting_impossible" in codes(result)

    # Recorded as what it is — on premises, in the client's air-gapped data centre — nothing conflicts.
    assert (
        lead.patch(f"/api/v1/projects/{project}/", {"hosting_approach": "on_premises"}, format="json").status_code
        == 200
    )
    switched = lead.post(
        f"/api/v1/projects/{project}/deployment-model/",
        {
            "deployment_model": "customer_cloud",
            "environment": {
                "kind": "data_centre",
                "site": "Plant 3, Rayong",
                "access_pattern": "On-site operators; no remote access",
                "network_isolation": "air_gapped",
            },
        },
        format="json",
    )
    assert switched.status_code == 200, switched.json()
    assert "data centre" in switched.json()["deployment_card"]["where_it_runs"]
    result = assessed(lead, project)
    assert not codes(result) & {"hosting_impossible", "deployment_impossible", "deployment_fit"}


def test_strict_latency_at_the_edge_rules_out_self_hosting_in_a_cloud_region(lead, tenant):
    """Seed 002: "Latency Needs: ... Can your application tolerate network latency?" — GPUs in a
    cloud region are as far away as the API."""
    project = create(
        lead,
        tenant,
        code="SEED-002B",
        hosting="self_hosted_cloud",
        latency_need="interactive",
        latency_target_ms=60,
        monthly_requests=1_000_000,
        mlops_capability="mature",
        hardware_capability="some",
        infrastructure_capability="mature",
    )
    result = assessed(lead, project)
    hosting = result["result"]["hosting"]
    assert hosting["self_hosted_cloud"]["excluded"] is True
    assert reasons(result, "self_hosted_cloud", "latency")[0]["effect"] == -100
    assert result["recommended_hosting"] == "on_premises"


def test_high_steady_volume_past_the_break_even_makes_self_hosting_pay_off(lead, tenant, people):
    """Seed 003: "High, steady volume makes self-hosting more cost-effective over time ... Run the
    numbers before deciding" — the numbers being the project's own estimate."""
    project = create(
        lead,
        tenant,
        code="SEED-003A",
        hosting="self_hosted_cloud",
        monthly_requests=30_000_000,
        avg_input_tokens=1000,
        avg_output_tokens=150,
        peak_ratio="1.2",
        mlops_capability="mature",
        infrastructure_capability="mature",
    )
    cost_plan_update(project=Project.objects.get(pk=project), actor=people["lead"], api_model="openai:gpt-4o")
    result = assessed(lead, project)
    break_even = estimate(lead, project)["break_even_requests"]
    assert break_even is not None
    assert break_even < 30_000_000
    (reason,) = reasons(result, "self_hosted_cloud", "volume")
    assert reason["effect"] == 15
    assert f"{break_even:,}" in reason["text"]
    assert [r["effect"] for r in reasons(result, "cloud_api", "volume")] == [-10]


def test_no_break_even_means_the_api_is_cheaper_whatever_the_volume(lead, tenant):
    """Seed 003: "Calculate your usage realistically ... Run the numbers": when the estimate finds
    no break-even within capacity, a large volume does not make self-hosting pay off."""
    project = create(
        lead,
        tenant,
        code="SEED-003B",
        hosting="self_hosted_cloud",
        monthly_requests=50_000_000,
        avg_input_tokens=300,
        avg_output_tokens=100,
        peak_ratio="1.2",
        mlops_capability="mature",
        infrastructure_capability="mature",
    )
    result = assessed(lead, project)
    assert estimate(lead, project)["result"]["break_evens"]["self_hosted_cloud"]["requests"] is None
    (reason,) = reasons(result, "self_hosted_cloud", "volume")
    assert reason["effect"] < 0
    assert "no volume within capacity" in reason["text"]
    assert [r["effect"] for r in reasons(result, "cloud_api", "volume")] == [15]
    assert result["recommended_hosting"] == "cloud_api"


def test_deep_model_changes_on_a_cloud_api_are_flagged(lead, tenant):
    """Seed 003: "If you need to deeply modify how the model works, you'll need self-hosted
    open-source models"; seed 001: "Highly specialized to your domain → invest in customization"."""
    project = create(
        lead,
        tenant,
        code="SEED-003C",
        customisation="deep_changes",
        differentiation="specialised",
        monthly_requests=1_000_000,
        mlops_capability="mature",
        infrastructure_capability="mature",
    )
    result = assessed(lead, project)
    assert result["recommended_hosting"] == "self_hosted_cloud"
    assert {"deep_changes_on_api", "hosting_fit"} <= codes(result)


def test_hybrid_without_a_routing_boundary_for_sensitive_data_is_blocked(lead, tenant):
    """Seed 003: "Route sensitive data to your self-hosted models while sending general queries to
    cloud APIs ... You'll need clear routing rules"."""
    project = create(
        lead,
        tenant,
        code="SEED-003D",
        hosting="hybrid",
        data_sensitivity="confidential",
        data_categories=["health"],
        monthly_requests=2_000_000,
        mlops_capability="mature",
        hardware_capability="some",
        infrastructure_capability="mature",
    )
    result = assessed(lead, project)
    assert "hybrid_without_boundary" in codes(result)
    assert result["status"] == "blocked"


def test_on_premises_hardware_against_the_upfront_budget(lead, tenant):
    """Seed 003: on premises, "Be ready for serious hardware costs ($50K-$300K for server setups)";
    seed 002: "Budget Constraints: What are the upfront vs. ongoing cost considerations?"."""
    project = create(
        lead,
        tenant,
        code="SEED-003E",
        hosting="on_premises",
        monthly_requests=1_000_000,
        upfront_budget="50000",
        mlops_capability="mature",
        hardware_capability="mature",
        infrastructure_capability="mature",
    )
    result = assessed(lead, project)
    upfront = D(str(estimate(lead, project)["result"]["options"]["on_premises"]["upfront"]))
    assert upfront > 50_000
    (reason,) = reasons(result, "on_premises", "budget")
    assert reason["effect"] < 0
    assert f"${upfront:,.0f} upfront" in reason["text"]
    assert "upfront_over_budget" in codes(result)
    assert not reasons(result, "cloud_api", "budget")


def test_customer_cloud_without_the_clients_sign_offs_is_in_name_only(lead, tenant):
    """Seed 000: "customer cloud" should mean "customer-owned or customer-governed cloud accounts,
    customer-approved access patterns" — not a label."""
    project = create(lead, tenant, code="SEED-000C", workload="internal_operations", monthly_requests=100_000)
    switched = lead.post(
        f"/api/v1/projects/{project}/deployment-model/",
        {
            "deployment_model": "customer_cloud",
            "environment": {
                "provider": "aws",
                "account_id": "123456789012",
                "regions": ["ap-southeast-1"],
                "access_pattern": "Client SSO role",
            },
        },
        format="json",
    )
    assert switched.status_code == 200, switched.json()
    result = assessed(lead, project)
    mismatch = next(m for m in result["result"]["mismatches"] if m["code"] == "customer_cloud_in_name_only")
    assert mismatch["severity"] == "blocking"
    assert "client approval of the access pattern" in mismatch["text"]
