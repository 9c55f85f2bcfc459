"""The readiness engine: which hosting approach and deployment model fit a project, where its
choices disagree with that, and whether it is ready for its next stage.

Pure and deterministic: a ``ProjectFacts`` in, an ``Assessment`` out, no ORM and no clock (the
caller passes the days left to the production date). This package's public API is that contract,
re-exported here; its modules are how the rules are organised: ``facts`` (what the engine is
told), ``fit`` (how well each option suits the project), ``mismatches`` (where the project's
choices disagree with that), ``gates`` (the one list of stage-gate checklist items and their
rules) and ``engine`` (``assess``, putting them together).

The rules come from the delivery organisation's experience, summarised in PRODUCT.md section 4:

- regulated or confidential data, or strict residency → self-hosting or hybrid with a hard
  boundary; a cloud API only where the provider's certifications and region fit;
- no MLOps skills → cloud API; on premises also needs hardware skills; cloud self-hosting needs
  container and cloud-infrastructure skills; hybrid needs all of them;
- production in weeks → cloud API; self-hosting takes three to six months at least;
- low or spiky volume → cloud API; high, steady volume → self-hosting pays off (judged by the
  project's own cost estimate: its break-even volume, or none, when the API is the cheaper);
- offline / air-gapped, limited connectivity or strict latency at the edge → local models only:
  every option served from a remote region is ruled out, and so are a managed application and a
  cloud account; the client's own data centre fits;
- regulations → the certifications they ask of a provider, checked against the catalog;
- the upfront budget against each option's upfront cost;
- deep model changes → self-hosted open-weight models; prompting only → cloud API;
- a generic task → cloud API; a highly specialised one → self-hosted customisation.
"""

from assessments.readiness.engine import AT_RISK, BLOCKED, READY, Assessment, assess
from assessments.readiness.facts import CostFacts, EnvironmentFacts, ProjectFacts, ProviderFacts, RoutingFacts
from assessments.readiness.fit import Fit, Reason, deployment_fit, hosting_fit, label
from assessments.readiness.gates import (
    CLIENT_ACCEPTED,
    FAILED,
    GATES,
    NOT_APPLICABLE,
    PASSED,
    STATUS_LABELS,
    ChecklistItem,
    gate_keys,
    stage_checklist,
)
from assessments.readiness.mismatches import Mismatch, find_mismatches

__all__ = [
    "AT_RISK",
    "BLOCKED",
    "CLIENT_ACCEPTED",
    "FAILED",
    "GATES",
    "NOT_APPLICABLE",
    "PASSED",
    "READY",
    "STATUS_LABELS",
    "Assessment",
    "ChecklistItem",
    "CostFacts",
    "EnvironmentFacts",
    "Fit",
    "Mismatch",
    "ProjectFacts",
    "ProviderFacts",
    "Reason",
    "RoutingFacts",
    "assess",
    "deployment_fit",
    "find_mismatches",
    "gate_keys",
    "hosting_fit",
    "label",
    "stage_checklist",
]
