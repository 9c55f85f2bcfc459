"""Writes on where a project runs: its deployment model, its customer-cloud environment, the
client's sign-offs and the hybrid routing rules.

Each service runs in one transaction with the project row locked, checks the actor's rights with
``tenancy.access.require``, and records exactly one audit event per state change (none when it
refuses, none when nothing changes).

Validation errors are keyed by where the bad value was given:

- an environment fact by its field name, whether it came to ``environment_update`` or inside
  ``deployment_model_switch(environment=...)`` (``account_id``, never ``environment.account_id``:
  the page's form has the field; the API names it where its body gave it, ``api.errors.named_within``);
  the argument ``environment`` itself when it is not an object;
- a routing rule's field as ``rules.<index>.<field>``, ``<index>`` being the rule's 0-based
  place in the list given; ``rules.<index>`` when the rule is not an object; ``rules`` for the
  set as a whole (the shares' total);
- the call's own arguments and the project facts that forbid it by their names
  (``deployment_model``, ``kind``, ``hosting_approach``).
"""

import contextlib
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record, changes, snapshot
from deployments.models import CustomerCloudEnvironment, RoutingRule
from projects.models import DeploymentModel, HostingApproach, Project, Residency
from projects.services.approvals import relay_check
from projects.services.stages import lock_project
from projects.signals import project_inputs_changed
from tenancy.access import Action, require, tenant_roles
from tenancy.models import Role

ENVIRONMENT_FIELDS = [
    "kind",
    "site",
    "provider",
    "account_id",
    "regions",
    "residency_regions",
    "access_pattern",
    "network_isolation",
    "change_process_reference",
]
LIST_FIELDS = frozenset({"regions", "residency_regions"})
#: What a name that is no fact of the environment is told.
ENVIRONMENT_UNKNOWN = "Not a field of the environment."
RULE_FIELDS = [
    "position",
    "condition_kind",
    "data_class",
    "traffic_condition",
    "destination",
    "api_model",
    "share_percent",
]
#: kind -> (who field, when field, the fact that must be recorded before it can be signed)
SIGN_OFFS = {
    "access_pattern": ("access_approved_by", "access_approved_at", "access_pattern"),
    "data_residency": ("residency_confirmed_by", "residency_confirmed_at", "residency_regions"),
}
SIGN_OFF_UNKNOWN = f"Sign off one of: {', '.join(SIGN_OFFS)}."
#: Changing one of these withdraws the sign-off that vouched for it. The access approval covers
#: who gets into which account and how it is reached; the residency confirmation covers where
#: the workloads and the data are.
SIGN_OFF_FACTS = {
    "access_pattern": frozenset({"kind", "site", "provider", "account_id", "access_pattern", "network_isolation"}),
    "data_residency": frozenset({"kind", "site", "regions", "residency_regions"}),
}
#: Tenant roles whose holders speak for the client.
SIGNING_ROLES = frozenset({Role.CUSTOMER_ADMIN, Role.CUSTOMER_APPROVER})


@transaction.atomic
def environment_update(*, project: Project, actor: User, **fields) -> CustomerCloudEnvironment:
    """Record or change the client's cloud environment (created on first use).

    Every environment fact is technical (``Action.CHANGE_TECHNICAL``: engineers too). Changing a
    fact a sign-off vouched for withdraws that sign-off, and the event says so.
    """
    project = lock_project(project)
    require(actor, project, Action.CHANGE_TECHNICAL)
    environment, before = _environment_with(project, fields)
    _raise_if(_validation_errors(environment))
    before, after = _environment_changes(environment, before)
    if after:
        _environment_save(environment, actor=actor, before=before, after=after)
    return environment


@transaction.atomic
def environment_sign_off(
    *, project: Project, actor: User, kind: str, relayed_by: User | None = None
) -> CustomerCloudEnvironment:
    """The client approves the access pattern (``kind="access_pattern"``) or confirms data residency
    (``kind="data_residency"``).

    Only a person who speaks for the client may: a customer admin or approver of the project's
    tenant, or a platform admin; never a service account. A ticketing tool relays that person's
    word as it relays approvals: ``actor`` is the person, ``relayed_by`` a service account of the
    project's tenant (``relay_check``), recorded beside the sign-off. The fact being signed must be
    recorded.
    """
    project = lock_project(project)
    if relayed_by is not None:
        relay_check(relayed_by=relayed_by, project=project)
    sign_off_check(actor, project)
    if kind not in SIGN_OFFS:
        raise ValidationError({"kind": ValidationError(SIGN_OFF_UNKNOWN, code="invalid_choice")})
    environment = CustomerCloudEnvironment.objects.select_for_update().filter(project=project).first()
    by_field, at_field, fact = SIGN_OFFS[kind]
    if environment is None or not getattr(environment, fact):
        raise ValidationError({fact: ValidationError("Record this before it can be signed off.", code="required")})
    previous_by = getattr(environment, by_field)
    before = {
        "kind": kind,
        "by": previous_by.get_username() if previous_by is not None else None,
        "at": getattr(environment, at_field),
    }
    setattr(environment, by_field, actor)
    setattr(environment, at_field, timezone.now())
    environment.save(update_fields=[by_field, at_field, "updated_at"])
    audit_record(
        action="environment.signed_off",
        obj=environment,
        actor=actor,
        before=before,
        after={
            "kind": kind,
            "by": actor.get_username(),
            "at": getattr(environment, at_field),
            "signed": snapshot(environment, [fact])[fact],
            "relayed_by": relayed_by.get_username() if relayed_by else None,
        },
    )
    project_inputs_changed.send(sender=Project, project_id=project.pk)
    return environment


@transaction.atomic
def deployment_model_switch(
    *, project: Project, actor: User, deployment_model: str, environment: dict | None = None
) -> Project:
    """Switch between managed application and customer cloud (``Action.CHANGE``).

    Customer cloud needs the environment's required facts (``CustomerCloudEnvironment.REQUIRED``,
    plus residency regions when the project's residency is strict), given in ``environment`` or
    already stored; otherwise every missing one is named and nothing changes. Switching back to
    managed keeps the environment row as history. One event, ``project.deployment_model_changed``,
    carries the environment changes too.

    Asking for the model the project already has switches nothing and records no switch; facts
    given alongside are still applied, and recorded as what they are (``environment.updated``).
    """
    project = lock_project(project)
    require(actor, project, Action.CHANGE)
    if deployment_model not in DeploymentModel.values:
        raise ValidationError(
            {"deployment_model": f"Choose one of: {', '.join(DeploymentModel.values)}."}, code="invalid_choice"
        )
    if environment is None:
        environment = {}
    if not isinstance(environment, dict):
        raise ValidationError({"environment": "Give the environment's facts as an object."}, code="invalid")
    switching = deployment_model != project.deployment_model
    to_customer_cloud = deployment_model == DeploymentModel.CUSTOMER_CLOUD
    if not switching and not environment:
        return project

    stored, env_before, env_after = None, {}, {}
    if to_customer_cloud or environment:
        stored, env_before = _environment_with(project, environment)
        errors = _validation_errors(stored)
        if to_customer_cloud:
            strict = project.profile.residency == Residency.STRICT
            for name in stored.missing_facts(strict_residency=strict):
                errors.setdefault(name, []).append(
                    "Required for a project in the client's data centre."
                    if stored.is_data_centre
                    else "Required for a customer-cloud project."
                )
        _raise_if(errors)
        env_before, env_after = _environment_changes(stored, env_before)

    if not switching:
        if env_after:
            _environment_save(stored, actor=actor, before=env_before, after=env_after)
        return project

    before = {"deployment_model": project.deployment_model, "environment": env_before}
    project.deployment_model = deployment_model
    project.save(update_fields=["deployment_model", "updated_at"])
    if env_after:
        stored.save()
    audit_record(
        action="project.deployment_model_changed",
        obj=project,
        actor=actor,
        before=before,
        after={"deployment_model": deployment_model, "environment": env_after},
    )
    project_inputs_changed.send(sender=Project, project_id=project.pk)
    return project


@transaction.atomic
def routing_rules_replace(*, project: Project, actor: User, rules: list[dict]) -> list[RoutingRule]:
    """Replace a hybrid project's routing rules as a whole (``Action.CHANGE_TECHNICAL``).

    Rules are kept in the order given (``position`` 1, 2, ... unless given). Only a hybrid project
    has rules, though any project may have its rules emptied; the shares add up to exactly 100%.
    """
    project = lock_project(project)
    require(actor, project, Action.CHANGE_TECHNICAL)
    if not isinstance(rules, list):
        raise ValidationError({"rules": "Give a list of rules."}, code="invalid")
    if rules and project.hosting_approach != HostingApproach.HYBRID:
        raise ValidationError({"hosting_approach": "Routing rules apply only to hybrid hosting."}, code="not_hybrid")
    built, errors = _rules_built(project, rules)
    if built and not errors:
        total = sum((rule.share_percent for rule in built), Decimal("0"))
        if total != 100:
            errors["rules"] = [f"Shares must add up to 100%; these add up to {_percent(total)}%."]
    _raise_if(errors)

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


def _environment_with(project, fields):
    """The project's environment (a new one if it has none) with ``fields`` set, not validated
    or saved, and the snapshot of its facts from before."""
    unknown = set(fields) - set(ENVIRONMENT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), ENVIRONMENT_UNKNOWN), code="unknown")
    environment = CustomerCloudEnvironment.objects.select_for_update().filter(project=project).first()
    if environment is None:
        environment = CustomerCloudEnvironment(tenant_id=project.tenant_id, project=project)
    else:
        environment.project = project  # the locked row, already loaded
    before = snapshot(environment, ENVIRONMENT_FIELDS)
    for name, value in fields.items():
        setattr(environment, name, _normalised(name, value))
    return environment, before


def _normalised(name, value):
    """Blank means empty: ``None`` clears a fact, and surrounding spaces are not part of a name."""
    if value is None:
        return [] if name in LIST_FIELDS else ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [item.strip() if isinstance(item, str) else item for item in value]
    return value


def _environment_changes(environment, before):
    """The facts that changed, from each side, with the sign-offs the change withdraws."""
    before, after = changes(before, snapshot(environment, ENVIRONMENT_FIELDS))
    withdrawn = []
    for kind, facts in SIGN_OFF_FACTS.items():
        by_field, at_field, _ = SIGN_OFFS[kind]
        if getattr(environment, at_field) is not None and facts & set(after):
            before |= snapshot(environment, [by_field, at_field])
            setattr(environment, by_field, None)
            setattr(environment, at_field, None)
            after |= {by_field: None, at_field: None}
            withdrawn.append(kind)
    if withdrawn:
        after["sign_offs_withdrawn"] = withdrawn
    return before, after


def _environment_save(environment, *, actor, before, after):
    environment.save()
    audit_record(action="environment.updated", obj=environment, actor=actor, before=before, after=after)
    project_inputs_changed.send(sender=Project, project_id=environment.project_id)


def sign_off_check(actor, project) -> None:
    """Refuse (403) anyone who may not sign off the project's environment (``speaks_for_client``):
    ``environment_sign_off`` asks first, and the API before it reads the request's body."""
    require(actor, project, Action.VIEW)
    if not speaks_for_client(actor, project):
        raise PermissionDenied("Only the client's admins or approvers can sign off their environment.")


def speaks_for_client(actor, project) -> bool:
    """Whether ``actor`` may sign off the client's environment: a person among the client's admins and
    approvers (or a platform admin). Pages use it to offer the sign-off buttons only to them."""
    if actor.is_service_account:
        return False  # a sign-off is a person's word
    if actor.is_platform_admin:
        return True
    return tenant_roles(actor).get(project.tenant_id) in SIGNING_ROLES


def _rules_built(project, rules):
    """Unsaved, validated rules, and the errors keyed ``rules.<index>.<field>``."""
    built, errors, positions = [], {}, {}
    for index, data in enumerate(rules):
        key = f"rules.{index}"
        if not isinstance(data, dict):
            errors[key] = ["A rule is an object of rule fields."]
            continue
        for name in sorted(set(data) - set(RULE_FIELDS)):
            errors[f"{key}.{name}"] = ["Not a field of a routing rule."]
        rule = RoutingRule(
            tenant_id=project.tenant_id,
            project=project,
            **{name: value for name, value in data.items() if name in RULE_FIELDS},
        )
        if rule.position is None:
            rule.position = index + 1
        rule.share_percent = _cents(rule.share_percent)
        try:
            rule.full_clean(exclude=["project"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors[f"{key}.{name}"] = messages
        if rule.position in positions:
            errors.setdefault(f"{key}.position", []).append(
                f"Rule {positions[rule.position]} already has position {rule.position}."
            )
        positions.setdefault(rule.position, index)
        built.append(rule)
    return built, errors


def _cents(value):
    """A share as a two-place Decimal, so 50, "50" and 50.00 are the same rule; anything else
    (not a number, or finer than a hundredth) is left for the field's validation to name."""
    with contextlib.suppress(ArithmeticError, ValueError, TypeError):
        number = Decimal(str(value))
        cents = number.quantize(Decimal("0.01"))
        if cents == number:
            return cents
    return value


def _percent(total: Decimal) -> str:
    return f"{total.normalize():f}"


def _validation_errors(obj) -> dict:
    try:
        obj.full_clean(exclude=["project"], validate_unique=False)
    except ValidationError as error:
        return error.message_dict
    return {}


def _raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)
