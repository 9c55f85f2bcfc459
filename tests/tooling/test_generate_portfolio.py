"""The benchmark portfolio: the sizes asked for, the data the product's own rules expect, repeatable."""

import datetime
import io
import itertools
import re
from collections import Counter, defaultdict
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from assessments.models import Assessment, CostEstimate, ProjectStanding
from audit.models import AuditEvent
from deployments.models import CustomerCloudEnvironment, RoutingRule
from projects.models import (
    PIPELINE,
    ApprovalDecision,
    ApprovalRequest,
    HostingApproach,
    Project,
    ProjectUserObjectPermission,
    RequirementsProfile,
    Stage,
    StageTransition,
)
from projects.selectors import approval_inbox
from projects.services.access import PROJECT_ROLES, project_access_grant
from tenancy.access import Action, restrict
from tenancy.models import Membership, Role, Tenant
from tests.factories import ProjectFactory, TenantFactory, UserFactory
from tooling.portfolio import DEFAULT_PASSWORD, PortfolioSpec, portfolio_generate

pytestmark = pytest.mark.django_db

SMALL = PortfolioSpec(
    tenants=8,
    projects=120,
    permission_rows=301,
    audit_events=900,
    approval_requests=60,
    lead_tenants=3,
    evaluated=5,
    seed=3,
)


@pytest.fixture
def generated():
    return portfolio_generate(SMALL)


def user(name):
    return User.objects.get(username=f"bench-{name}")


def test_counts_come_out_as_asked(generated):
    assert Tenant.objects.count() == 8
    assert Project.objects.count() == 120
    assert ProjectUserObjectPermission.objects.count() == 301
    assert AuditEvent.objects.count() == 900
    assert ApprovalRequest.objects.count() == 60
    assert RequirementsProfile.objects.count() == 120
    assert set(Project.objects.values_list("tenant_id", flat=True)) == set(Tenant.objects.values_list("pk", flat=True))
    assert generated.counts["Project"] == 120
    assert generated.counts["StageTransition"] == StageTransition.objects.count()
    # The sample run through the real services adds the standings of those it found unassessed.
    assert ProjectStanding.objects.count() >= generated.counts["ProjectStanding"] > 0


def test_the_lead_sees_exactly_the_projects_of_their_clients(generated):
    lead = user("lead")
    clients = set(Membership.objects.filter(user=lead, role=Role.DELIVERY_LEAD).values_list("tenant_id", flat=True))
    assert len(clients) == SMALL.lead_tenants
    theirs = set(Project.objects.filter(tenant_id__in=clients).values_list("pk", flat=True))
    assert set(restrict(Project.objects.all(), user=lead).values_list("pk", flat=True)) == theirs
    assert set(restrict(Project.objects.all(), user=lead, action=Action.PROMOTE).values_list("pk", flat=True)) == theirs
    assert set(restrict(Tenant.objects.all(), user=lead).values_list("pk", flat=True)) == clients


def test_client_people_see_their_client_and_the_admin_everything(generated):
    viewer, admin = user("viewer"), user("admin")
    (client,) = Membership.objects.filter(user=viewer).values_list("tenant_id", flat=True)
    sizes = Counter(Project.objects.values_list("tenant_id", flat=True))
    assert sizes[client] == max(sizes.values()), "the named client people belong to the biggest client"
    assert set(restrict(Project.objects.all(), user=viewer).values_list("tenant_id", flat=True)) == {client}
    assert not restrict(Project.objects.all(), user=viewer, action=Action.CHANGE).exists()
    assert restrict(Project.objects.all(), user=admin).count() == 120


def test_engineers_reach_exactly_the_projects_granted_to_them(generated):
    engineer = user("eng-0001")
    granted = set(
        ProjectUserObjectPermission.objects.filter(user=engineer, permission__codename="view_project").values_list(
            "content_object_id", flat=True
        )
    )
    assert granted
    assert not Membership.objects.filter(user=engineer).exists()
    assert set(restrict(Project.objects.all(), user=engineer).values_list("pk", flat=True)) == granted


def test_grants_are_the_rows_project_access_grant_writes(generated):
    # What the real service stores for each role, on a project of another client.
    project, person = ProjectFactory(tenant=TenantFactory(slug="elsewhere")), UserFactory(username="probe")
    per_role = set()
    for role in PROJECT_ROLES:  # customer admin is a role of the whole client, not of one project
        project_access_grant(project=project, user=person, role=role)
        per_role.add(
            frozenset(
                ProjectUserObjectPermission.objects.filter(user=person, content_object=project).values_list(
                    "permission__codename", flat=True
                )
            )
        )
    granted = defaultdict(set)
    for user_id, project_id, codename in ProjectUserObjectPermission.objects.exclude(user=person).values_list(
        "user_id", "content_object_id", "permission__codename"
    ):
        granted[(user_id, project_id)].add(codename)
    assert granted
    assert {frozenset(codenames) for codenames in granted.values()} <= per_role


def test_history_and_approvals_follow_the_workflow(generated):
    now = timezone.now()
    for project in Project.objects.prefetch_related("stage_history"):
        moves = sorted(project.stage_history.all(), key=lambda move: (move.created_at, move.pk))
        if project.stage == Stage.DISCOVERY:
            assert not moves
            continue
        assert moves[0].from_stage == Stage.DISCOVERY
        assert moves[-1].to_stage == project.stage
        assert all(a.to_stage == b.from_stage for a, b in itertools.pairwise(moves))
        assert all(project.created_at < move.created_at <= now for move in moves)
        if project.stage == Stage.PAUSED:
            assert project.stage_before_pause == moves[-1].from_stage
    pending = ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING).select_related("project")
    assert pending.exists()
    for request in pending:
        assert request.from_stage == request.project.stage
        assert request.target_stage == PIPELINE[PIPELINE.index(request.from_stage) + 1]
        assert request.expires_at > now
    for request in ApprovalRequest.objects.filter(status=ApprovalRequest.Status.APPROVED):
        assert request.transition.to_stage == request.target_stage
        assert request.decisions.filter(verdict=ApprovalDecision.Verdict.APPROVE).exists()
    for request in ApprovalRequest.objects.filter(status=ApprovalRequest.Status.REJECTED):
        (decision,) = request.decisions.all()
        assert decision.verdict == ApprovalDecision.Verdict.REJECT
        assert decision.comment


def test_generated_rows_pass_the_models_own_validation(generated):
    for profile in RequirementsProfile.objects.select_related("project"):
        profile.full_clean()
    for environment in CustomerCloudEnvironment.objects.select_related("project"):
        environment.full_clean()
    for rule in RoutingRule.objects.select_related("project"):
        rule.full_clean()
    for project in Project.objects.all():
        project.full_clean()
    hybrid = Project.objects.filter(hosting_approach=HostingApproach.HYBRID).prefetch_related("routing_rules")
    assert hybrid.exists()
    for project in hybrid:
        assert sum(rule.share_percent for rule in project.routing_rules.all()) == Decimal("100")


def test_the_sample_went_through_the_real_services(generated):
    assert generated.evaluated >= SMALL.evaluated
    standing = ProjectStanding.objects.get(project_id=generated.sample_project_id)
    assert standing.assessment == Assessment.objects.get(project_id=generated.sample_project_id)
    assert standing.estimate == CostEstimate.objects.get(project_id=generated.sample_project_id)
    assert Project.objects.get(pk=generated.sample_project_id).delivery_lead == user("lead")


def test_people_sign_in_with_the_password_and_the_pages_work(client, generated):
    signed_in = client.post("/accounts/login/", {"username": "bench-lead", "password": DEFAULT_PASSWORD})
    assert signed_in.status_code == 302
    for url in ("/", "/inbox/", "/projects/", f"/projects/{generated.sample_project_id}/"):
        assert client.get(url).status_code == 200, url
    approver = user("approver")
    (client_id,) = Membership.objects.filter(user=approver).values_list("tenant_id", flat=True)
    waiting = set(ApprovalRequest.objects.filter(tenant_id=client_id, status="pending").values_list("pk", flat=True))
    assert waiting
    assert {request.pk for request in approval_inbox(user=approver)} == waiting


def fingerprint(prefix):
    def plain(name):
        return name.removeprefix(f"{prefix}-")

    return {
        "clients": sorted(
            (plain(t.slug), t.name, t.industry, t.residency_region)
            for t in Tenant.objects.filter(slug__startswith=f"{prefix}-")
        ),
        "projects": sorted(
            (plain(slug), code, name, stage, model, hosting, created)
            for slug, code, name, stage, model, hosting, created in Project.objects.filter(
                tenant__slug__startswith=f"{prefix}-"
            ).values_list("tenant__slug", "code", "name", "stage", "deployment_model", "hosting_approach", "created_at")
        ),
        "grants": sorted(
            (plain(username), plain(slug), code, codename)
            for username, slug, code, codename in ProjectUserObjectPermission.objects.filter(
                user__username__startswith=f"{prefix}-"
            ).values_list(
                "user__username", "content_object__tenant__slug", "content_object__code", "permission__codename"
            )
        ),
        "requests": sorted(
            ApprovalRequest.objects.filter(tenant__slug__startswith=f"{prefix}-").values_list(
                "project__code", "status", "target_stage", "created_at"
            )
        ),
    }


def test_the_same_seed_gives_the_same_portfolio():
    now = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=1)
    for prefix, seed in (("first", 7), ("again", 7), ("other", 8)):
        spec = PortfolioSpec(
            tenants=4, projects=30, permission_rows=40, audit_events=200, approval_requests=12, lead_tenants=2
        )
        portfolio_generate(replace(spec, seed=seed, prefix=prefix, evaluated=0), now=now)
    assert fingerprint("first") == fingerprint("again")
    assert fingerprint("first") != fingerprint("other")


def test_the_command_prints_what_it_made_and_refuses_a_used_prefix():
    out = io.StringIO()
    args = [
        "--tenants",
        "3",
        "--projects",
        "12",
        "--permission-rows",
        "10",
        "--audit-events",
        "50",
        "--lead-tenants",
        "1",
    ]
    call_command("generate_portfolio", *args, "--approval-requests", "4", stdout=out)
    text = out.getvalue()
    assert re.search(r"Project\s+12$", text, re.MULTILINE)
    assert "bench-lead" in text
    assert DEFAULT_PASSWORD in text
    assert Project.objects.count() == 12
    with pytest.raises(CommandError, match="exists already"):
        call_command("generate_portfolio", *args, stdout=io.StringIO())
    with pytest.raises(CommandError, match="at least --tenants"):
        call_command(
            "generate_portfolio", "--tenants", "5", "--projects", "4", "--prefix", "other", stdout=io.StringIO()
        )
    assert Project.objects.count() == 12


def test_a_scaled_portfolio_keeps_the_default_shape_and_generates():
    default = PortfolioSpec()
    large = default.scaled(projects=4 * default.projects)
    assert (large.tenants, large.lead_tenants) == (default.tenants, default.lead_tenants)
    assert (large.permission_rows, large.audit_events, large.approval_requests) == (
        4 * default.permission_rows,
        4 * default.audit_events,
        4 * default.approval_requests,
    )
    tiny = replace(PortfolioSpec(seed=5, evaluated=0).scaled(projects=150, tenants=10), prefix="tiny")
    assert (tiny.permission_rows, tiny.audit_events, tiny.approval_requests, tiny.lead_tenants) == (600, 1500, 60, 2)
    generated = portfolio_generate(tiny)
    assert generated.counts["Project"] == 150
    assert generated.counts["ProjectUserObjectPermission"] == 600
    assert generated.counts["AuditEvent"] == 1500
    assert generated.counts["ApprovalRequest"] == 60
    assert Membership.objects.filter(user__username="tiny-lead").count() == 2
