"""The readiness engine on contrasting projects like those the delivery organisation runs."""

from decimal import Decimal as D

import pytest

from assessments.readiness import (
    AT_RISK,
    BLOCKED,
    FAILED,
    NOT_APPLICABLE,
    PASSED,
    READY,
    CostFacts,
    EnvironmentFacts,
    ProjectFacts,
    RoutingFacts,
    assess,
)

SIGNED_ENV = EnvironmentFacts(exists=True, access_signed_off=True, residency_signed_off=True, needs_residency=True)

# A fast consumer campaign: public data, no ML team, spiky traffic, live in three weeks.
CAMPAIGN = ProjectFacts(
    stage="discovery",
    deployment_model="managed_application",
    hosting_approach="cloud_api",
    workload_type="campaign_activation",
    data_sensitivity="public",
    monthly_requests=300_000,
    traffic_pattern="spiky",
    peak_ratio=D("15"),
    days_to_production=21,
)
# A bank's regulated dispute workflow: strict residency, mature platform team, a year to go.
BANK = ProjectFacts(
    stage="pilot",
    deployment_model="customer_cloud",
    hosting_approach="self_hosted_cloud",
    workload_type="regulated_workflow",
    data_sensitivity="regulated",
    data_categories=frozenset({"personal", "financial"}),
    regulations=frozenset({"pci_dss"}),
    residency="strict",
    monthly_requests=6_000_000,
    peak_ratio=D("1.8"),
    customisation="fine_tuning",
    differentiation="specialised",
    mlops="mature",
    hardware="some",
    infrastructure="mature",
    days_to_production=365,
    environment=SIGNED_ENV,
)
# An air-gapped site (a plant or a ship): no connectivity at all.
AIR_GAPPED = ProjectFacts(
    stage="proof_of_concept",
    deployment_model="customer_cloud",
    hosting_approach="cloud_api",
    workload_type="internal_operations",
    data_sensitivity="confidential",
    connectivity="offline",
    monthly_requests=200_000,
    mlops="some",
    hardware="mature",
    infrastructure="some",
    days_to_production=300,
    environment=SIGNED_ENV,
)


def break_even_at(volume):
    """Cost facts of an estimate whose break-even (self-hosting against the API) is ``volume``."""
    return CostFacts(
        break_even=dict.fromkeys(("self_hosted_cloud", "on_premises", "hybrid"), volume),
        upfront={"cloud_api": D("0"), "self_hosted_cloud": D("0"), "on_premises": D("600000"), "hybrid": D("0")},
    )


# Steady, high-volume document processing with a capable team; its estimate breaks even at 3M a month.
DOCUMENTS = ProjectFacts(
    stage="pilot",
    deployment_model="managed_application",
    hosting_approach="self_hosted_cloud",
    workload_type="media_document_system",
    data_sensitivity="internal",
    monthly_requests=40_000_000,
    peak_ratio=D("1.3"),
    mlops="mature",
    infrastructure="mature",
    days_to_production=240,
    cost=break_even_at(3_000_000),
)
# A research project that changes the model itself.
RESEARCH = ProjectFacts(
    stage="discovery",
    deployment_model="managed_application",
    hosting_approach="cloud_api",
    workload_type="internal_operations",
    customisation="deep_changes",
    differentiation="specialised",
    monthly_requests=1_000_000,
    mlops="mature",
    infrastructure="mature",
    days_to_production=270,
)
# Spiky consumer traffic at scale, health-adjacent data routed with a hard boundary.
SPIKY_HYBRID = ProjectFacts(
    stage="pilot",
    deployment_model="customer_cloud",
    hosting_approach="hybrid",
    workload_type="customer_facing_product",
    data_sensitivity="confidential",
    data_categories=frozenset({"health"}),
    monthly_requests=8_000_000,
    traffic_pattern="spiky",
    peak_ratio=D("6"),
    mlops="mature",
    hardware="some",
    infrastructure="mature",
    days_to_production=200,
    environment=SIGNED_ENV,
    routing=RoutingFacts(rules=2, shares_total=D("100"), sensitive_to_self_hosted=True),
)


def test_fast_campaign_without_ml_team_gets_a_cloud_api_and_managed_delivery():
    result = assess(CAMPAIGN)
    assert result.recommended_hosting == "cloud_api"
    assert result.recommended_deployment == "managed_application"
    assert not result.mismatches
    reasons = " ".join(reason.text for reason in result.hosting["cloud_api"].reasons)
    assert "No MLOps skills" in reasons
    assert "weeks" in reasons
    # Next stage is a proof of concept: only the data classification is asked for.
    assert [item.key for item in result.checklist] == ["data_classified"]
    assert result.status == BLOCKED
    ready = assess(ProjectFacts(**{**CAMPAIGN.__dict__, "evidence": frozenset({"data_classified"})}))
    assert ready.status == READY


def test_regulated_bank_workload_fits_self_hosting_in_its_own_cloud():
    result = assess(BANK)
    assert result.recommended_hosting in {"self_hosted_cloud", "on_premises"}
    assert result.hosting["cloud_api"].score < result.hosting["self_hosted_cloud"].score
    assert result.recommended_deployment == "customer_cloud"
    assert not [m for m in result.mismatches if m.severity == "blocking"]
    # The rollout gate asks for the self-hosting items and the budget only if one is set.
    keys = {item.key: item.status for item in result.checklist}
    assert keys["hardware_provisioned"] == FAILED
    assert keys["provider_terms_verified"] == NOT_APPLICABLE
    assert keys["access_signed_off"] == PASSED
    assert keys["cost_within_budget"] == NOT_APPLICABLE


def test_regulated_data_on_a_cloud_api_without_verified_terms_is_blocked():
    result = assess(ProjectFacts(**{**BANK.__dict__, "hosting_approach": "cloud_api"}))
    assert "sensitive_on_api" in {m.code for m in result.mismatches}
    assert result.status == BLOCKED
    verified = assess(
        ProjectFacts(
            **{**BANK.__dict__, "hosting_approach": "cloud_api", "evidence": frozenset({"provider_terms_verified"})}
        )
    )
    assert "sensitive_on_api" not in {m.code for m in verified.mismatches}


def test_air_gapped_site_allows_only_local_models():
    result = assess(AIR_GAPPED)
    assert result.recommended_hosting == "on_premises"
    for option in ("cloud_api", "self_hosted_cloud", "hybrid"):
        assert result.hosting[option].excluded
        assert result.hosting[option].score == 0
    assert "hosting_impossible" in {m.code for m in result.mismatches}
    assert result.status == BLOCKED


def test_steady_high_volume_documents_favour_self_hosting():
    result = assess(DOCUMENTS)
    assert result.recommended_hosting in {"self_hosted_cloud", "on_premises"}
    volume_reasons = [r for r in result.hosting["self_hosted_cloud"].reasons if r.criterion == "volume"]
    assert [reason.effect for reason in volume_reasons] == [15]
    assert result.hosting["cloud_api"].score < result.hosting["self_hosted_cloud"].score


def test_break_even_from_the_cost_engine_decides_what_high_volume_means():
    def volume_effects(cost, option="self_hosted_cloud"):
        facts = ProjectFacts(**{**DOCUMENTS.__dict__, "monthly_requests": 2_000_000, "cost": cost})
        return [r.effect for r in assess(facts).hosting[option].reasons if r.criterion == "volume"]

    assert volume_effects(break_even_at(1_500_000)) == [15]
    assert volume_effects(break_even_at(1_500_000), "cloud_api") == [-10]
    assert volume_effects(break_even_at(5_000_000)) == [-10]
    assert volume_effects(break_even_at(5_000_000), "cloud_api") == [15]
    # No estimate yet: volume is not judged, by no stand-in figure either way.
    assert volume_effects(None) == []
    assert volume_effects(None, "cloud_api") == [0]


def test_no_break_even_means_the_api_is_cheaper_at_any_volume():
    """Issue 15: the cost engine's "no break-even" is never replaced by a default volume."""
    facts = ProjectFacts(**{**DOCUMENTS.__dict__, "monthly_requests": 400_000_000, "cost": break_even_at(None)})
    result = assess(facts)
    for option in ("self_hosted_cloud", "on_premises", "hybrid"):
        (reason,) = [r for r in result.hosting[option].reasons if r.criterion == "volume"]
        assert reason.effect < 0
        assert "no volume within capacity" in reason.text
    assert not any("pays off" in r.text for fit in result.hosting.values() for r in fit.reasons)
    assert [r.effect for r in result.hosting["cloud_api"].reasons if r.criterion == "volume"] == [15]


def test_deep_customisation_on_a_cloud_api_is_flagged():
    result = assess(RESEARCH)
    assert result.recommended_hosting == "self_hosted_cloud"
    codes = {m.code for m in result.mismatches}
    assert {"deep_changes_on_api", "hosting_fit"} <= codes
    assert result.status in {AT_RISK, BLOCKED}


def test_spiky_sensitive_traffic_fits_hybrid_with_a_boundary():
    result = assess(SPIKY_HYBRID)
    assert result.hosting["hybrid"].score >= result.hosting["cloud_api"].score
    checklist = {item.key: item for item in result.checklist}
    assert checklist["routing_rules"].status == PASSED
    unbounded = assess(
        ProjectFacts(**{**SPIKY_HYBRID.__dict__, "routing": RoutingFacts(rules=1, shares_total=D("100"))})
    )
    assert "hybrid_without_boundary" in {m.code for m in unbounded.mismatches}
    assert {item.key: item.status for item in unbounded.checklist}["routing_rules"] == FAILED


def test_customer_cloud_in_name_only():
    facts = ProjectFacts(**{**BANK.__dict__, "environment": EnvironmentFacts(exists=True, missing=("account_id",))})
    result = assess(facts)
    mismatch = next(m for m in result.mismatches if m.code == "customer_cloud_in_name_only")
    assert "account_id" in mismatch.text
    assert "access pattern" in mismatch.text
    assert "residency" not in mismatch.text  # not needed: this environment records no residency regions
    assert result.status == BLOCKED


def test_self_hosting_with_production_weeks_away():
    rushed = ProjectFacts(**{**DOCUMENTS.__dict__, "days_to_production": 30})
    result = assess(rushed)
    assert "self_hosting_timeline" in {m.code for m in result.mismatches}
    assert result.recommended_hosting == "cloud_api"


def test_on_premises_without_hardware_skills():
    facts = ProjectFacts(**{**BANK.__dict__, "hosting_approach": "on_premises", "hardware": "none"})
    assert "on_premises_without_hardware_skills" in {m.code for m in assess(facts).mismatches}


def test_production_gate_needs_operations_evidence_and_budget():
    base = ProjectFacts(
        stage="rollout",
        deployment_model="managed_application",
        hosting_approach="cloud_api",
        monthly_budget=D("1000"),
        chosen_monthly_cost=D("1200"),
        evidence=frozenset(
            {
                "data_classified",
                "hosting_decision",
                "provider_terms_verified",
                "vendor_switch_plan",
                "token_cost_controls",
                "monitoring",
                "incident_runbook",
                "rollback_plan",
            }
        ),
    )
    result = assess(base)
    failed = {item.key for item in result.checklist if item.status == FAILED}
    assert failed == {"cost_within_budget", "client_change_approval"}
    assert any("over the budget" in text for text in result.blocking)
    done = ProjectFacts(
        **{**base.__dict__, "chosen_monthly_cost": D("900"), "evidence": base.evidence | {"client_change_approval"}}
    )
    assert assess(done).status == READY


@pytest.mark.parametrize("stage", ["production", "paused", "retired"])
def test_no_next_stage_no_checklist(stage):
    result = assess(ProjectFacts(**{**CAMPAIGN.__dict__, "stage": stage}))
    assert result.target_stage is None
    assert result.checklist == []
