"""Writes on where a project runs: its deployment model, its customer-cloud environment, the
client's sign-offs and the hybrid routing rules. One transaction and one audit event each.

Validation errors are keyed by field name; environment fields given to
``deployment_model_switch`` keep their own names (``account_id``), routing rules are keyed
``rules[<index>].<field>``.
"""

import contextlib
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.access import Action, require
from accounts.audit import audit_record, changes, snapshot
from accounts.models import Membership, Role, User
from deployments.models import CustomerCloudEnvironment, RoutingRule
from projects.models import DeploymentModel, HostingApproach, Project, Residency
from projects.services.stages import lock_project
from projects.signals import project_inputs_changed

ENVIRONMENT_FIELDS = [
    "provider",
    "account_id",
    "regions",
    "residency_regions",
    "access_pattern",
    "network_isolation",
    "change_process_reference",
]
#: Changing one of these withdraws the sign-off that depended on it.
ACCESS_FACTS = {"provider", "account_id", "access_pattern", "network_isolation"}
RESIDENCY_FACTS = {"regions", "residency_regions"}
RULE_FIELDS = [
    "position",
    "condition_kind",
    "data_class",
    "traffic_condition",
    "destination",
    "api_model",
    "share_percent",
]
SIGN_OFFS = {
    "access_pattern": ("access_approved_by", "access_approved_at", "access_pattern"),
    "data_residency": ("residency_confirmed_by", "residency_confirmed_at", "residency_regions"),
}


@transaction.atomic
def environment_update(*, project: Project, actor: User, **fields) -> CustomerCloudEnvironment:
    """Record or change the client's cloud environment (technical details: engineers too)."""
    project = lock_project(project)
    require(actor, project, Action.CHANGE_TECHNICAL)
    environment, before, after = _apply_environment(project, fields)
    if after:
        environment.save()
        audit_record(action="environment.updated", obj=environment, actor=actor, before=before, after=after)
        project_inputs_changed.send(sender=Project, project_id=project.pk)
    return environment


@transaction.atomic
def environment_sign_off(*, project: Project, actor: User, kind: str) -> CustomerCloudEnvironment:
    """The client signs off the access pattern or confirms data residency. Client-side people only."""
    project = lock_project(project)
    require(actor, project, Action.VIEW)
    if kind not in SIGN_OFFS:
        raise ValidationError({"kind": "Sign off 'access_pattern' or 'data_residency'."}, code="invalid_choice")
    role = Membership.objects.filter(user=actor, tenant_id=project.tenant_id).values_list("role", flat=True).first()
    if not actor.is_platform_admin and role not in {Role.CUSTOMER_ADMIN, Role.CUSTOMER_APPROVER}:
        raise PermissionDenied("Only the client's admins or approvers can sign off their environment.")
    environment = CustomerCloudEnvironment.objects.filter(project=project).first()
    by_field, at_field, fact = SIGN_OFFS[kind]
    if environment is None or not getattr(environment, fact):
        raise ValidationError({fact: "Record this before it can be signed off."}, code="required")
    setattr(environment, by_field, actor)
    setattr(environment, at_field, timezone.now())
    environment.save(update_fields=[by_field, at_field, "updated_at"])
    audit_record(
        action="environment.signed_off",
        obj=environment,
        actor=actor,
        after={"kind": kind, "by": actor.get_username(), "signed": snapshot(environment, [fact])[fact]},
    )
    project_inputs_changed.send(sender=Project, project_id=project.pk)
    return environment


@transaction.atomic
def deployment_model_switch(
    *, project: Project, actor: User, deployment_model: str, environment: dict | None = None
) -> Project:
    """Switch between managed application and customer cloud (``Action.CHANGE``).

    Customer cloud needs the environment's required facts (given here or already stored),
    residency regions too when the project's residency is strict. Switching back keeps the
    environment row as history. One audit event, with the environment changes in it.
    """
    project = lock_project(project)
    require(actor, project, Action.CHANGE)
    if deployment_model not in DeploymentModel.values:
        raise ValidationError(
            {"deployment_model": f"Choose one of: {', '.join(DeploymentModel.values)}."}, code="invalid_choice"
        )
    if deployment_model == project.deployment_model and not environment:
        return project
    env_before = env_after = {}
    stored = None
    if deployment_model == DeploymentModel.CUSTOMER_CLOUD or environment:
        stored, env_before, env_after = _apply_environment(project, environment or {})
    if deployment_model == DeploymentModel.CUSTOMER_CLOUD:
        strict = project.profile.residency == Residency.STRICT
        missing = stored.missing_facts(strict_residency=strict)
        if missing:
            raise ValidationError(dict.fromkeys(missing, "Required for a customer-cloud project."), code="required")
    before = {"deployment_model": project.deployment_model}
    project.deployment_model = deployment_model
    project.save(update_fields=["deployment_model", "updated_at"])
    if stored is not None and env_after:
        stored.save()
    if before["deployment_model"] == deployment_model and not env_after:
        return project
    audit_record(
        action="project.deployment_model_changed",
        obj=project,
        actor=actor,
        before={**before, "environment": env_before},
        after={"deployment_model": deployment_model, "environment": env_after},
    )
    project_inputs_changed.send(sender=Project, project_id=project.pk)
    return project


@transaction.atomic
def routing_rules_replace(*, project: Project, actor: User, rules: list[dict]) -> list[RoutingRule]:
    """Replace the hybrid project's ordered rules at once; their shares must add up to 100%."""
    project = lock_project(project)
    require(actor, project, Action.CHANGE_TECHNICAL)
    if rules and project.hosting_approach != HostingApproach.HYBRID:
        raise ValidationError({"hosting_approach": "Routing rules apply only to hybrid hosting."}, code="not_hybrid")
    built, errors = [], {}
    for index, data in enumerate(rules):
        unknown = set(data) - set(RULE_FIELDS)
        for name in sorted(unknown):
            errors[f"rules[{index}].{name}"] = ["Not a field of a routing rule."]
        rule = RoutingRule(
            tenant_id=project.tenant_id,
            project=project,
            **{name: value for name, value in data.items() if name in RULE_FIELDS},
        )
        if rule.position is None:
            rule.position = index + 1
        with contextlib.suppress(ArithmeticError, ValueError):  # if not a number, full_clean names the field
            rule.share_percent = Decimal(str(rule.share_percent)).quantize(Decimal("0.01"))
        try:
            rule.full_clean(exclude=["project"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors[f"rules[{index}].{name}"] = messages
        built.append(rule)
    positions = [rule.position for rule in built]
    if len(set(positions)) != len(positions):
        errors["rules"] = ["Each rule needs its own position."]
    if built and not errors:
        total = sum((Decimal(rule.share_percent) for rule in built), Decimal("0"))
        if total != 100:
            errors["rules"] = [f"Shares must add up to 100%; these add up to {total.normalize()}%."]
    if errors:
        raise ValidationError(errors)
    current = list(RoutingRule.objects.filter(project=project).order_by("position"))
    before = [snapshot(rule, RULE_FIELDS) for rule in current]
    after = [snapshot(rule, RULE_FIELDS) for rule in sorted(built, key=lambda rule: rule.position)]
    if before == after:
        return current
    RoutingRule.objects.filter(project=project).delete()
    RoutingRule.objects.bulk_create(built)
    audit_record(action="routing.replaced", obj=project, actor=actor, before={"rules": before}, after={"rules": after})
    project_inputs_changed.send(sender=Project, project_id=project.pk)
    return list(RoutingRule.objects.filter(project=project).order_by("position"))


def _apply_environment(project, fields):
    """Set ``fields`` on the project's environment (created if missing), validated, not yet saved."""
    unknown = set(fields) - set(ENVIRONMENT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a field of the environment."))
    environment = CustomerCloudEnvironment.objects.select_for_update().filter(project=project).first()
    if environment is None:
        environment = CustomerCloudEnvironment(tenant_id=project.tenant_id, project=project)
    before = snapshot(environment, ENVIRONMENT_FIELDS) if environment.pk else {}
    for name, value in fields.items():
        setattr(environment, name, value)
    environment.full_clean(exclude=["project"], validate_unique=False)
    before, after = changes(before, snapshot(environment, ENVIRONMENT_FIELDS))
    withdrawn = []
    if environment.access_approved_at and ACCESS_FACTS & set(after):
        environment.access_approved_by = environment.access_approved_at = None
        withdrawn.append("access_pattern")
    if environment.residency_confirmed_at and RESIDENCY_FACTS & set(after):
        environment.residency_confirmed_by = environment.residency_confirmed_at = None
        withdrawn.append("data_residency")
    if withdrawn:
        after["sign_offs_withdrawn"] = withdrawn
    return environment, before, after
