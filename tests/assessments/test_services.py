"""Assessments and estimates stored from real projects: inputs kept, idempotent, set-based."""

import dataclasses
import datetime
import gc
import hashlib
import json
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from assessments.catalog import latest_prices, prices_import
from assessments.models import ApiModelPrice, Assessment, CostEstimate, CostProfile, ProjectStanding, TenantDiscount
from assessments.services import results
from assessments.services.assessments import assessments_run
from assessments.services.estimates import estimates_recalculate
from assessments.services.evaluation import evaluate_many
from assessments.services.gates import evidence_accept, evidence_record, evidence_withdraw
from audit.models import AuditEvent
from deployments.services import routing_rules_replace
from projects.models import Project, RequirementsProfile, Stage
from projects.services.approvals import approval_decide, approval_request_cancel, approval_request_create
from projects.services.policies import policy_save
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PRICES = {"openai:gpt-4o-mini": (D("0.15"), D("0.075"), D("0.60")), "openai:gpt-4o": (D("2.50"), D("1.25"), D("10"))}
ROUTING = [
    {"condition_kind": "data_class", "data_class": "regulated", "destination": "self_hosted", "share_percent": D("70")},
    {
        "condition_kind": "traffic",
        "traffic_condition": "other",
        "destination": "cloud_api",
        "api_model": "openai:gpt-4o-mini",
        "share_percent": D("30"),
    },
]


@pytest.fixture
def catalog():
    prices_import(prices=PRICES, source="test prices")


def profile(project, **fields):
    RequirementsProfile.objects.filter(project=project).update(**fields)


def test_import_records_changed_prices_as_new_entries_only():
    first = prices_import(prices=PRICES, source="v1")
    assert (first.created, first.changed_keys) == (2, frozenset())
    again = prices_import(prices=PRICES, source="v1")
    assert (again.created, again.unchanged) == (0, 2)
    later = timezone.now() + datetime.timedelta(days=1)
    changed = prices_import(prices={**PRICES, "openai:gpt-4o": (D("2.00"), D("1.00"), D("8"))}, source="v2", now=later)
    assert changed.changed_keys == {"openai:gpt-4o"}
    assert ApiModelPrice.objects.filter(model="gpt-4o").count() == 2
    old = ApiModelPrice.objects.filter(model="gpt-4o").order_by("effective_from").first()
    assert old.input_per_mtok == D("2.50"), "the old entry is never edited"
    assert latest_prices(keys={"openai:gpt-4o"}, at=later)["openai:gpt-4o"].input_per_mtok == D("2.00")
    # Dated tomorrow, it waits its turn: today's price is still the old one.
    assert latest_prices(keys={"openai:gpt-4o"})["openai:gpt-4o"].input_per_mtok == D("2.50")


def test_the_bundled_data_imports_offline():
    result = prices_import()
    assert result.created > 100
    mini = latest_prices(keys={"openai:gpt-4o-mini"})["openai:gpt-4o-mini"]
    assert (mini.input_per_mtok, mini.output_per_mtok) == (D("0.15"), D("0.6"))
    assert "genai-prices" in mini.source
    again = prices_import()
    assert (again.created, again.changed_keys) == (0, frozenset())


def test_prices_compare_at_the_stored_precision():
    prices_import(prices={"acme:model": (0.18000000000000002, None, 0.6)}, source="test")
    assert latest_prices(keys={"acme:model"})["acme:model"].input_per_mtok == D("0.18")
    assert prices_import(prices={"acme:model": (D("0.18"), None, D("0.6"))}, source="test").created == 0


def test_reference_fixtures_are_shipped_with_sources():
    from assessments.models import GpuInstancePrice, HardwareProfile, ThroughputProfile

    g5 = GpuInstancePrice.objects.get(instance_type="g5.xlarge")
    assert (g5.hourly, g5.gpus, bool(g5.source)) == (D("1.006000"), 1, True)
    assert ThroughputProfile.objects.filter(size_class="70b", latency_target_ms__isnull=False).count() == 2
    assert HardwareProfile.objects.filter(gpus=8).exists()


def test_estimate_is_stored_with_its_inputs_and_not_duplicated(project, catalog):
    profile(project, monthly_requests=1_000_000, avg_input_tokens=550, avg_output_tokens=150, cached_input_percent=0)
    assert estimates_recalculate([project.pk])["stored"] == 1
    estimate = CostEstimate.objects.get()
    assert estimate.cloud_api_monthly == D("172.50")
    assert estimate.inputs["sources"]["api_price"]["key"] == "openai:gpt-4o-mini"
    assert estimate.inputs["workload"]["monthly_requests"] == 1_000_000
    assert estimates_recalculate([project.pk])["stored"] == 0, "same inputs, nothing new"
    TenantDiscount.objects.create(tenant=project.tenant, provider="openai", discount=D("0.2"), valid_from="2020-01-01")
    assert estimates_recalculate([project.pk])["stored"] == 1
    assert CostEstimate.objects.latest("pk").cloud_api_monthly == D("138.00")


def test_a_project_without_a_catalog_price_is_reported_not_stored(project, catalog):
    CostProfile.objects.create(tenant=project.tenant, project=project, api_model="acme:unknown-model")
    result = estimates_recalculate([project.pk])
    assert result["stored"] == 0
    assert "acme:unknown-model" in result["failed"][project.pk][0]


def test_set_based_recalculation_runs_a_fixed_number_of_queries(tenant, catalog, django_assert_num_queries):
    projects = ProjectFactory.create_batch(3, tenant=tenant)
    # the projects' evaluation lock, projects, their standings and 3 one-to-ones, the tenants' cost defaults, 5
    # catalog tables, ids for the
    # new rows, their COPY, standings upsert, webhooks, and a savepoint around them; elsewhere than
    # PostgreSQL, no lock and one bulk insert instead of the ids and their COPY
    with django_assert_num_queries(18 if connection.vendor == "postgresql" else 16) as few:
        estimates_recalculate([p.pk for p in projects])
    more = ProjectFactory.create_batch(30, tenant=tenant)
    with django_assert_num_queries(len(few.captured_queries)):
        estimates_recalculate([p.pk for p in projects + more])
    assert CostEstimate.objects.count() == 33


def test_an_evaluation_leaves_no_reference_cycles(tenant, catalog):
    """A chunk's projects, with their plans, facts and documents, are freed the moment the evaluation
    ends, not left for the garbage collector (which the worker runs rarely, ``config.celery_app``):
    a cycle per project (each one-to-one pointing back at its project) once left thousands of
    objects a chunk for it to walk."""
    projects = ProjectFactory.create_batch(3, tenant=tenant)
    gc.collect()
    gc.disable()
    try:
        evaluate_many([project.pk for project in projects])
        left_for_the_collector = gc.collect()
    finally:
        gc.enable()
    assert CostEstimate.objects.count() == Assessment.objects.count() == 3
    assert left_for_the_collector == 0


def assessment_row(project, **columns):
    return {
        "tenant_id": project.tenant_id,
        "project_id": project.pk,
        "status": "blocked",
        "inputs": results.document({"stage": project.stage}),
        "inputs_digest": "d" * 64,
        "result": results.document({"blocking": []}),
        **columns,
    }


def write_results(rows, *, candidates):
    """Write ``rows`` (which may fail half-way; None: a candidate skipped) with a ``ResultsWriter``
    in their own transaction."""
    with transaction.atomic(), results.ResultsWriter(Assessment, candidates) as writer:
        for row in rows:
            writer.skip() if row is None else writer.write(row)


def test_the_results_writer_gives_each_row_its_id_and_moment(project):
    second = ProjectFactory(tenant=project.tenant)
    rows = [assessment_row(project), assessment_row(second, supersedes=1)]
    write_results([None, rows[0], None, rows[1], None], candidates=5)
    stored = {assessment.pk: assessment for assessment in Assessment.objects.all()}
    assert sorted(stored) == sorted(row["id"] for row in rows)
    for row in rows:
        assessment = stored[row["id"]]
        assert (assessment.project_id, assessment.created_at, assessment.inputs) == (
            row["project_id"],
            row["created_at"],
            {"stage": project.stage},
        )


def test_documents_are_stored_whole_whatever_their_characters(project):
    """A document is written as the UTF-8 its digest is taken of: text beyond ASCII (a price
    source's en dash, a client's accents, a currency sign) and what ``COPY`` must escape
    (backslashes, tabs, line ends inside strings) come back as they went in."""
    value = {
        "source": "AWS g5.xlarge \u2013 eu-west-3 (Paris), prix publiés",  # an en dash
        "note": 'tab\there, a line\nend, a back\\slash \\N, a quote " and €5 ≥ 4',
        "blocking": [],
    }
    inputs = results.document(value)
    assert (
        results.digest_of(inputs)
        == hashlib.sha256(
            json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ).hexdigest()
    )
    write_results([assessment_row(project, inputs=inputs, result=results.document(value))], candidates=1)
    stored = Assessment.objects.get()
    assert stored.inputs == stored.result == value


def test_a_results_writer_given_nothing_to_write_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0), results.ResultsWriter(Assessment, 2) as writer:
        writer.skip()
        writer.skip()


def test_an_error_while_rows_are_written_stores_none_of_them(project):
    """A chunk whose engine fails half-way stores nothing (the evaluation's transaction rolls back),
    and the connection is usable at once: the open ``COPY`` is abandoned, not left hanging."""

    def rows():
        yield assessment_row(project)
        raise ZeroDivisionError("the engine failed between two rows")

    with pytest.raises(ZeroDivisionError):
        write_results(rows(), candidates=2)
    assert Assessment.objects.count() == 0


@pytest.mark.postgres
def test_writing_more_rows_than_there_were_candidates_is_refused_and_stores_none(project):
    rows = [assessment_row(project), assessment_row(project, supersedes=1)]
    with pytest.raises(ValueError, match="than there were candidates"):
        write_results(rows, candidates=1)
    assert Assessment.objects.count() == 0


@pytest.mark.postgres
def test_postgresql_stores_by_copy_exactly_what_bulk_create_stores(tenant, people, catalog, monkeypatch):
    projects = ProjectFactory.create_batch(3, tenant=tenant)
    profile(projects[0], monthly_requests=2_000_000, peak_ratio=D("3"), monthly_budget=D("900"))
    CostProfile.objects.create(
        tenant=tenant, project=projects[1], api_model="openai:gpt-4o", hardware_profile="8 × H100 SXM server"
    )
    Project.objects.filter(pk=projects[1].pk).update(hosting_approach="hybrid")
    projects[1].refresh_from_db()
    routing_rules_replace(project=projects[1], actor=people["engineer"], rules=ROUTING)
    evidence_record(project=projects[2], actor=people["engineer"], item="data_classified", note="Agreed on 3 Nov")
    project_ids = [project.pk for project in projects]

    def forget():
        ProjectStanding.objects.all().delete()
        CostEstimate.objects.all().delete()
        Assessment.objects.all().delete()

    forget()  # recording evidence stored an assessment of its own: start both ways from nothing

    def stored():
        rows = {
            model: [
                {name: value for name, value in row.items() if name not in {"id", "created_at"}}
                for row in model.objects.filter(project_id__in=project_ids).order_by("project_id").values()
            ]
            for model in (CostEstimate, Assessment)
        }
        for standing in ProjectStanding.objects.filter(project_id__in=project_ids):
            estimate, assessment = (
                CostEstimate.objects.get(project=standing.project_id),
                Assessment.objects.get(project=standing.project_id),
            )
            assert (standing.estimate_id, standing.estimated_at) == (estimate.pk, estimate.created_at)
            assert (standing.assessment_id, standing.assessed_at) == (assessment.pk, assessment.created_at)
        skipped = {"estimate_id", "estimated_at", "assessment_id", "assessed_at"}
        rows[ProjectStanding] = [
            {name: value for name, value in row.items() if name not in skipped}
            for row in ProjectStanding.objects.filter(project_id__in=project_ids).order_by("project_id").values()
        ]
        return rows

    assert evaluate_many(project_ids)["assessment"]["stored"] == 3
    by_copy = stored()
    assert len(by_copy[CostEstimate]) == len(by_copy[ProjectStanding]) == 3
    forget()
    monkeypatch.setattr(results, "_copy_available", lambda: False)
    assert evaluate_many(project_ids)["assessment"]["stored"] == 3
    assert stored() == by_copy


@pytest.mark.postgres
def test_postgresql_compresses_the_documents_with_lz4_and_reads_them_back_whole(project, catalog):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        if not cursor.fetchone()[0]:
            pytest.skip("this PostgreSQL is built without LZ4: the documents keep pglz")
    profile(project, monthly_requests=3_000_000, peak_ratio=D("2"))
    evaluate_many([project.pk])
    estimate, assessment = CostEstimate.objects.get(project=project), Assessment.objects.get(project=project)
    with connection.cursor() as cursor:
        for model, columns in ((CostEstimate, ("inputs", "result", "plan")), (Assessment, ("inputs", "result"))):
            cursor.execute(
                "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = %s::regclass AND attname = ANY(%s)",
                [model._meta.db_table, list(columns)],
            )
            assert dict(cursor.fetchall()) == dict.fromkeys(columns, "l")
        # PostgreSQL compresses a row over about 2 KB: the assessment's result (its checklist) is one.
        cursor.execute(
            f"SELECT pg_column_compression(result) FROM {Assessment._meta.db_table} WHERE id = %s", [assessment.pk]
        )
        assert cursor.fetchone()[0] == "lz4"
    assert Assessment.objects.get(pk=assessment.pk).result == assessment.result
    assert CostEstimate.objects.get(pk=estimate.pk).result == estimate.result


def test_assessment_is_stored_for_the_next_stage_and_not_duplicated(project, people):
    result = assessments_run([project.pk])
    assert result["stored"] == 1
    assessment = Assessment.objects.get()
    assert assessment.target_stage == Stage.PROOF_OF_CONCEPT
    assert assessment.status == "blocked"
    assert assessment.inputs["stage"] == "discovery"
    assert any("Data classified" in item for item in assessment.result["blocking"])
    assert assessments_run([project.pk])["stored"] == 0
    evidence_accept(
        evidence=evidence_record(
            project=project, actor=people["engineer"], item="data_classified", note="Agreed on 3 Nov"
        ),
        actor=people["approver"],
    )  # the client agrees: the evidence services store the new result themselves
    assert Assessment.objects.latest("pk").status == "ready"
    assert Assessment.objects.count() == 3  # blocked, recorded (still blocked: not accepted), ready
    assert assessments_run([project.pk])["stored"] == 0


def test_the_standing_follows_the_latest_assessment_and_estimate(project, people, catalog):
    estimates_recalculate([project.pk])
    standing = ProjectStanding.objects.get(project=project)
    estimate = CostEstimate.objects.get(project=project)
    assert (standing.estimate_id, standing.chosen_monthly, standing.readiness_status) == (
        estimate.pk,
        estimate.chosen_monthly,
        "",
    )
    assessments_run([project.pk])
    evidence_record(project=project, actor=people["engineer"], item="data_classified", note="Agreed on 3 Nov")
    assessments_run([project.pk])
    standing.refresh_from_db()
    latest = Assessment.objects.latest("pk")
    assert (standing.assessment_id, standing.readiness_status, standing.estimate_id) == (
        latest.pk,
        latest.status,
        estimate.pk,
    )
    assert Assessment.objects.filter(project=project).count() == 2


def test_evaluating_many_at_once_assesses_with_the_estimate_just_stored(project, catalog):
    from assessments.services.evaluation import evaluate_many

    profile(project, monthly_requests=2_000_000)
    result = evaluate_many([project.pk])
    assert (result["estimate"]["stored"], result["assessment"]["stored"]) == (1, 1)
    estimate, assessment = CostEstimate.objects.get(), Assessment.objects.get()
    assert D(str(assessment.inputs["chosen_monthly_cost"])) == estimate.chosen_monthly > 0
    # Readiness reads each self-hosted option's own break-even; the estimate's column is the lowest.
    break_evens = {name: found["requests"] for name, found in estimate.result["break_evens"].items()}
    judged = assessment.inputs["cost"]["break_even"]
    assert (judged["self_hosted_cloud"], judged["on_premises"]) == (
        break_evens["self_hosted_cloud"],
        break_evens["on_premises"],
    )
    assert estimate.break_even_requests == min(v for v in break_evens.values() if v is not None)
    assert evaluate_many([project.pk]) == {
        "estimate": {"projects": 1, "stored": 0, "unchanged": 1, "failed": {}},
        "assessment": {"projects": 1, "stored": 0, "unchanged": 1},
    }


def test_evidence_rules(project, people):
    with pytest.raises(ValidationError) as error:
        evidence_record(project=project, actor=people["lead"], item="vibes", note="x")
    assert "item" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        evidence_record(project=project, actor=people["lead"], item="monitoring", note=" ")
    assert "note" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        evidence_record(project=project, actor=people["viewer"], item="monitoring", note="Grafana")
    evidence = evidence_record(project=project, actor=people["lead"], item="monitoring", note="Grafana board")
    evidence_withdraw(evidence=evidence, actor=people["lead"])
    assert list(AuditEvent.objects.values_list("action", flat=True).order_by("pk")) == [
        "gate.evidence_recorded",
        "gate.evidence_withdrawn",
    ]


def test_the_readiness_gate_refuses_a_request_until_the_project_is_ready(project, people, tenant, catalog):
    policy_save(tenant=tenant, actor=people["admin"], readiness_gate_required=True)
    with pytest.raises(ValidationError, match="Data classified"):
        approval_request_create(project=project, actor=people["lead"])
    evidence_accept(
        evidence=evidence_record(project=project, actor=people["lead"], item="data_classified", note="Classified"),
        actor=people["approver"],
    )  # the client agrees
    assessments_run([project.pk])
    estimates_recalculate([project.pk])
    request = approval_request_create(project=project, actor=people["lead"])
    assert request.snapshot["assessment"]["status"] == "ready"
    assert request.snapshot["assessment"]["target_stage"] == "proof_of_concept"
    assert request.snapshot["assessment"]["id"] == Assessment.objects.latest("pk").pk
    assert request.snapshot["estimate"]["id"] == CostEstimate.objects.get().pk


# In these tests nothing commits, so the debounced re-evaluation after an edit never runs: the
# stored assessment is as stale as it is for the seconds after an edit in production.


def test_evidence_reruns_the_stored_assessment_and_the_gate_follows_it(project, people, tenant, catalog):
    policy_save(tenant=tenant, actor=people["admin"], readiness_gate_required=True)
    assessments_run([project.pk])
    assert Assessment.objects.get().status == "blocked"
    evidence_accept(
        evidence=evidence_record(project=project, actor=people["lead"], item="data_classified", note="Classified"),
        actor=people["approver"],
    )  # the client agrees
    stored = Assessment.objects.latest("pk")
    assert stored.status == "ready"  # stored at once, not only after the debounced re-run
    request = approval_request_create(project=project, actor=people["lead"])
    assert request.snapshot["assessment"] == request.snapshot["assessment"] | {"status": "ready", "id": stored.pk}
    approval_request_cancel(request=request, actor=people["lead"])

    evidence_withdraw(evidence=project.gate_evidence.get(), actor=people["lead"])
    assert Assessment.objects.latest("pk").status == "blocked"
    with pytest.raises(ValidationError, match="not passed: Data classified"):
        approval_request_create(project=project, actor=people["lead"])


def test_the_readiness_gate_evaluates_now_whatever_is_stored(project, people, tenant, catalog):
    policy_save(tenant=tenant, actor=people["admin"], readiness_gate_required=True)
    evidence_accept(
        evidence=evidence_record(project=project, actor=people["lead"], item="data_classified", note="Classified"),
        actor=people["approver"],
    )
    Assessment.objects.all().delete()  # nothing stored: the gate still knows the project is ready
    request = approval_request_create(project=project, actor=people["lead"])
    assert request.snapshot["assessment"]["status"] == "ready"
    assert request.snapshot["assessment"]["id"] is None


def test_a_paused_project_can_resume_under_a_gated_policy(project, people, tenant, catalog):
    from projects.services.stages import project_pause

    evidence_accept(
        evidence=evidence_record(project=project, actor=people["lead"], item="data_classified", note="Classified"),
        actor=people["approver"],
    )  # the client agrees
    project_pause(project=project, actor=people["lead"], reason="Budget review")
    project.refresh_from_db()
    assessments_run([project.pk])
    assert Assessment.objects.latest("pk").target_stage == ""  # a paused project has no next stage of its own
    policy_save(
        tenant=tenant, actor=people["admin"], readiness_gate_required=True, eligible_roles=["customer_approver"]
    )
    request = approval_request_create(project=project, actor=people["lead"])
    assert request.target_stage == Stage.DISCOVERY
    assert request.snapshot["assessment"]["status"] == "ready"
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    project.refresh_from_db()
    assert project.stage == Stage.DISCOVERY


def test_without_the_gate_a_request_still_keeps_what_it_was_made_with(project, people):
    assessments_run([project.pk])
    request = approval_request_create(project=project, actor=people["lead"])
    assert request.snapshot["assessment"]["status"] == "blocked"
    assert request.snapshot["estimate"] is None
    assert Project.objects.get(pk=project.pk).stage == Stage.DISCOVERY


def test_cost_plan_update_is_technical_audited_and_validated(project, people, catalog):
    from assessments.services.cost_plans import cost_plan_update as cost_profile_update

    plan = cost_profile_update(project=project, actor=people["engineer"], api_model="openai:gpt-4o", staff_fte=D("1"))
    assert (plan.api_model, plan.staff_fte) == ("openai:gpt-4o", D("1"))
    assert AuditEvent.objects.get().action == "project.cost_profile_updated"
    with pytest.raises(ValidationError) as error:
        cost_profile_update(project=project, actor=people["lead"], utilisation_percent=D("150"))
    assert "utilisation_percent" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        cost_profile_update(project=project, actor=people["viewer"], staff_fte=D("2"))
    assert AuditEvent.objects.count() == 1


@dataclasses.dataclass
class Declared:
    """Fields of every declared type ``plain_fields`` tells apart."""

    categories: frozenset[str] = frozenset()
    either: set[str] | None = None
    at: datetime.datetime | None = None
    on: datetime.date = datetime.date(2026, 1, 15)
    money: D = D("1.50")
    text: str = "plain"
    count: int = 3
    nothing: None = None
    #: Declared loosely, holding what orjson does not write as the document does.
    anything: object = None
    undeclared_set: tuple = ()


@pytest.mark.parametrize(
    "value",
    [
        Declared(categories=frozenset({"health", "financial"}), either={"b", "a"}),
        Declared(at=datetime.datetime(2026, 12, 2, 9, 49, 22, 953021, tzinfo=datetime.UTC)),
        Declared(at=datetime.datetime(2026, 1, 15, tzinfo=datetime.timezone(datetime.timedelta(hours=13)))),
        Declared(anything=frozenset({"z", "y"})),
        Declared(anything=datetime.date(2026, 3, 1)),
        # A set where the type said otherwise: written by the slower path, to the same text.
        Declared(undeclared_set=frozenset({"q", "p"})),  # type: ignore[arg-type]
    ],
)
def test_plain_values_give_the_very_document_text(value):
    """Sets and dates made plain before writing (the fast path) give the text the full callback
    gives: a digest never changes with the path a document took."""
    assert results.document(results.plain_fields(value)) == results.document(value.__dict__)


@dataclasses.dataclass
class NamedForTypeCheckers:
    on: "UnknownHere"  # noqa: F821 (a type imported only when type checking)


def test_fields_whose_types_cannot_be_read_are_all_made_plain():
    assert results.plain_fields(NamedForTypeCheckers(on=datetime.date(2026, 3, 1))) == {"on": "2026-03-01"}


def test_only_the_fields_declared_to_hold_sets_dates_or_anything_are_made_plain():
    plain = results.plain_fields(Declared(either={"b", "a"}, anything={"d", "c"}))
    assert (plain["categories"], plain["either"], plain["anything"], plain["on"]) == (
        [],
        ["a", "b"],
        ["c", "d"],
        "2026-01-15",
    )
    assert plain["money"] is Declared.money
    assert plain["text"] == "plain"
