"""The requirements profile: every rule of the model, and who may change what through ``profile_update``."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from projects.models import TECHNICAL_FIELDS, Project, RequirementsProfile
from projects.services.projects import PROFILE_FIELDS, profile_update, project_create

pytestmark = pytest.mark.django_db


def stored():
    """Everything a refused call must leave as it was."""
    return (
        list(RequirementsProfile.objects.order_by("pk").values()),
        list(Project.objects.order_by("pk").values()),
        list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True)),
    )


def refused(call, *, fields=None, exception=ValidationError):
    """``call`` raises ``exception`` (naming exactly ``fields``, for a ValidationError) and changes nothing."""
    before = stored()
    with pytest.raises(exception) as error:
        call()
    if fields is not None:
        assert set(error.value.message_dict) == set(fields), error.value.message_dict
    assert stored() == before
    return error.value


def update(project, actor, **fields):
    return lambda: profile_update(project=project, actor=actor, **fields)


#: One valid change per profile field, each valid on its own against the factory's defaults.
VALID_CHANGES = {
    # Technical: an engineer may make these.
    "monthly_requests": 90_000,
    "avg_input_tokens": 1500,
    "avg_output_tokens": 400,
    "cached_input_percent": D("25.50"),
    "traffic_pattern": "spiky",
    "peak_ratio": D("3.00"),
    "latency_need": "batch",
    "latency_target_ms": 800,
    "connectivity": "limited",
    "customisation": "fine_tuning",
    "mlops_capability": "some",
    "hardware_capability": "mature",
    "infrastructure_capability": "some",
    # The rest needs the full change right.
    "data_sensitivity": "confidential",
    "data_categories": ["personal"],
    "regulations": ["gdpr"],
    "residency": "preferred",
    "residency_region": "EU",
    "differentiation": "specialised",
    "target_production_date": datetime.date(2027, 3, 1),
    "monthly_budget": D("2500.00"),
    "upfront_budget": D("40000.00"),
}
BUSINESS_FIELDS = sorted(set(VALID_CHANGES) - TECHNICAL_FIELDS)


def test_the_valid_changes_cover_every_profile_field():
    """A new profile field must be added here, and so to the rules below."""
    assert set(VALID_CHANGES) == PROFILE_FIELDS
    assert TECHNICAL_FIELDS < PROFILE_FIELDS


# --- Field rules: ranges, choices, formats ------------------------------------------------------

RANGES = [
    # Issue 15: volumes beyond any real deployment (10^12 a month) and tokens per request in the
    # millions are refused, not accepted to swamp the portfolio.
    ("monthly_requests", [0, 10**10], [-1, 10**10 + 1, 10**12]),
    ("avg_input_tokens", [1, 1_000_000], [0, 1_000_001, 2_000_000]),
    ("avg_output_tokens", [0, 128_000], [-1, 128_001, 200_000]),
    ("cached_input_percent", [D("0"), D("100")], [D("-0.01"), D("100.01"), D("12.345")]),
    ("peak_ratio", [D("1"), D("1000")], [D("0.99"), D("1000.01"), D("1.001")]),
    ("latency_target_ms", [10, 600_000], [9, 600_001]),
    ("monthly_budget", [D("0"), None, D("999999999999.99")], [D("-0.01"), D("1000000000000")]),
    ("upfront_budget", [D("0"), None, D("999999999999.99")], [D("-0.01"), D("1000000000000")]),
    ("residency_region", ["", "x" * 64], ["x" * 65]),
    ("target_production_date", [None, datetime.date(2030, 1, 1)], ["next spring"]),
]


@pytest.mark.parametrize(("field", "value"), [(field, value) for field, _, bad in RANGES for value in bad], ids=str)
def test_a_value_out_of_range_is_refused_on_its_field(project, people, field, value):
    refused(update(project, people["lead"], **{field: value}), fields=[field])


@pytest.mark.parametrize(("field", "value"), [(field, value) for field, good, _ in RANGES for value in good], ids=str)
def test_the_bounds_themselves_are_accepted(project, people, field, value):
    profile_update(project=project, actor=people["lead"], **{field: value})
    assert getattr(RequirementsProfile.objects.get(project=project), field) == value


@pytest.mark.parametrize(
    "field",
    [
        "data_sensitivity",
        "residency",
        "traffic_pattern",
        "latency_need",
        "connectivity",
        "customisation",
        "differentiation",
        "mlops_capability",
        "hardware_capability",
        "infrastructure_capability",
    ],
)
def test_a_choice_outside_the_list_is_refused_on_its_field(project, people, field):
    refused(update(project, people["lead"], **{field: "something_else"}), fields=[field])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("data_categories", ["gossip"]),
        ("data_categories", ["personal", "gossip"]),
        ("data_categories", "health"),
        ("regulations", ["made_up"]),
        ("regulations", "gdpr"),
    ],
    ids=str,
)
def test_lists_hold_only_known_codes(project, people, field, value):
    refused(update(project, people["lead"], **{field: value}), fields=[field])


def test_only_profile_fields_can_be_set(project, people):
    for field in ("tenant", "id", "updated_at", "favourite_colour"):
        refused(update(project, people["lead"], **{field: None}), fields=[field])


# --- Rules that tie fields together -------------------------------------------------------------

CROSS_FIELD_REFUSALS = [
    ({"residency": "strict", "residency_region": ""}, "residency_region"),
    ({"residency": "strict", "residency_region": "   "}, "residency_region"),
    ({"latency_need": "interactive", "latency_target_ms": None}, "latency_target_ms"),
    ({"traffic_pattern": "spiky", "peak_ratio": D("1")}, "peak_ratio"),
    ({"monthly_requests": 10**10, "avg_input_tokens": 100_000}, "monthly_requests"),
    ({"monthly_requests": 1_000_000_000, "avg_input_tokens": 1_000_000}, "monthly_requests"),
    ({"data_sensitivity": "regulated", "regulations": []}, "regulations"),
    ({"data_categories": ["health"], "data_sensitivity": "internal"}, "data_sensitivity"),
    ({"data_categories": ["financial"], "data_sensitivity": "public"}, "data_sensitivity"),
    ({"data_categories": ["personal", "health"], "data_sensitivity": "public"}, "data_sensitivity"),
]
CROSS_FIELD_ACCEPTED = [
    {"residency": "strict", "residency_region": "Thailand"},
    {"residency": "preferred", "residency_region": ""},
    {"latency_need": "batch", "latency_target_ms": None},
    {"traffic_pattern": "spiky", "peak_ratio": D("1.01")},
    {"traffic_pattern": "steady", "peak_ratio": D("1")},
    {"monthly_requests": 10**10, "avg_input_tokens": 9_000, "avg_output_tokens": 1_000},
    {"data_sensitivity": "regulated", "regulations": ["gdpr"]},
    {"data_sensitivity": "confidential", "regulations": []},
    {"data_categories": ["health"], "data_sensitivity": "confidential"},
    {"data_categories": ["financial"], "data_sensitivity": "regulated", "regulations": ["pci_dss"]},
    {"data_categories": ["personal", "trade_secrets"], "data_sensitivity": "internal"},
]


@pytest.mark.parametrize(("fields", "field"), CROSS_FIELD_REFUSALS, ids=str)
def test_a_cross_field_rule_names_the_field_to_fix(project, people, fields, field):
    refused(update(project, people["lead"], **fields), fields=[field])


@pytest.mark.parametrize("fields", CROSS_FIELD_ACCEPTED, ids=str)
def test_what_the_cross_field_rules_allow(project, people, fields):
    profile = profile_update(project=project, actor=people["lead"], **fields)
    profile.refresh_from_db()
    assert {name: getattr(profile, name) for name in fields} == fields


def test_a_rule_is_checked_against_the_stored_values_too(project, people):
    """Changing one side of a rule is refused when the other side, already stored, breaks it."""
    profile_update(project=project, actor=people["lead"], data_categories=["health"], data_sensitivity="confidential")
    refused(update(project, people["lead"], data_sensitivity="internal"), fields=["data_sensitivity"])
    profile_update(project=project, actor=people["lead"], traffic_pattern="spiky", peak_ratio=D("4"))
    refused(update(project, people["lead"], peak_ratio=D("1")), fields=["peak_ratio"])


def test_every_broken_rule_is_reported_at_once(project, people):
    refused(
        update(
            project,
            people["lead"],
            residency="strict",
            data_sensitivity="regulated",
            latency_target_ms=None,
            avg_input_tokens=0,
        ),
        fields=["residency_region", "regulations", "latency_target_ms", "avg_input_tokens"],
    )


def test_the_rules_apply_when_a_project_is_created(tenant, people):
    refused(
        lambda: project_create(
            tenant=tenant,
            actor=people["lead"],
            name="Claims",
            code="CLM-1",
            profile={"residency": "strict", "monthly_requests": -5},
        ),
        # Named under the argument that carried them (``profile_update`` names them bare).
        fields=["profile.residency_region", "profile.monthly_requests"],
    )


# --- Audit ----------------------------------------------------------------------------------------


def test_a_change_is_one_event_with_only_the_changed_fields(project, people):
    profile_update(
        project=project,
        actor=people["lead"],
        residency="strict",
        residency_region="Thailand",
        monthly_budget=D("900"),
        traffic_pattern="steady",  # as stored: not a change
        avg_input_tokens=1000,  # as stored: not a change
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_id) == (
        "project.profile_updated",
        "projects.project",
        str(project.pk),
    )
    assert (event.tenant_id, event.project_id, event.actor, event.source) == (
        project.tenant_id,
        project.pk,
        people["lead"],
        AuditEvent.Source.SYSTEM,
    )
    assert event.before == {"residency": "none", "residency_region": "", "monthly_budget": None}
    assert event.after == {"residency": "strict", "residency_region": "Thailand", "monthly_budget": "900"}
    profile = RequirementsProfile.objects.get(project=project)
    assert (profile.residency, profile.residency_region, profile.monthly_budget) == ("strict", "Thailand", D("900"))


def test_writing_the_stored_values_back_records_nothing(project, people):
    before = stored()
    profile_update(project=project, actor=people["lead"], monthly_requests=0, peak_ratio=D("1.50"), regulations=[])
    with pytest.raises(PermissionDenied):  # permission comes first: a viewer is refused even a no-op
        profile_update(project=project, actor=people["viewer"], data_sensitivity="internal")
    assert stored() == before


def test_an_equal_decimal_written_with_another_scale_records_nothing(project, people):
    before = stored()
    profile_update(project=project, actor=people["lead"], peak_ratio=D("1.5"))
    assert stored() == before


# --- Who may change what --------------------------------------------------------------------------


@pytest.mark.parametrize("field", sorted(TECHNICAL_FIELDS))
def test_an_engineer_may_change_each_technical_field(project, people, field):
    profile_update(project=project, actor=people["engineer"], **{field: VALID_CHANGES[field]})
    assert getattr(RequirementsProfile.objects.get(project=project), field) == VALID_CHANGES[field]
    event = AuditEvent.objects.get()
    assert (event.actor, list(event.after)) == (people["engineer"], [field])


@pytest.mark.parametrize("field", BUSINESS_FIELDS)
def test_an_engineer_may_not_change_budgets_sensitivity_or_scope(project, people, field):
    refused(update(project, people["engineer"], **{field: VALID_CHANGES[field]}), exception=PermissionDenied)


def test_an_engineer_mixing_in_one_business_field_changes_nothing(project, people):
    refused(
        update(project, people["engineer"], monthly_requests=90_000, monthly_budget=D("10")),
        exception=PermissionDenied,
    )


def test_an_engineer_may_send_business_fields_unchanged(project, people):
    """Only what actually changes is checked, so a whole form can be resubmitted by an engineer."""
    profile_update(
        project=project, actor=people["engineer"], monthly_requests=90_000, data_sensitivity="internal", regulations=[]
    )
    assert AuditEvent.objects.get().after == {"monthly_requests": 90_000}


@pytest.mark.parametrize("who", ["viewer", "approver", "admin", "outsider"])
@pytest.mark.parametrize("field", ["monthly_requests", "monthly_budget", "data_sensitivity"])
def test_who_may_not_change_the_profile_changes_nothing(project, people, who, field):
    refused(update(project, people[who], **{field: VALID_CHANGES[field]}), exception=PermissionDenied)


@pytest.mark.parametrize("who", ["lead", "platform"])
def test_leads_and_platform_admins_may_change_every_field(project, people, who):
    profile_update(project=project, actor=people[who], **VALID_CHANGES)
    profile = RequirementsProfile.objects.get(project=project)
    assert {field: getattr(profile, field) for field in VALID_CHANGES} == VALID_CHANGES
    assert set(AuditEvent.objects.get().after) == set(VALID_CHANGES)
