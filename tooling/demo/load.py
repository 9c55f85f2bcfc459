"""Create or refresh the demo data (``tooling.demo.clients``) through the services.

Through the services, not in bulk, so the demo has the stage history, approvals and audit trail a
real portfolio would have. Idempotent: a second run changes nothing.
"""

import datetime

from django.conf import settings
from django.db import transaction

from accounts.models import User
from assessments.catalog import prices_import
from assessments.models import ApiModelPrice
from deployments.services import deployment_model_switch, environment_sign_off, routing_rules_replace
from projects.models import PIPELINE, ApprovalRequest, DeploymentModel, FreezeWindow, Project, Stage
from projects.services.approvals import approval_decide, approval_request_create
from projects.services.policies import freeze_window_save, policy_save
from projects.services.projects import project_create
from tenancy.models import Role, Tenant
from tenancy.services import membership_grant, tenant_create
from tooling.demo.clients import LEAD_TENANTS, TENANTS, DemoProject, DemoTenant


@transaction.atomic
def load_demo() -> list[tuple[str, str]]:
    """Create or refresh the demo data; returns the demo accounts as (username, description)."""
    password = settings.DEMO_PASSWORD
    if not ApiModelPrice.objects.exists():
        prices_import()
    admin = _user(
        "admin", password, first_name="Ada", last_name="Admin", is_platform_admin=True, is_staff=True, is_superuser=True
    )
    lead = _user("lead", password, first_name="Lee", last_name="Lead")
    accounts = [("admin", "platform admin, every tenant"), ("lead", f"delivery lead for {', '.join(LEAD_TENANTS)}")]
    for spec in TENANTS:
        tenant = Tenant.objects.filter(slug=spec.slug).first() or tenant_create(
            name=spec.name,
            slug=spec.slug,
            industry=spec.industry,
            regulations=spec.regulations,
            residency_region=spec.residency_region,
            time_zone=spec.time_zone,
        )
        people = {}
        for suffix, role, label in (
            ("admin", Role.CUSTOMER_ADMIN, "customer admin"),
            ("approver", Role.CUSTOMER_APPROVER, "customer approver"),
            ("viewer", Role.CUSTOMER_VIEWER, "customer viewer"),
        ):
            username = f"{tenant.slug}-{suffix}"
            people[suffix] = _user(username, password, first_name=tenant.name.split()[0], last_name=suffix.title())
            membership_grant(tenant=tenant, user=people[suffix], role=role)
            accounts.append((username, f"{label}, {tenant.name}"))
        requester = admin
        if spec.slug in LEAD_TENANTS:
            membership_grant(tenant=tenant, user=lead, role=Role.DELIVERY_LEAD)
            requester = lead
        _policies(tenant, spec, people["admin"])
        for project_spec in spec.projects:
            _project(
                tenant,
                project_spec,
                requester=requester,
                approver=people["approver"],
                admin=admin,
                client_admin=people["admin"],
            )
        _freeze_windows(tenant, people["admin"])
    return accounts


def _policies(tenant, spec: DemoTenant, client_admin):
    policy_save(
        tenant=tenant, actor=client_admin, eligible_roles=["customer_approver", "customer_admin"], expiry_hours=120
    )
    policy_save(
        tenant=tenant,
        actor=client_admin,
        target_stage=Stage.PRODUCTION,
        required_approvals=spec.production_approvals,
        eligible_roles=["customer_approver", "customer_admin", "platform_admin"],
        require_client_and_delivery=spec.client_and_delivery,
        readiness_gate_required=False,
        expiry_hours=72,
    )


def _project(tenant, spec: DemoProject, *, requester, approver, admin, client_admin):
    project = Project.objects.filter(tenant=tenant, code=spec.code).first()
    if project is not None:
        return project
    project = project_create(
        tenant=tenant,
        name=spec.name,
        code=spec.code,
        description=spec.description,
        workload_type=spec.workload,
        hosting_approach=spec.hosting,
        delivery_lead=requester if not requester.is_platform_admin else None,
        profile=spec.profile,
    )
    if spec.deployment == DeploymentModel.CUSTOMER_CLOUD:
        deployment_model_switch(
            project=project, actor=admin, deployment_model=spec.deployment, environment=spec.environment
        )
        if spec.signed_off:
            environment_sign_off(project=project, actor=client_admin, kind="access_pattern")
            if spec.environment.get("residency_regions"):
                environment_sign_off(project=project, actor=client_admin, kind="data_residency")
    if spec.routing:
        routing_rules_replace(project=project, actor=admin, rules=spec.routing)
    for _ in range(PIPELINE.index(spec.stage)):
        request = approval_request_create(project=project, actor=requester, note="Demo history")
        approval_decide(request=request, actor=approver, verdict="approve", comment="Agreed in the steering call")
        if request.policy["require_client_and_delivery"] or request.policy["required_approvals"] > 1:
            approval_decide(request=request, actor=admin, verdict="approve", comment="Delivery sign-off")
    if spec.pending and not ApprovalRequest.objects.filter(project=project, status="pending").exists():
        approval_request_create(project=project, actor=requester, note="Ready for the next stage: please review.")
    return project


def _freeze_windows(tenant, client_admin):
    # Added after the demo promotions so that seeding never runs into its own freeze.
    if FreezeWindow.objects.filter(tenant=tenant).exists():
        return
    freeze_window_save(
        tenant=tenant,
        actor=client_admin,
        name="Weekend release freeze",
        kind=FreezeWindow.Kind.WEEKLY,
        start_weekday=FreezeWindow.Weekday.FRIDAY,
        start_time=datetime.time(18, 0),
        end_weekday=FreezeWindow.Weekday.MONDAY,
        end_time=datetime.time(6, 0),
    )


def _user(username, password, **fields) -> User:
    user, _ = User.objects.update_or_create(username=username, defaults=fields)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
