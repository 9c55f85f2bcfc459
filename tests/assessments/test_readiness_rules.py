"""The readiness rules of issue 15, on the pure engine: remote options at an edge or offline site,
regulations against the providers' certifications, the client's own data centre, and the upfront
budget against each option's upfront cost."""

from decimal import Decimal as D

import pytest

from assessments.readiness import (
    BLOCKED,
    FAILED,
    PASSED,
    CostFacts,
    EnvironmentFacts,
    ProjectFacts,
    ProviderFacts,
    assess,
)
from assessments.readiness.certifications import HIPAA_BAA, PCI_DSS, SOC2, required_certifications

REMOTE = ("cloud_api", "self_hosted_cloud", "hybrid")
SIGNED = EnvironmentFacts(exists=True, access_signed_off=True)

# A capable team serving a steady workload; each test changes what it is about.
BASE = ProjectFacts(
    stage="pilot",
    deployment_model="managed_application",
    hosting_approach="self_hosted_cloud",
    workload_type="internal_operations",
    monthly_requests=3_000_000,
    peak_ratio=D("1.5"),
    mlops="mature",
    hardware="mature",
    infrastructure="mature",
    days_to_production=300,
)


def facts(**changes):
    return ProjectFacts(**{**BASE.__dict__, **changes})


@pytest.mark.parametrize(
    "changes",
    [
        {"connectivity": "offline"},
        {"connectivity": "limited"},
        {"latency_need": "interactive", "latency_target_ms": 80},
    ],
    ids=["offline", "limited", "edge-latency"],
)
def test_an_edge_or_cut_off_site_rules_out_every_remote_option(changes):
    """Seed 002: "Local models can operate without internet connectivity, making them suitable for
    edge computing scenarios or environments with limited connectivity" — self-hosting in a cloud
    region is remote too, not only the API."""
    result = assess(facts(**changes))
    for option in REMOTE:
        assert result.hosting[option].excluded, option
    assert not result.hosting["on_premises"].excluded
    assert result.recommended_hosting == "on_premises"
    # The chosen self-hosted cloud cannot work, and that blocks.
    assert "hosting_impossible" in {m.code for m in result.mismatches}
    assert result.status == BLOCKED
    # Nor can a managed application or a cloud account: the client's own data centre fits.
    assert result.deployment["managed_application"].excluded
    assert result.deployment["customer_cloud"].excluded
    assert result.recommended_deployment == "customer_data_centre"


def test_a_relaxed_latency_target_rules_out_nothing():
    result = assess(facts(latency_need="interactive", latency_target_ms=1500))
    assert not any(fit.excluded for fit in result.hosting.values())


def test_an_air_gapped_site_in_the_clients_data_centre_is_not_mismatched():
    """Seed 000: customer-controlled may be the client's own data centre, with its sign-offs."""
    centre = EnvironmentFacts(exists=True, kind="data_centre", access_signed_off=True)
    result = assess(
        facts(
            connectivity="offline",
            hosting_approach="on_premises",
            deployment_model="customer_cloud",
            environment=centre,
        )
    )
    assert result.recommended_deployment == "customer_data_centre"
    assert not [m for m in result.mismatches if m.code.startswith(("deployment", "hosting", "customer_cloud"))]
    in_a_cloud_account = assess(
        facts(
            connectivity="offline",
            hosting_approach="on_premises",
            deployment_model="customer_cloud",
            environment=SIGNED,
        )
    )
    assert "deployment_impossible" in {m.code for m in in_a_cloud_account.mismatches}
    unsigned = assess(
        facts(
            connectivity="offline",
            hosting_approach="on_premises",
            deployment_model="customer_cloud",
            environment=EnvironmentFacts(exists=True, kind="data_centre", missing=("site",)),
        )
    )
    text = next(m.text for m in unsigned.mismatches if m.code == "customer_cloud_in_name_only")
    assert text.startswith("Client data centre in name only")
    assert "site" in text


def openai(held):
    return (
        ProviderFacts("cloud_api", "openai", "OpenAI", frozenset(held)),
        ProviderFacts("self_hosted_cloud", "aws", "AWS", frozenset({HIPAA_BAA, PCI_DSS, SOC2})),
        ProviderFacts("hybrid", "openai", "OpenAI", frozenset(held)),
    )


REGULATED = {
    "data_sensitivity": "regulated",
    "data_categories": frozenset({"financial"}),
    "regulations": frozenset({"pci_dss"}),
    "required_certifications": required_certifications(["pci_dss"]),
}


def test_regulations_ask_the_matching_certifications():
    assert required_certifications(["hipaa", "gdpr"]) == {"hipaa_baa", "dpa"}
    assert required_certifications(["eu_ai_act"]) == frozenset()


def test_regulated_data_on_an_api_without_the_certification_is_blocked():
    """Seed 001: cloud platforms' certifications (SOC 2, ISO 27001, HIPAA) must fit the regulation;
    seed 002: "Verify the provider's data handling policies and compliance certifications"."""
    result = assess(facts(hosting_approach="cloud_api", providers=openai({SOC2}), **REGULATED))
    assert result.hosting["cloud_api"].excluded
    mismatch = next(m for m in result.mismatches if m.code == "certifications_unverified")
    assert mismatch.severity == "blocking"
    assert "OpenAI" in mismatch.text
    assert "PCI DSS attestation of compliance" in mismatch.text
    assert result.status == BLOCKED
    certified = assess(facts(hosting_approach="cloud_api", providers=openai({SOC2, PCI_DSS}), **REGULATED))
    assert not certified.hosting["cloud_api"].excluded
    assert "certifications_unverified" not in {m.code for m in certified.mismatches}


def test_self_hosting_in_a_cloud_checks_the_cloud_providers_certifications():
    unknown = (ProviderFacts("self_hosted_cloud", "", "a cloud provider the project does not record"),)
    result = assess(facts(providers=unknown, **REGULATED))
    assert "certifications_unverified" in {m.code for m in result.mismatches}
    assert "certifications_unverified" not in {
        m.code for m in assess(facts(providers=openai(()), **REGULATED)).mismatches
    }


def test_unregulated_data_is_not_blocked_by_missing_certifications():
    soc2 = {"regulations": frozenset({"soc2"}), "required_certifications": frozenset({SOC2})}
    result = assess(facts(hosting_approach="cloud_api", providers=openai(()), **soc2))
    assert not result.hosting["cloud_api"].excluded
    assert "certifications_unverified" not in {m.code for m in result.mismatches}
    assert any(r.criterion == "certifications" and r.effect < 0 for r in result.hosting["cloud_api"].reasons)


def with_upfront(on_premises):
    return CostFacts(
        break_even=dict.fromkeys(("self_hosted_cloud", "on_premises", "hybrid"), 1_000_000),
        upfront={"cloud_api": D("0"), "self_hosted_cloud": D("0"), "on_premises": D(on_premises), "hybrid": D("0")},
    )


def test_the_upfront_budget_is_compared_with_each_options_upfront_cost():
    """Seed 002: "Budget Constraints: What are the upfront vs. ongoing cost considerations?";
    seed 003: on premises means "serious hardware costs ($50K-$300K for server setups)"."""
    over = facts(hosting_approach="on_premises", upfront_budget=D("100000"), cost=with_upfront("600000"), stage="pilot")
    result = assess(over, target_stage="rollout")
    reason = next(r for r in result.hosting["on_premises"].reasons if r.criterion == "budget")
    assert reason.effect < 0
    assert "$600,000 upfront" in reason.text
    assert "$100,000" in reason.text
    assert not [r for r in result.hosting["cloud_api"].reasons if r.criterion == "budget"]
    assert "upfront_over_budget" in {m.code for m in result.mismatches}
    gate = {item.key: item for item in result.checklist}["upfront_within_budget"]
    assert gate.status == FAILED
    assert "$600,000" in gate.detail
    within = assess(
        facts(hosting_approach="on_premises", upfront_budget=D("700000"), cost=with_upfront("600000")),
        target_stage="rollout",
    )
    assert {item.key: item.status for item in within.checklist}["upfront_within_budget"] == PASSED
    assert "upfront_over_budget" not in {m.code for m in within.mismatches}
