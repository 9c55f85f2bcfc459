"""The clients' summary rows (``projects.ClientSummary``) equal the figures computed from scratch
(``figures_by_client`` over every project) after every kind of write: services, ``save()``,
``QuerySet.update()``, ``bulk_create()``, deletes, raw SQL, the recalculation's upserts, a rolled
back transaction, and a project and its standing changed at once by two transactions. And the
dashboard reads them with the same number of queries whatever the number of clients and projects."""

import itertools
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.catalog import prices_import
from assessments.models import ProjectStanding
from assessments.services.evaluation import evaluate_many
from assessments.services.results import Standings, standings_write
from projects.models import DeploymentModel, HostingApproach, Project, RequirementsProfile, Stage
from projects.models.summary import READINESS_CHOICES
from projects.services.stages import project_pause
from projects.summaries import figures_by_client, stored_figures
from tenancy.access import Action, reach, restrict
from tenancy.models import Role
from tests.factories import MembershipFactory, ProjectFactory, TenantFactory, member

pytestmark = pytest.mark.django_db
STATUSES = [status for status, _ in READINESS_CHOICES if status != "not_assessed"]


def assert_summaries_match():
    """Every client's stored row equals its figures computed from its projects (a client without
    projects has no row, or a row of zeros)."""
    computed = {tenant_id: client.figures for tenant_id, client in figures_by_client(Project.objects.all()).items()}
    stored = {
        tenant_id: client.figures
        for tenant_id, client in stored_figures().items()
        if any(client.figures.values()) or tenant_id in computed
    }
    assert stored == computed


def standing(project, status="", monthly=None):
    standings = Standings()
    standings[project.pk] = {"tenant_id": project.tenant_id, "readiness_status": status, "chosen_monthly": monthly}
    standings_write(standings)


def test_every_stage_model_hosting_and_readiness_counts_in_its_client():
    """Bulk-created projects and standings, one per combination, over two clients."""
    tenants = [TenantFactory(slug="one"), TenantFactory(slug="two")]
    combinations = list(
        itertools.product(Stage.values, DeploymentModel.values, HostingApproach.values, [*STATUSES, ""])
    )
    projects = Project.objects.bulk_create(
        Project(
            tenant=tenants[i % 2],
            code=f"P-{i}",
            name=f"Project {i}",
            stage=stage,
            deployment_model=model,
            hosting_approach=hosting,
        )
        for i, (stage, model, hosting, _) in enumerate(combinations)
    )
    assert_summaries_match()
    ProjectStanding.objects.bulk_create(
        ProjectStanding(
            tenant_id=project.tenant_id,
            project=project,
            readiness_status=status,
            chosen_monthly=None if i % 3 == 0 else Decimal(i) + Decimal("0.25"),
        )
        for i, (project, (_, _, _, status)) in enumerate(zip(projects, combinations, strict=True))
    )
    assert_summaries_match()
    totals = stored_figures()
    assert sum(client.figures["projects"] for client in totals.values()) == len(combinations)
    for status in [*STATUSES, "not_assessed"]:
        assert sum(client.figures[f"readiness_{status}"] for client in totals.values()) == len(combinations) // 4


def test_each_kind_of_write_keeps_the_rows_equal_to_a_computation_from_scratch(tenant, people):
    other = TenantFactory(slug="globex-2")
    project = ProjectFactory(tenant=tenant, delivery_lead=people["lead"])
    elsewhere = ProjectFactory(tenant=other)
    assert_summaries_match()

    standing(project, "ready", Decimal("120.50"))  # the recalculation's upsert, inserting
    assert_summaries_match()
    standing(project, "blocked", Decimal("99.99"))  # and updating
    assert_summaries_match()
    standing(elsewhere, "at_risk", None)
    assert_summaries_match()

    project_pause(project=project, actor=people["lead"], reason="Budget review")  # a service
    assert_summaries_match()
    project.refresh_from_db()
    project.hosting_approach = HostingApproach.HYBRID
    project.save()  # save()
    assert_summaries_match()
    Project.objects.filter(pk=elsewhere.pk).update(deployment_model=DeploymentModel.CUSTOMER_CLOUD)  # update()
    assert_summaries_match()
    Project.objects.filter(pk=project.pk).update(name="Renamed")  # no figure moves
    assert_summaries_match()
    ProjectStanding.objects.filter(project=project).update(chosen_monthly=None, readiness_status="")
    assert_summaries_match()
    with connection.cursor() as cursor:  # raw SQL
        cursor.execute(
            f"UPDATE {Project._meta.db_table} SET stage = %s, hosting_approach = %s WHERE id = %s",
            [Stage.PRODUCTION, HostingApproach.ON_PREMISES, elsewhere.pk],
        )
    assert_summaries_match()
    ProjectStanding.objects.filter(project=elsewhere).delete()
    assert_summaries_match()

    def changed_then_undone():
        with transaction.atomic():
            Project.objects.filter(pk=project.pk).update(stage=Stage.RETIRED)
            standing(project, "ready", Decimal("1"))
            raise RuntimeError("undone")

    with pytest.raises(RuntimeError):  # a rolled back change leaves nothing behind
        changed_then_undone()
    assert_summaries_match()

    standing(project, "ready", Decimal("5"))
    project.delete()  # its standing goes first, then the project
    elsewhere.delete()
    assert_summaries_match()
    assert stored_figures()[tenant.pk].figures["projects"] == 0


def test_the_recalculation_keeps_the_rows(tenant):
    prices_import()
    projects = ProjectFactory.create_batch(6, tenant=tenant)
    ProjectFactory.create_batch(2, tenant=TenantFactory(slug="initech"))
    RequirementsProfile.objects.update(monthly_requests=2_000_000)
    evaluate_many([project.pk for project in Project.objects.all()])
    assert ProjectStanding.objects.exclude(chosen_monthly=None).count() == 8
    assert_summaries_match()
    RequirementsProfile.objects.filter(project__in=projects[:3]).update(monthly_requests=90_000_000)
    evaluate_many([project.pk for project in projects])
    assert_summaries_match()


@pytest.mark.parametrize("order", itertools.permutations(["summaries", "tenants", "projects", "standings"]))
def test_emptying_the_tables_in_any_order_writes_no_row_back(tenant, order):
    """Django's ``flush`` between transactional tests empties every table in an order that changes
    from run to run; on SQLite it deletes, and a deleted project's trigger must not write its
    client's row back (after the rows were emptied, or for a client already gone), which would break
    the foreign key at commit. (PostgreSQL's ``flush`` truncates, which fires no trigger.)"""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's flush truncates the tables: no deletion trigger fires")
    for project in ProjectFactory.create_batch(3, tenant=tenant):
        standing(project, "ready", Decimal("10.00"))
    tables = {
        "summaries": "projects_clientsummary",
        "tenants": "accounts_tenant",
        "projects": "projects_project",
        "standings": "assessments_projectstanding",
    }
    emptied = transaction.savepoint()
    with connection.cursor() as cursor:
        for name in order:
            cursor.execute(f"DELETE FROM {tables[name]}")
        cursor.execute("SELECT COUNT(*) FROM projects_clientsummary")
        assert cursor.fetchone() == (0,)
    connection.check_constraints(table_names=["projects_clientsummary"])
    transaction.savepoint_rollback(emptied)  # the other tables' rows would point at the deleted client


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_project_and_its_standing_changed_at_once_by_two_transactions(tenant):
    """The triggers lock the client before reading the other table: whatever the interleaving, the
    differences add up to what was committed."""
    from tests.projects.test_concurrency import race

    projects = ProjectFactory.create_batch(4, tenant=tenant)
    for project in projects:
        standing(project, "ready", Decimal("10"))
    stages = [Stage.PILOT, Stage.ROLLOUT, Stage.PRODUCTION, Stage.PAUSED, Stage.DISCOVERY, Stage.PILOT]
    for round_, stage in enumerate(stages):
        ids = [project.pk for project in projects]

        def move(ids=ids, stage=stage, hosting=HostingApproach.values[round_ % 4]):
            with transaction.atomic():
                Project.objects.filter(pk__in=ids).update(stage=stage, hosting_approach=hosting)

        def reassess(status=STATUSES[round_ % 3], monthly=Decimal(round_ * 7 + 1)):
            with transaction.atomic():
                standing_all(projects, status, monthly)

        assert race(move, reassess, move if round_ % 2 else reassess) == ["ok", "ok", "ok"], round_
        assert_summaries_match()


def standing_all(projects, status, monthly):
    standings = Standings()
    for project in projects:
        standings[project.pk] = {"tenant_id": project.tenant_id, "readiness_status": status, "chosen_monthly": monthly}
    standings_write(standings)


def test_reach_answers_what_restrict_answers(tenant, people, project):
    from guardian.shortcuts import assign_perm

    granted = ProjectFactory(tenant=TenantFactory(slug="granted-elsewhere"))
    ProjectFactory(tenant=TenantFactory(slug="unseen"))
    assign_perm("view_project", people["outsider"], granted)
    for user in people.values():
        for action in (Action.VIEW, Action.APPROVE, Action.PROMOTE):
            visible = reach(user, Project, action)
            reached = Project.objects.all()
            if not visible.everywhere:
                reached = reached.filter(tenant_id__in=visible.tenant_ids) | reached.filter(pk__in=visible.object_ids)
            expected = set(restrict(Project.objects.all(), user=user, action=action).values_list("pk", flat=True))
            assert set(reached.values_list("pk", flat=True)) == expected, (user.username, action)


def dashboard_queries(client, user) -> int:
    """The dashboard's queries with nothing cached."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries)


def test_the_dashboard_reads_as_many_queries_for_many_clients_and_projects_as_for_few(client):
    from guardian.shortcuts import assign_perm

    first = TenantFactory(slug="first")
    lead = member(first, Role.DELIVERY_LEAD, username="many-lead")
    ProjectFactory(tenant=first)
    granted = ProjectFactory(tenant=TenantFactory(slug="one-project"))
    assign_perm("view_project", lead, granted)
    few = dashboard_queries(client, lead)
    figures = client.get(reverse("home")).context["portfolio"]
    assert figures.projects == 2

    for i in range(5):
        tenant = TenantFactory(slug=f"more-{i}")
        MembershipFactory(tenant=tenant, user=lead, role=Role.DELIVERY_LEAD)
        ProjectFactory.create_batch(i + 2, tenant=tenant)
    for extra in ProjectFactory.create_batch(3, tenant=TenantFactory(slug="three-granted")):
        assign_perm("view_project", lead, extra)
    many = dashboard_queries(client, lead)
    figures = client.get(reverse("home")).context["portfolio"]
    assert figures.projects == 2 + sum(i + 2 for i in range(5)) + 3
    assert many == few
