"""The stage gates: the one list of checklist items, the stage each belongs to, when it applies
and what passes it (evidence recorded, or a rule on the facts)."""

from dataclasses import dataclass

from assessments.readiness.facts import CLOUD_API, CUSTOMER_CLOUD, HYBRID, PIPELINE, SELF_HOSTING, ProjectFacts
from core.figures import usd

PASSED = "passed"
FAILED = "failed"
NOT_APPLICABLE = "not_applicable"
#: How a checklist item's status reads on the pages (the API keeps the codes).
STATUS_LABELS = {PASSED: "Passed", FAILED: "Not passed", NOT_APPLICABLE: "Does not apply"}
#: The checklist item a mismatch rule reads too: sensitive data on a cloud API needs it.
PROVIDER_TERMS_VERIFIED = "provider_terms_verified"
#: Items that are the client's to confirm: the delivery side records the evidence, and it counts only
#: once a client-side admin or approver has accepted it.
CLIENT_ACCEPTED = frozenset({"data_classified", "client_change_approval"})


# Not frozen: an assessment makes a few dozen, a recalculation chunk ten thousand, and a frozen
# dataclass's ``__init__`` (every field set through ``object.__setattr__``) costs four times a plain one's.
@dataclass
class ChecklistItem:
    key: str
    title: str
    status: str
    evidence: str
    detail: str = ""
    #: Satisfied by evidence recorded on the project (not by a rule on the facts).
    takes_evidence: bool = False
    #: The evidence counts only once the client has accepted it.
    client_accepts: bool = False


@dataclass(frozen=True)
class Gate:
    key: str
    title: str
    stage: str
    evidence: str
    applies: object = None  # ProjectFacts -> bool; None: always
    check: object = None  # ProjectFacts -> (bool, detail); None: evidence recorded

    def evaluate(self, f: ProjectFacts) -> ChecklistItem:
        kind = {"takes_evidence": self.check is None, "client_accepts": self.key in CLIENT_ACCEPTED}
        if self.applies is not None and not self.applies(f):
            return ChecklistItem(self.key, self.title, NOT_APPLICABLE, self.evidence, **kind)
        if self.check is None:
            ok = self.key in f.evidence
            detail = "" if ok else dict(f.evidence_waiting).get(self.key, "no evidence recorded")
        else:
            ok, detail = self.check(f)
            detail = "" if ok else detail  # what is wrong, said only when something is
        return ChecklistItem(self.key, self.title, PASSED if ok else FAILED, self.evidence, detail, **kind)


def _uses_api(f):
    return f.hosting_approach in {CLOUD_API, HYBRID}


def _self_hosts(f):
    return f.hosting_approach in SELF_HOSTING


def _customer_cloud(f):
    return f.deployment_model == CUSTOMER_CLOUD


def _environment_complete(f):
    env = f.environment
    if not env.exists:
        return False, "no environment recorded"
    return (not env.missing), ("missing: " + "; ".join(env.missing)) if env.missing else ""


def _routing_ok(f):
    r = f.routing
    if r.rules == 0:
        return False, "no routing rules"
    if r.shares_total != 100:
        return False, f"shares add up to {r.shares_total}%, not 100%"
    if f.sensitive and not r.sensitive_to_self_hosted:
        return False, "sensitive data is not routed to self-hosted models"
    return True, ""


def _upfront_within_budget(f):
    if f.cost is None:
        return False, "no cost estimate yet"
    upfront = f.cost.upfront.get(f.hosting_approach, 0)
    if upfront > f.upfront_budget:
        return (
            False,
            f"the chosen option needs {usd(upfront)} upfront, over the upfront budget of {usd(f.upfront_budget)}",
        )
    return True, ""


def _within_budget(f):
    if f.chosen_monthly_cost is None:
        return False, "no cost estimate yet"
    if f.chosen_monthly_cost > f.monthly_budget:
        return (
            False,
            f"the estimate of {usd(f.chosen_monthly_cost)} a month is over the budget of {usd(f.monthly_budget)}",
        )
    return True, ""


GATES = (
    Gate(
        "data_classified",
        "Data classified",
        "proof_of_concept",
        "A data classification of the project's inputs and outputs, agreed with the client.",
    ),
    Gate(
        "hosting_decision",
        "Hosting approach and deployment model chosen",
        "pilot",
        "The recorded decision on where the system runs and how its models are served, with the reasons.",
    ),
    Gate(
        "environment_complete",
        "Customer-controlled environment complete",
        "pilot",
        "For a cloud account: provider, account, regions and access pattern; for the client's data centre: the "
        "site and access pattern. Network isolation recorded.",
        applies=_customer_cloud,
        check=_environment_complete,
    ),
    Gate(
        "access_signed_off",
        "Access pattern approved by the client",
        "pilot",
        "The client's sign-off of the access pattern, with who and when.",
        applies=_customer_cloud,
        check=lambda f: (f.environment.access_signed_off, "not signed off"),
    ),
    Gate(
        "residency_confirmed",
        "Data residency confirmed",
        "pilot",
        "The client's confirmation that data stays in the agreed regions.",
        applies=lambda f: _customer_cloud(f) and f.environment.needs_residency,
        check=lambda f: (f.environment.residency_signed_off, "not confirmed"),
    ),
    Gate(
        PROVIDER_TERMS_VERIFIED,
        "Provider data handling and certifications verified",
        "pilot",
        "The provider's data-handling terms and certifications (e.g. SOC 2, ISO 27001) checked against the "
        "client's needs and region.",
        applies=_uses_api,
    ),
    Gate(
        "containerised_deployment",
        "Containerised deployment",
        "pilot",
        "The serving stack built as containers, deployable the same way in every environment.",
        applies=_self_hosts,
    ),
    Gate(
        "routing_rules",
        "Routing rules defined",
        "pilot",
        "Ordered routing rules adding up to 100%, sensitive data to own models.",
        applies=lambda f: f.hosting_approach == HYBRID,
        check=_routing_ok,
    ),
    Gate(
        "hardware_provisioned",
        "Hardware provisioned",
        "rollout",
        "GPUs or servers provisioned for the sized replicas, with the spare.",
        applies=_self_hosts,
    ),
    Gate(
        "scaling_and_redundancy",
        "Scaling and redundancy planned",
        "rollout",
        "How capacity grows with load and what happens when a replica or server fails.",
        applies=_self_hosts,
    ),
    Gate(
        "model_update_strategy",
        "Model update strategy",
        "rollout",
        "How new model versions are evaluated, rolled out and rolled back.",
        applies=_self_hosts,
    ),
    Gate(
        "vendor_switch_plan",
        "Vendor-switching plan",
        "rollout",
        "How the system would move to another provider or model without a rewrite.",
        applies=_uses_api,
    ),
    Gate(
        "token_cost_controls",
        "Token-cost controls",
        "rollout",
        "Prompt budgets, caching and alerts that keep token spend within the estimate.",
        applies=_uses_api,
    ),
    Gate(
        "cost_within_budget",
        "Cost estimate within budget",
        "rollout",
        "The latest cost estimate of the chosen option within the monthly run budget.",
        applies=lambda f: f.monthly_budget is not None,
        check=_within_budget,
    ),
    Gate(
        "upfront_within_budget",
        "Upfront cost within budget",
        "rollout",
        "The chosen option's upfront cost (hardware bought) within the upfront budget.",
        applies=lambda f: f.upfront_budget is not None,
        check=_upfront_within_budget,
    ),
    Gate(
        "monitoring", "Monitoring in place", "production", "Dashboards and alerts on quality, latency, errors and cost."
    ),
    Gate(
        "incident_runbook",
        "Incident runbook",
        "production",
        "Who is called and what they do when the system misbehaves.",
    ),
    Gate("rollback_plan", "Rollback plan", "production", "How to return to the previous version or process."),
    Gate(
        "client_change_approval",
        "Client change approval recorded",
        "production",
        "The reference of the client's change-management approval for go-live.",
    ),
)


def stage_checklist(f: ProjectFacts, target_stage: str) -> list[ChecklistItem]:
    """Every gate up to ``target_stage``: readiness must fit the stage (a demo is not a rollout)."""
    if target_stage not in PIPELINE:
        return []
    reach = PIPELINE.index(target_stage)
    return [gate.evaluate(f) for gate in GATES if PIPELINE.index(gate.stage) <= reach]


def gate_keys() -> list[tuple[str, str]]:
    return [(gate.key, gate.title) for gate in GATES]
