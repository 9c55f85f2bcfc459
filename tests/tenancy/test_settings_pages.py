"""The tenant settings pages: members and roles, approval policies, freeze windows, webhooks with
their delivery log, service accounts and tokens. Customer admins and platform admins run them;
everyone else gets no link and a 403, and another tenant's settings and objects answer 404."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.tokens import token_digest
from audit.models import AuditEvent
from projects.models import ApprovalPolicy, FreezeWindow
from projects.services.policies import freeze_window_save, policy_save
from projects.services.projects import project_access_grant
from tenancy.models import Membership, Role
from tenancy.services import membership_grant, membership_revoke, service_account_create, token_issue
from tests.edit_forms import as_sent
from tests.factories import ProjectFactory, TenantFactory, UserFactory, member
from webhooks import services as webhooks
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
HOOK_URL = "http://127.0.0.1:9/hook"


@pytest.fixture(autouse=True)
def local_webhook_targets(settings):
    # The pages' tests never send anything; they only need the endpoints to be accepted.
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True


def url(name, *args):
    return reverse(name, args=["acme", *args])


def audited(action):
    return AuditEvent.objects.filter(action=action).count()


def body(response):
    return response.content.decode()


@pytest.fixture
def objects(tenant, people):
    """One object of every kind the settings pages handle, in ``tenant``."""
    admin = people["admin"]
    policy = policy_save(tenant=tenant, actor=admin, target_stage="pilot", required_approvals=2)
    window = freeze_window_save(
        tenant=tenant,
        actor=admin,
        name="Year-end",
        kind="one_off",
        starts_on=datetime.datetime(2030, 12, 20, tzinfo=UTC),
        ends_on=datetime.datetime(2031, 1, 5, tzinfo=UTC),
    )
    endpoint = webhooks.endpoint_save(tenant=tenant, actor=admin, url=HOOK_URL, event_types=[])
    webhooks.publish(tenant_id=tenant.pk, event_type="project.created", data={"n": 1})
    account = service_account_create(tenant=tenant, username="jira-bridge", role=Role.CUSTOMER_APPROVER, actor=admin)
    token, _ = token_issue(user=account, actor=admin, name="Jira", scopes=["read"])
    return {
        "policy": policy,
        "window": window,
        "endpoint": endpoint,
        "delivery": WebhookDelivery.objects.get(endpoint=endpoint),
        "account": account,
        "token": token,
        "membership": Membership.objects.get(tenant=tenant, user=people["viewer"]),
    }


def every_page(objects):
    """(method, url) of every settings page and action, for the refusal checks."""
    o = {name: getattr(obj, "pk", None) for name, obj in objects.items()}
    return [
        ("get", url("settings-tenant")),
        ("get", url("settings-members")),
        ("post", url("settings-members")),
        ("get", url("settings-member-change", o["membership"])),
        ("post", url("settings-member-change", o["membership"])),
        ("get", url("settings-member-remove", o["membership"])),
        ("post", url("settings-member-remove", o["membership"])),
        ("get", url("settings-policies")),
        ("get", url("settings-policy-new")),
        ("post", url("settings-policy-new")),
        ("get", url("settings-policy-edit", o["policy"])),
        ("post", url("settings-policy-edit", o["policy"])),
        ("get", url("settings-policy-delete", o["policy"])),
        ("post", url("settings-policy-delete", o["policy"])),
        ("get", url("settings-freezes")),
        ("get", url("settings-freeze-new")),
        ("post", url("settings-freeze-new")),
        ("get", url("settings-freeze-edit", o["window"])),
        ("post", url("settings-freeze-edit", o["window"])),
        ("get", url("settings-freeze-delete", o["window"])),
        ("post", url("settings-freeze-delete", o["window"])),
        ("get", url("settings-webhooks")),
        ("get", url("settings-webhook-new")),
        ("post", url("settings-webhook-new")),
        ("get", url("settings-webhook-edit", o["endpoint"])),
        ("post", url("settings-webhook-edit", o["endpoint"])),
        ("get", url("settings-webhook-delete", o["endpoint"])),
        ("post", url("settings-webhook-delete", o["endpoint"])),
        ("get", url("settings-webhook-rotate", o["endpoint"])),
        ("post", url("settings-webhook-rotate", o["endpoint"])),
        ("get", url("settings-webhook-deliveries", o["endpoint"])),
        ("post", url("settings-delivery-redeliver", o["delivery"])),
        ("get", url("settings-service-accounts")),
        ("post", url("settings-service-accounts")),
        ("get", url("settings-token-new", o["account"])),
        ("post", url("settings-token-new", o["account"])),
        ("get", url("settings-token-revoke", o["token"])),
        ("post", url("settings-token-revoke", o["token"])),
    ]


def nothing_changed(objects):
    """Every object of ``objects`` is still there, unchanged where a refused write could have reached."""
    assert ApprovalPolicy.objects.get(pk=objects["policy"].pk).required_approvals == 2
    assert FreezeWindow.objects.filter(pk=objects["window"].pk).exists()
    assert WebhookEndpoint.objects.filter(pk=objects["endpoint"].pk, previous_secret="").exists()
    assert ApiToken.objects.get(pk=objects["token"].pk).revoked_at is None
    assert Membership.objects.get(pk=objects["membership"].pk).role == Role.CUSTOMER_VIEWER
    assert WebhookDelivery.objects.get(pk=objects["delivery"].pk).status == "pending"
    assert ApprovalPolicy.objects.count() == 1
    assert FreezeWindow.objects.count() == 1
    assert WebhookEndpoint.objects.count() == 1
    assert User.objects.filter(kind=User.Kind.SERVICE_ACCOUNT).count() == 1


# --- Who gets in -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["lead", "engineer", "approver", "viewer"])
def test_members_without_the_right_to_manage_get_403_everywhere_and_no_link(client, people, objects, who):
    client.force_login(people[who])
    assert 'href="/settings/"' not in body(client.get(reverse("inbox")))
    assert client.get(reverse("settings")).status_code == 403
    for method, address in every_page(objects):
        response = getattr(client, method)(address, {"role": "customer_admin", "all_projects": "on"})
        assert response.status_code == 403, (method, address, response.status_code)
    nothing_changed(objects)


def test_another_tenants_admin_gets_404_everywhere(client, objects):
    other_admin = member(TenantFactory(slug="globex"), Role.CUSTOMER_ADMIN, username="globex-admin")
    client.force_login(other_admin)
    for method, address in every_page(objects):
        response = getattr(client, method)(address, {"role": "customer_admin"})
        assert response.status_code == 404, (method, address, response.status_code)
    nothing_changed(objects)


def test_objects_of_another_tenant_are_404_under_ones_own_settings(client, people, objects):
    globex = TenantFactory(slug="globex")
    globex_admin = member(globex, Role.CUSTOMER_ADMIN, username="globex-admin")
    foreign_policy = policy_save(tenant=globex, actor=globex_admin, required_approvals=3)
    foreign_window = freeze_window_save(
        tenant=globex, actor=globex_admin, name="Theirs", kind="weekly", start_weekday=4, start_time="18:00",
        end_weekday=0, end_time="06:00",
    )  # fmt: skip
    foreign_endpoint = webhooks.endpoint_save(tenant=globex, actor=globex_admin, url=HOOK_URL)
    webhooks.publish(tenant_id=globex.pk, event_type="project.created", data={})
    foreign_delivery = WebhookDelivery.objects.get(endpoint=foreign_endpoint)
    foreign_account = service_account_create(tenant=globex, username="their-bot", role=Role.CUSTOMER_VIEWER)
    foreign_token, _ = token_issue(user=foreign_account, actor=globex_admin, name="Theirs")
    own_token, _ = token_issue(user=people["admin"], name="Mine")
    foreign_membership = Membership.objects.get(user=globex_admin)

    client.force_login(people["admin"])
    for method, address in [
        ("post", url("settings-member-change", foreign_membership.pk)),
        ("post", url("settings-member-remove", foreign_membership.pk)),
        ("post", url("settings-policy-edit", foreign_policy.pk)),
        ("post", url("settings-policy-delete", foreign_policy.pk)),
        ("post", url("settings-freeze-edit", foreign_window.pk)),
        ("post", url("settings-freeze-delete", foreign_window.pk)),
        ("post", url("settings-webhook-edit", foreign_endpoint.pk)),
        ("post", url("settings-webhook-delete", foreign_endpoint.pk)),
        ("post", url("settings-webhook-rotate", foreign_endpoint.pk)),
        ("get", url("settings-webhook-deliveries", foreign_endpoint.pk)),
        ("post", url("settings-delivery-redeliver", foreign_delivery.pk)),
        ("post", url("settings-token-new", foreign_account.pk)),
        ("post", url("settings-token-revoke", foreign_token.pk)),
        # A person's own token is not managed here, even by a customer admin of their tenant.
        ("post", url("settings-token-revoke", own_token.pk)),
    ]:
        response = getattr(client, method)(address, {"required_approvals": 1, "expiry_hours": 1, "name": "x"})
        assert response.status_code == 404, (method, address, response.status_code)
    assert ApprovalPolicy.objects.get(pk=foreign_policy.pk).required_approvals == 3
    assert FreezeWindow.objects.filter(pk=foreign_window.pk).exists()
    assert WebhookEndpoint.objects.filter(pk=foreign_endpoint.pk, previous_secret="").exists()
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 0
    assert Membership.objects.filter(pk=foreign_membership.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    TenantFactory(slug="acme")
    response = client.get(url("settings-members"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_customer_admin_of_one_client_lands_on_its_members(client, people):
    client.force_login(people["admin"])
    assert 'href="/settings/"' in body(client.get(reverse("inbox")))
    response = client.get(reverse("settings"))
    assert response.status_code == 302
    assert response["Location"] == url("settings-members")


def test_someone_managing_several_clients_chooses_one(client, people, tenant):
    TenantFactory(slug="globex", name="Globex")
    client.force_login(people["platform"])
    response = client.get(reverse("settings"))
    assert response.status_code == 200
    page = body(response)
    assert 'href="/settings/acme/members/"' in page
    assert 'href="/settings/globex/members/"' in page
    assert client.get(url("settings-members")).status_code == 200


def test_every_settings_page_links_the_five_sections(client, people, objects):
    client.force_login(people["admin"])
    sections = ["members", "policies", "freezes", "webhooks", "service-accounts"]
    for method, address in every_page(objects):
        if method != "get" or address == url("settings-tenant"):
            continue
        page = body(client.get(address))
        for section in sections:
            assert f'href="/settings/acme/{section}/"' in page, (address, section)
        assert page.count('aria-current="page"') == 1, address


# --- Members and roles -------------------------------------------------------------------------


def test_members_page_lists_roles_reach_and_single_project_grants(client, tenant, people):
    narrowed = member(tenant, Role.CUSTOMER_APPROVER, username="narrow")
    Membership.objects.filter(user=narrowed).update(all_projects=False)
    granted = ProjectFactory(tenant=tenant, code="ACME-7", name="Claims triage")
    project_access_grant(project=granted, user=narrowed, role=Role.CUSTOMER_APPROVER)
    stranger = UserFactory(username="freelancer")
    project_access_grant(project=granted, user=stranger, role=Role.ENGINEER)
    ProjectFactory(tenant=TenantFactory(slug="globex"), code="GLX-1")
    client.force_login(people["admin"])

    response = client.get(url("settings-members"))

    assert response.status_code == 200
    page = body(response)
    names = [membership.user.username for membership in response.context["memberships"]]
    assert names == sorted(["lead", "lead2", "engineer", "cadmin", "approver", "approver2", "viewer", "narrow"])
    row = page[page.index(f'id="member-{Membership.objects.get(user=narrowed).pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Customer approver" in row
    assert "Only projects granted one by one" in row
    assert "ACME-7" in row
    assert "see the project and approve or reject its promotions" in row
    assert "People reaching single projects only" in page
    assert "freelancer" in page
    assert "see the project and change its technical details" in page
    assert "outsider" not in page
    assert "GLX-1" not in page


def test_give_a_person_a_role_by_email(client, tenant, people):
    newcomer = UserFactory(username="nadia", email="Nadia.Chan@acme.example")
    client.force_login(people["admin"])

    response = client.post(
        url("settings-members"), {"person": "nadia.chan@ACME.example", "role": "customer_approver"}, follow=True
    )

    membership = Membership.objects.get(tenant=tenant, user=newcomer)
    assert (membership.role, membership.all_projects) == ("customer_approver", False)
    assert "is now a customer approver" in body(response)
    event = AuditEvent.objects.get(action="access.role_granted", object_id=str(membership.pk))
    assert (event.actor, event.source) == (people["admin"], "web")


@pytest.mark.parametrize(
    ("person", "message"),
    [
        ("nobody@acme.example", "Nobody has this username or e-mail address"),
        ("viewer", "viewer is already a customer viewer here"),
        ("jira-bridge", "Nobody has this username or e-mail address"),
        ("outsider", "Nobody has this username or e-mail address"),  # another client's only: unknown here
        ("", "This field is required"),
    ],
)
def test_giving_a_role_shows_why_it_cannot_and_changes_nothing(client, tenant, people, person, message):
    service_account_create(tenant=TenantFactory(slug="globex"), username="jira-bridge", role=Role.CUSTOMER_VIEWER)
    client.force_login(people["admin"])
    before = set(Membership.objects.values_list("pk", "role", "all_projects"))

    response = client.post(url("settings-members"), {"person": person, "role": "customer_admin", "all_projects": "on"})

    assert response.status_code == 200
    page = body(response)
    error = re.search(r'<div class="error" id="id_person_error">(.*?)</div>', page, re.S)
    assert error
    assert message in error.group(1)
    assert 'aria-describedby="id_person_helptext id_person_error"' in page
    assert set(Membership.objects.values_list("pk", "role", "all_projects")) == before


def test_a_role_shared_by_two_accounts_by_email_asks_for_the_username(client, people):
    UserFactory(username="twin-a", email="shared@acme.example")
    UserFactory(username="twin-b", email="shared@acme.example")
    client.force_login(people["admin"])
    response = client.post(url("settings-members"), {"person": "shared@acme.example", "role": "customer_viewer"})
    assert "give the username instead" in body(response)
    assert not Membership.objects.filter(user__username__startswith="twin").exists()


def test_change_a_role_and_narrow_it(client, people, tenant):
    membership = Membership.objects.get(tenant=tenant, user=people["viewer"])
    client.force_login(people["admin"])
    form = client.get(url("settings-member-change", membership.pk))
    assert "selected>Customer viewer" in body(form) or 'value="customer_viewer" selected' in body(form)

    response = client.post(
        url("settings-member-change", membership.pk),
        as_sent(client, url("settings-member-change", membership.pk), {"role": "customer_approver"}),
        follow=True,
    )

    membership.refresh_from_db()
    assert (membership.role, membership.all_projects) == ("customer_approver", False)
    assert response.redirect_chain[-1][0] == url("settings-members")
    assert "is now a customer approver" in body(response)
    assert audited("access.role_granted") == 1


def test_an_unknown_role_is_refused_inline(client, people, tenant):
    membership = Membership.objects.get(tenant=tenant, user=people["viewer"])
    client.force_login(people["admin"])
    response = client.post(
        url("settings-member-change", membership.pk),
        as_sent(client, url("settings-member-change", membership.pk), {"role": "overlord"}),
    )
    assert 'id="id_role_error"' in body(response)
    membership.refresh_from_db()
    assert membership.role == "customer_viewer"


def test_remove_a_member_after_confirming(client, people, tenant):
    membership = Membership.objects.get(tenant=tenant, user=people["viewer"])
    client.force_login(people["admin"])
    confirm = client.get(url("settings-member-remove", membership.pk))
    assert "Remove" in body(confirm)
    assert Membership.objects.filter(pk=membership.pk).exists()

    response = client.post(url("settings-member-remove", membership.pk), follow=True)

    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert "no longer has a role in Acme" in body(response)
    assert audited("access.role_revoked") == 1


def test_an_admin_who_gives_up_their_own_right_to_manage_is_sent_home(client, people, tenant):
    member(tenant, Role.CUSTOMER_ADMIN, username="second-admin")
    own = Membership.objects.get(tenant=tenant, user=people["admin"])
    client.force_login(people["admin"])
    assert "This is your own role" in body(client.get(url("settings-member-change", own.pk)))
    response = client.post(
        url("settings-member-change", own.pk),
        as_sent(client, url("settings-member-change", own.pk), {"role": "customer_viewer", "all_projects": "on"}),
    )
    assert response["Location"] == reverse("home")
    assert client.get(url("settings-members")).status_code == 403


def test_the_last_customer_admin_cannot_give_up_the_role_or_be_removed(client, people, tenant):
    own = Membership.objects.get(tenant=tenant, user=people["admin"])
    client.force_login(people["admin"])
    response = client.post(
        url("settings-member-change", own.pk),
        as_sent(client, url("settings-member-change", own.pk), {"role": "customer_viewer", "all_projects": "on"}),
    )
    assert response.status_code == 200
    assert "the last customer admin of this client" in body(response)
    own.refresh_from_db()
    assert own.role == Role.CUSTOMER_ADMIN
    with pytest.raises(ValidationError) as refused:
        membership_revoke(tenant=tenant, user=people["admin"], actor=people["platform"])
    assert refused.value.message_dict == {
        "user": ["cadmin is the last customer admin of this client: make someone else customer admin first."]
    }
    assert Membership.objects.filter(tenant=tenant, user=people["admin"], role=Role.CUSTOMER_ADMIN).exists()


def test_removing_the_last_customer_admin_from_the_page_is_refused_with_the_rule(client, people, tenant):
    own = Membership.objects.get(tenant=tenant, user=people["admin"])
    client.force_login(people["admin"])

    response = client.post(url("settings-member-remove", own.pk))

    assert response.status_code == 302
    assert response["Location"] == url("settings-members")
    shown = body(client.get(response["Location"]))
    assert "cadmin is the last customer admin of this client: make someone else customer admin first." in shown
    assert Membership.objects.filter(pk=own.pk, role=Role.CUSTOMER_ADMIN).exists()
    assert audited("access.role_revoked") == 0


# --- Approval policies -------------------------------------------------------------------------


def test_policies_page_shows_the_built_in_default_until_one_is_written(client, people, objects):
    client.force_login(people["admin"])
    page = body(client.get(url("settings-policies")))
    assert "Default: the built-in policy" in page
    assert "Promotions into pilot" in page
    card = page[page.index(f'id="policy-card-{objects["policy"].pk}"') :]
    assert "<dd>2</dd>" in card


def test_write_the_default_policy_with_every_field(client, people, tenant):
    client.force_login(people["admin"])
    form = body(client.get(url("settings-policy-new")))
    for label in ("Approvals required", "Roles that may approve", "Also these named people", "Hours a request stays"):
        assert label in form
    assert "approver2" in form
    assert "outsider" not in form

    response = client.post(
        url("settings-policy-new"),
        {
            "target_stage": "default",
            "required_approvals": 2,
            "eligible_roles": ["customer_approver", "delivery_lead"],
            "eligible_users": [people["approver2"].pk],
            "require_client_and_delivery": "on",
            "readiness_gate_required": "on",
            "expiry_hours": 48,
        },
        follow=True,
    )

    policy = ApprovalPolicy.objects.get(tenant=tenant)
    assert policy.target_stage == ""
    assert policy.required_approvals == 2
    assert policy.eligible_roles == ["customer_approver", "delivery_lead"]
    assert list(policy.eligible_users.all()) == [people["approver2"]]
    assert (policy.require_client_and_delivery, policy.readiness_gate_required) == (True, True)
    assert policy.requester_may_approve is False
    assert policy.expiry_hours == 48
    assert "saved" in body(response)
    assert "Default: the built-in policy" not in body(response)
    assert audited("policy.created") == 1


def test_a_stage_with_a_policy_is_not_offered_again(client, people, objects):
    client.force_login(people["admin"])
    form = body(client.get(url("settings-policy-new")))
    assert 'value="pilot"' not in form
    response = client.post(
        url("settings-policy-new"), {"target_stage": "pilot", "required_approvals": 5, "expiry_hours": 1}
    )
    assert 'id="id_target_stage_error"' in body(response)
    assert ApprovalPolicy.objects.get(pk=objects["policy"].pk).required_approvals == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"required_approvals": 0}, "required_approvals", "greater than or equal to 1"),
        ({"expiry_hours": 5000}, "expiry_hours", "less than or equal to 2160"),
        (
            {"eligible_roles": ["customer_approver"], "require_client_and_delivery": "on"},
            "require_client_and_delivery",
            "needs eligible people on both sides",
        ),
    ],
)
def test_the_services_refusals_show_on_the_policy_field_and_change_nothing(
    client, people, objects, data, field, message
):
    client.force_login(people["admin"])
    policy = objects["policy"]
    post = {"required_approvals": 3, "expiry_hours": 24, "eligible_roles": ["customer_admin"], **data}

    response = client.post(
        url("settings-policy-edit", policy.pk), as_sent(client, url("settings-policy-edit", policy.pk), post)
    )

    assert response.status_code == 200
    error = re.search(rf'id="id_{field}_error">(.*?)</div>', body(response), re.S)
    assert error
    assert message in error.group(1)
    policy.refresh_from_db()
    assert (policy.required_approvals, policy.expiry_hours) == (2, 72)
    assert audited("policy.updated") == 0


def test_a_named_approver_who_cannot_see_the_client_is_refused(client, people, objects):
    """Someone named earlier who has since lost access is still listed, and the service refuses them."""
    policy = objects["policy"]
    policy.eligible_users.add(people["outsider"])
    client.force_login(people["admin"])
    form = body(client.get(url("settings-policy-edit", policy.pk)))
    assert "outsider" in form
    response = client.post(
        url("settings-policy-edit", policy.pk),
        as_sent(
            client,
            url("settings-policy-edit", policy.pk),
            {"required_approvals": 1, "expiry_hours": 24, "eligible_users": [people["outsider"].pk]},
        ),
    )
    assert "outsider cannot" in body(response)
    assert ApprovalPolicy.objects.get(pk=policy.pk).required_approvals == 2


def test_edit_and_delete_a_policy(client, people, objects):
    policy = objects["policy"]
    client.force_login(people["admin"])
    client.post(
        url("settings-policy-edit", policy.pk),
        as_sent(
            client,
            url("settings-policy-edit", policy.pk),
            {
                "required_approvals": 1,
                "expiry_hours": 12,
                "eligible_roles": ["customer_admin"],
                "target_stage": "rollout",
            },
        ),
    )
    policy.refresh_from_db()
    assert (policy.target_stage, policy.required_approvals, policy.expiry_hours) == ("pilot", 1, 12)
    assert policy.eligible_roles == ["customer_admin"]
    assert audited("policy.updated") == 1

    assert "Delete policy" in body(client.get(url("settings-policy-delete", policy.pk)))
    response = client.post(url("settings-policy-delete", policy.pk), follow=True)
    assert not ApprovalPolicy.objects.filter(pk=policy.pk).exists()
    assert "deleted" in body(response)
    assert audited("policy.deleted") == 1


# --- Freeze windows ----------------------------------------------------------------------------


def test_a_one_off_freeze_is_entered_and_shown_in_the_clients_time_zone(client, people, tenant):
    client.force_login(people["admin"])
    response = client.post(
        url("settings-freeze-new"),
        {
            "name": "Songkran",
            "kind": "one_off",
            "starts_on": "2030-04-12T09:00",
            "ends_on": "2030-04-16T18:30",
            "start_weekday": "2",  # belongs to the other kind: dropped
            "is_active": "on",
        },
        follow=True,
    )

    window = FreezeWindow.objects.get(tenant=tenant)
    # Bangkok is UTC+7.
    assert window.starts_on == datetime.datetime(2030, 4, 12, 2, 0, tzinfo=UTC)
    assert window.ends_on == datetime.datetime(2030, 4, 16, 11, 30, tzinfo=UTC)
    assert window.start_weekday is None
    page = body(response)
    assert "2030-04-12 09:00" in page
    assert "2030-04-16 18:30" in page
    assert "Asia/Bangkok" in page
    assert audited("freeze.created") == 1
    edit = body(client.get(url("settings-freeze-edit", window.pk)))
    assert 'value="2030-04-12T09:00"' in edit


def test_a_weekly_freeze(client, people, tenant):
    client.force_login(people["admin"])
    client.post(
        url("settings-freeze-new"),
        {
            "name": "Weekend",
            "kind": "weekly",
            "start_weekday": "4",
            "start_time": "18:00",
            "end_weekday": "0",
            "end_time": "06:00",
        },
    )
    window = FreezeWindow.objects.get(tenant=tenant)
    assert (window.start_weekday, window.end_weekday, window.is_active) == (4, 0, False)
    page = body(client.get(url("settings-freezes")))
    assert "Friday 18:00 to Monday 06:00, every week" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "one_off", "starts_on": "2030-01-02T10:00", "ends_on": "2030-01-01T10:00"}, "ends_on", "after"),
        ({"kind": "one_off", "ends_on": "2030-01-01T10:00"}, "starts_on", "needs a start and an end"),
        ({"kind": "weekly", "start_weekday": "1", "start_time": "10:00"}, "end_weekday", "needs a start and an end"),
        ({"kind": "sometimes"}, "kind", "Select a valid choice"),
    ],
)
def test_a_freeze_the_service_refuses_shows_why_on_the_field(client, people, objects, data, field, message):
    window = objects["window"]
    client.force_login(people["admin"])
    response = client.post(
        url("settings-freeze-edit", window.pk),
        as_sent(client, url("settings-freeze-edit", window.pk), {"name": "Changed", **data}),
    )
    assert response.status_code == 200
    error = re.search(rf'id="id_{field}_error">(.*?)</div>', body(response), re.S)
    assert error
    assert message in error.group(1)
    window.refresh_from_db()
    assert window.name == "Year-end"
    assert audited("freeze.updated") == 0


def test_edit_and_delete_a_freeze(client, people, objects):
    window = objects["window"]
    client.force_login(people["admin"])
    form = client.get(url("settings-freeze-edit", window.pk))
    assert 'value="Year-end"' in body(form)
    client.post(
        url("settings-freeze-edit", window.pk),
        as_sent(
            client,
            url("settings-freeze-edit", window.pk),
            {
                "name": "Year-end close",
                "kind": "one_off",
                "starts_on": "2030-12-20T07:00",
                "ends_on": "2031-01-05T07:00",
            },
        ),
    )
    window.refresh_from_db()
    assert (window.name, window.is_active) == ("Year-end close", False)
    assert window.starts_on == datetime.datetime(2030, 12, 20, tzinfo=UTC)
    assert audited("freeze.updated") == 1
    client.post(url("settings-freeze-delete", window.pk))
    assert not FreezeWindow.objects.filter(pk=window.pk).exists()
    assert audited("freeze.deleted") == 1


# --- Webhooks ----------------------------------------------------------------------------------


def with_once(client, address, data):
    """``data`` with the one-time number of the form at ``address``, as a browser sends it."""
    return {**data, "once": client.get(address).context["once"]}


def test_a_new_webhook_shows_its_secret_once(client, people, tenant):
    client.force_login(people["admin"])
    data = {
        "url": "http://127.0.0.1:9/jira",
        "description": "Jira",
        "event_types": ["approval.approved"],
        "is_active": "on",
    }
    response = client.post(url("settings-webhook-new"), with_once(client, url("settings-webhook-new"), data))

    endpoint = WebhookEndpoint.objects.get(tenant=tenant)
    assert endpoint.event_types == ["approval.approved"]
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert endpoint.secret in body(response)
    assert "Webhook to http://127.0.0.1:9/jira created" in body(response)
    assert audited("webhook.created") == 1
    listing = body(client.get(url("settings-webhooks")))
    assert "http://127.0.0.1:9/jira" in listing
    assert "Approval approved" in listing
    assert "approval.approved" not in listing, "the event's code stays in the API"
    assert endpoint.secret not in listing
    assert endpoint.secret not in body(client.get(url("settings-webhook-edit", endpoint.pk)))


def test_a_private_target_is_refused_on_the_url_field(client, people, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    client.force_login(people["admin"])
    data = {"url": "http://10.1.2.3/hook", "is_active": "on"}
    response = client.post(url("settings-webhook-new"), with_once(client, url("settings-webhook-new"), data))
    error = re.search(r'id="id_url_error">(.*?)</div>', body(response), re.S)
    assert error
    assert "private or reserved address" in error.group(1)
    assert 'aria-invalid="true"' in body(response)
    assert not WebhookEndpoint.objects.exists()


def test_edit_a_webhook_and_refusals_change_nothing(client, people, objects):
    endpoint = objects["endpoint"]
    client.force_login(people["admin"])
    bad = client.post(
        url("settings-webhook-edit", endpoint.pk),
        as_sent(client, url("settings-webhook-edit", endpoint.pk), {"url": "ftp://example.com/x", "is_active": "on"}),
    )
    assert 'id="id_url_error"' in body(bad)
    endpoint.refresh_from_db()
    assert endpoint.url == HOOK_URL

    client.post(
        url("settings-webhook-edit", endpoint.pk),
        as_sent(
            client, url("settings-webhook-edit", endpoint.pk), {"url": HOOK_URL, "event_types": ["project.created"]}
        ),
    )
    endpoint.refresh_from_db()
    assert (endpoint.event_types, endpoint.is_active) == (["project.created"], False)
    assert audited("webhook.updated") == 1


def test_delete_a_webhook(client, people, objects):
    client.force_login(people["admin"])
    assert "Its delivery log is deleted with it" in body(
        client.get(url("settings-webhook-delete", objects["endpoint"].pk))
    )
    client.post(url("settings-webhook-delete", objects["endpoint"].pk))
    assert not WebhookEndpoint.objects.exists()
    assert audited("webhook.deleted") == 1


def test_the_delivery_log_pages_newest_first_and_delivers_again(client, people, tenant, objects):
    endpoint = objects["endpoint"]
    for number in range(30):
        webhooks.publish(tenant_id=tenant.pk, event_type="approval.requested", data={"n": number})
    failed = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk").first()
    WebhookDelivery.objects.filter(pk=failed.pk).update(
        status="failed",
        next_attempt_at=None,
        attempts=[{"at": "2030-01-01T00:00:00+00:00", "status_code": 503, "error": ""}] * 3,
    )
    client.force_login(people["admin"])

    first = client.get(url("settings-webhook-deliveries", endpoint.pk))
    shown = [delivery.pk for delivery in first.context["page"]]
    newest = list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-pk")[:25])
    assert shown == [delivery.pk for delivery in newest]
    assert "Page 1 of 2" in body(first)
    second = client.get(url("settings-webhook-deliveries", endpoint.pk), {"page": 2})
    row = body(second)[body(second).index(f'id="delivery-{failed.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Failed" in row
    assert '<td data-label="Attempts">3</td>' in row
    assert "HTTP 503" in row

    response = client.post(url("settings-delivery-redeliver", failed.pk), {"page": "2"}, follow=True)

    assert response.redirect_chain[-1][0] == url("settings-webhook-deliveries", endpoint.pk) + "?page=2"
    failed.refresh_from_db()
    assert failed.status == "pending"
    assert failed.next_attempt_at is not None
    assert failed.attempts[-1]["redelivery_by"] == "cadmin"
    assert "will be sent again" in body(response)
    assert audited("webhook.redelivered") == 1


def test_a_webhooks_secret_is_replaced_on_its_own_page_and_shown_once(client, people, objects):
    endpoint = objects["endpoint"]
    old = endpoint.secret
    client.force_login(people["admin"])
    address = url("settings-webhook-rotate", endpoint.pk)
    assert address in body(client.get(url("settings-webhooks")))
    asked = client.get(address)
    assert "signed with both the new and the current secret" in body(asked)
    assert "24 hours" in body(asked)
    assert old not in body(asked)

    data = with_once(client, address, {})
    response = client.post(address, data)

    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.previous_secret == old
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert endpoint.secret in body(response)
    assert old not in body(response)
    assert "New signing secret" in body(response)
    assert audited("webhook.secret_rotated") == 1
    for page in ("settings-webhooks", "settings-webhook-edit", "settings-webhook-deliveries"):
        shown = body(client.get(url(page, endpoint.pk) if page != "settings-webhooks" else url(page)))
        assert endpoint.secret not in shown
        assert old not in shown

    reloaded = client.post(address, data)  # the browser's reload of the answer
    assert reloaded.status_code == 409
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == endpoint.secret
    assert audited("webhook.secret_rotated") == 1


def test_a_switched_off_webhooks_delivery_is_not_delivered_again_by_hand(client, people, tenant, objects):
    endpoint, delivery = objects["endpoint"], objects["delivery"]
    webhooks.endpoint_save(tenant=tenant, actor=people["admin"], endpoint=endpoint, is_active=False)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="skipped", next_attempt_at=None)
    client.force_login(people["admin"])
    response = client.post(url("settings-delivery-redeliver", delivery.pk), follow=True)
    assert "switch it on before delivering again" in body(response)
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "skipped"
    assert audited("webhook.redelivered") == 0


# --- Service accounts and tokens ---------------------------------------------------------------


def test_create_a_service_account(client, people, tenant):
    client.force_login(people["admin"])
    response = client.post(
        url("settings-service-accounts"), {"username": "servicenow", "role": "customer_approver"}, follow=True
    )
    account = User.objects.get(username="servicenow")
    assert account.is_service_account
    assert not account.has_usable_password()
    assert Membership.objects.get(user=account).role == "customer_approver"
    assert "Service account servicenow created" in body(response)
    assert audited("access.role_granted") == 1


def test_a_taken_name_is_refused_inline(client, people, objects):
    client.force_login(people["admin"])
    response = client.post(url("settings-service-accounts"), {"username": "viewer", "role": "customer_viewer"})
    error = re.search(r'id="id_username_error">(.*?)</div>', body(response), re.S)
    assert error
    assert "already exists" in error.group(1)
    assert User.objects.filter(kind=User.Kind.SERVICE_ACCOUNT).count() == 1


def test_the_service_accounts_page_lists_every_token(client, people, objects):
    token = objects["token"]
    revoked, _ = token_issue(user=objects["account"], actor=people["admin"], name="Old", scopes=["read", "write"])
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=datetime.datetime(2030, 1, 1, 3, 0, tzinfo=UTC))
    client.force_login(people["admin"])
    page = body(client.get(url("settings-service-accounts")))
    assert "jira-bridge" in page
    assert "Customer approver" in page
    assert f"sg_{token.prefix}_" in page
    assert "Read, Write" in page
    assert "Revoked 1 January 2030, 10:00 (Asia/Bangkok)" in page  # shown in Bangkok time, and says so
    assert url("settings-token-revoke", token.pk) in page
    assert url("settings-token-revoke", revoked.pk) not in page


def test_issue_a_token_shows_it_once_and_it_is_the_one_stored(client, people, objects):
    account = objects["account"]
    client.force_login(people["admin"])
    address = url("settings-token-new", account.pk)
    data = with_once(client, address, {"name": "Jira prod", "scopes": ["read", "approve"], "days": 30})
    response = client.post(address, data)
    record = ApiToken.objects.get(name="Jira prod")
    secret = re.search(r'id="token-secret"[^>]*value="([^"]+)"', body(response)).group(1)
    assert record.digest == token_digest(secret)
    assert record.user == account
    assert record.scopes == ["approve", "read"]
    assert "no-store" in response["Cache-Control"]
    assert secret not in body(client.get(url("settings-service-accounts")))
    assert audited("token.issued") == 2

    reloaded = client.post(address, data)  # the browser's reload of the answer sends the form again
    assert reloaded.status_code == 409
    assert "This form was sent already" in body(reloaded)
    assert secret not in body(reloaded)
    assert ApiToken.objects.filter(name="Jira prod").count() == 1
    assert audited("token.issued") == 2


def test_reloading_a_new_webhooks_answer_makes_no_second_webhook(client, people, tenant):
    client.force_login(people["admin"])
    data = with_once(client, url("settings-webhook-new"), {"url": "http://127.0.0.1:9/jira", "is_active": "on"})
    assert client.post(url("settings-webhook-new"), data).status_code == 200
    reloaded = client.post(url("settings-webhook-new"), data)
    assert reloaded.status_code == 409
    assert WebhookEndpoint.objects.filter(tenant=tenant).count() == 1
    assert client.post(url("settings-webhook-new"), {"url": "http://127.0.0.1:9/other"}).status_code == 409


def test_a_refused_form_keeps_its_number_for_the_corrected_sending(client, people, objects):
    client.force_login(people["admin"])
    address = url("settings-token-new", objects["account"].pk)
    refused = client.post(address, with_once(client, address, {"name": "x", "scopes": ["read"], "days": 400}))
    assert refused.status_code == 200
    corrected = {"name": "x", "scopes": ["read"], "days": 30, "once": refused.context["once"]}
    assert client.post(address, corrected).status_code == 200
    assert ApiToken.objects.filter(name="x").count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "x", "scopes": ["read"], "days": 400}, "days", "between 1 and 366"),
        ({"name": "x"}, "scopes", "Choose from"),
    ],
)
def test_a_token_the_service_refuses_shows_why(client, people, objects, data, field, message):
    client.force_login(people["admin"])
    address = url("settings-token-new", objects["account"].pk)
    response = client.post(address, with_once(client, address, data))
    error = re.search(rf'id="id_{field}_error">(.*?)</div>', body(response), re.S)
    assert error
    assert message in error.group(1)
    assert ApiToken.objects.count() == 1


def test_revoke_a_token_after_confirming(client, people, objects):
    token = objects["token"]
    client.force_login(people["admin"])
    assert "cannot be undone" in body(client.get(url("settings-token-revoke", token.pk)))
    response = client.post(url("settings-token-revoke", token.pk), follow=True)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "revoked" in body(response)
    assert audited("token.revoked") == 1


# --- Query counts ------------------------------------------------------------------------------


def grow(tenant, people, endpoint, count, start):
    """``count`` more members with per-project grants, freeze windows, deliveries, service accounts
    with tokens, and named approvers on the policies."""
    admin = people["admin"]
    for number in range(start, start + count):
        person = member(tenant, Role.CUSTOMER_APPROVER, username=f"person{number}")
        project = ProjectFactory(tenant=tenant)
        project_access_grant(project=project, user=person, role=Role.CUSTOMER_APPROVER)
        project_access_grant(project=project, user=UserFactory(username=f"guest{number}"), role=Role.CUSTOMER_VIEWER)
        freeze_window_save(
            tenant=tenant,
            actor=admin,
            name=f"Freeze {number}",
            kind="weekly",
            start_weekday=number % 7,
            start_time="10:00",
            end_weekday=(number + 1) % 7,
            end_time="10:00",
        )
        webhooks.publish(tenant_id=tenant.pk, event_type="project.updated", data={"n": number})
        account = service_account_create(tenant=tenant, username=f"bot{number}", role=Role.CUSTOMER_VIEWER, actor=admin)
        for _ in range(2):
            token_issue(user=account, actor=admin, name=f"Token {number}")
    people_named = list(User.objects.filter(username__startswith="person"))
    # One stage stays free, so the new-policy form is still offered.
    stages = ["", "pilot"] if start == 0 else ["", "proof_of_concept", "pilot", "rollout"]
    for stage in stages:
        policy_save(tenant=tenant, actor=admin, target_stage=stage, eligible_users=people_named)


QUERY_PAGES = {
    "members": lambda o: url("settings-members"),
    "member": lambda o: url("settings-member-change", o["membership"].pk),
    "policies": lambda o: url("settings-policies"),
    "new policy": lambda o: url("settings-policy-new"),
    "policy": lambda o: url("settings-policy-edit", o["policy"].pk),
    "freezes": lambda o: url("settings-freezes"),
    "freeze": lambda o: url("settings-freeze-edit", o["window"].pk),
    "webhooks": lambda o: url("settings-webhooks"),
    "deliveries": lambda o: url("settings-webhook-deliveries", o["endpoint"].pk),
    "service accounts": lambda o: url("settings-service-accounts"),
    "new token": lambda o: url("settings-token-new", o["account"].pk),
}


@pytest.mark.parametrize("page", sorted(QUERY_PAGES))
@pytest.mark.parametrize("who", ["admin", "platform"])
def test_settings_page_queries_do_not_grow_with_rows(client, tenant, people, objects, page, who):
    client.force_login(people[who])
    address = QUERY_PAGES[page](objects)
    grow(tenant, people, objects["endpoint"], 2, start=0)
    client.get(address)
    with CaptureQueriesContext(connection) as few:
        assert client.get(address).status_code == 200
    grow(tenant, people, objects["endpoint"], 28, start=2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(address)
        assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries), [q["sql"] for q in many.captured_queries]
    if page == "members":
        assert len(response.context["memberships"]) > 30
        assert len(response.context["grant_holders"]) == 30
    if page == "deliveries":
        # Thirty project.updated and the fixture's one, and the two per-project grants of each row
        # (access.granted webhook events too).
        assert response.context["page"].paginator.count == 31 + 2 * 30


def test_membership_grant_keeps_narrowed_people_narrowed(client, people, tenant):
    """Changing someone's role through the page keeps the reach the form says."""
    membership_grant(tenant=tenant, user=people["viewer"], role=Role.CUSTOMER_VIEWER, all_projects=False)
    membership = Membership.objects.get(tenant=tenant, user=people["viewer"])
    client.force_login(people["admin"])
    form = body(client.get(url("settings-member-change", membership.pk)))
    checkbox = re.search(r'<input type="checkbox" name="all_projects"[^>]*>', form).group(0)
    assert " checked" not in checkbox
    client.post(
        url("settings-member-change", membership.pk),
        as_sent(client, url("settings-member-change", membership.pk), {"role": "customer_approver"}),
    )
    membership.refresh_from_db()
    assert (membership.role, membership.all_projects) == ("customer_approver", False)
