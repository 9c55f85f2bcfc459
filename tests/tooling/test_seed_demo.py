import io

import pytest
from django.core.management import call_command

from accounts.models import User
from projects.models import Project
from tenancy.access import Action, restrict
from tenancy.models import Industry, Membership, Role, Tenant

pytestmark = pytest.mark.django_db


def seed():
    call_command("seed_demo", stdout=io.StringIO())


def test_seed_demo_is_idempotent_and_prints_the_accounts(capsys):
    call_command("seed_demo")
    first = (Tenant.objects.count(), Project.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (Tenant.objects.count(), Project.objects.count(), User.objects.count(), Membership.objects.count()) == first
    out = capsys.readouterr().out
    assert "password for all: stagegate-demo" in out
    for username in ("admin", "lead", "lotus-admin", "meridian-approver", "monsoon-viewer"):
        assert username in out


def test_seed_demo_models_the_kinds_of_clients_and_accounts():
    seed()
    industries = set(Tenant.objects.values_list("industry", flat=True))
    assert {Industry.CONSUMER_BRAND, Industry.FINANCIAL_SERVICES} <= industries
    assert industries & {Industry.MEDIA, Industry.AVIATION}
    assert Tenant.objects.count() >= 3
    for tenant in Tenant.objects.all():
        assert Project.objects.filter(tenant=tenant).count() >= 2
        for suffix, role in (
            ("admin", Role.CUSTOMER_ADMIN),
            ("approver", Role.CUSTOMER_APPROVER),
            ("viewer", Role.CUSTOMER_VIEWER),
        ):
            assert Membership.objects.get(user__username=f"{tenant.slug}-{suffix}").role == role
            assert User.objects.get(username=f"{tenant.slug}-{suffix}").check_password("stagegate-demo")

    assert User.objects.get(username="admin").is_platform_admin
    lead = User.objects.get(username="lead")
    assert restrict(Tenant.objects.all(), user=lead).count() == 2
    assert set(Membership.objects.filter(user=lead).values_list("role", flat=True)) == {Role.DELIVERY_LEAD}
    assert (
        restrict(Project.objects.all(), user=lead, action=Action.PROMOTE).count()
        == Project.objects.filter(tenant__slug__in=["lotus", "meridian"]).count()
    )


def test_demo_accounts_can_sign_in(client):
    seed()
    response = client.post("/accounts/login/", {"username": "lead", "password": "stagegate-demo"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert response.context["user"].username == "lead"


def test_each_demo_tenant_has_a_varied_portfolio_a_policy_a_freeze_and_a_pending_request():
    from audit.models import AuditEvent
    from projects.models import ApprovalPolicy, FreezeWindow
    from projects.selectors import approval_inbox

    seed()
    events = AuditEvent.objects.count()
    seed()
    assert AuditEvent.objects.count() == events, "a second run changes nothing"

    assert len(set(Project.objects.values_list("stage", flat=True))) >= 4
    assert set(Project.objects.values_list("deployment_model", flat=True)) == {"managed_application", "customer_cloud"}
    assert set(Project.objects.values_list("hosting_approach", flat=True)) == {
        "cloud_api",
        "self_hosted_cloud",
        "on_premises",
        "hybrid",
    }
    # Customer-controlled means a cloud account or the client's own data centre (issue 15).
    hangar = Project.objects.get(code="MON-HANGAR")
    assert (hangar.environment.kind, hangar.environment.network_isolation) == ("data_centre", "air_gapped")
    assert hangar.environment.access_signed_off
    for tenant in Tenant.objects.all():
        assert ApprovalPolicy.objects.filter(tenant=tenant).exists()
        assert FreezeWindow.objects.filter(tenant=tenant).exists()
        approver = User.objects.get(username=f"{tenant.slug}-approver")
        inbox = approval_inbox(user=approver)
        assert inbox, f"{tenant.slug}-approver has nothing to approve"
        assert all(request.tenant_id == tenant.pk for request in inbox)
    promoted = Project.objects.get(code="LOT-CAMP")
    assert promoted.stage == "production"
    assert promoted.stage_history.count() == 4
