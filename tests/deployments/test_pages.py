"""The deployment pages: switching the deployment model, the client's cloud environment, the
client's sign-offs on the deployment card, and the hybrid routing rules.

Every write goes through ``deployments.services``; every refused one is checked to have changed
nothing (project, environment, rules, audit log).
"""

import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from core.forms import STALE_EDIT
from deployments.models import CustomerCloudEnvironment, RoutingRule
from deployments.services import environment_sign_off, environment_update, routing_rules_replace
from projects.models import DeploymentModel, HostingApproach, Project, RequirementsProfile, Residency
from tenancy.models import Role
from tests.deployments.factories import CustomerCloudEnvironmentFactory, RoutingRuleFactory
from tests.edit_forms import as_sent
from tests.factories import ProjectFactory, TenantFactory, member

pytestmark = pytest.mark.django_db

FACTS = {
    "provider": "aws",
    "account_id": "1234-5678-9012",
    "regions": "ap-southeast-1, ap-southeast-2",
    "residency_regions": "Singapore",
    "access_pattern": "Client IAM role through the client's SSO",
    "network_isolation": "private_endpoints",
    "change_process_reference": "CAB weekly",
}
NO_FACTS = dict.fromkeys(FACTS, "") | {"network_isolation": "none"}


def state(project):
    project.refresh_from_db()
    return (
        project.deployment_model,
        project.hosting_approach,
        list(CustomerCloudEnvironment.objects.order_by("pk").values()),
        list(RoutingRule.objects.order_by("pk").values()),
        AuditEvent.objects.exclude(action__startswith="auth.").count(),  # sign-ins are not changes
    )


def page(client, project):
    return client.get(reverse("project-detail", args=[project.pk])).content.decode()


def error_of(body, field_id):
    """The error shown for ``field_id``, which the input points to with aria-describedby."""
    match = re.search(rf'id="{field_id}_error">(.*?)</div>', body, re.S)
    assert match, f"no error shown for {field_id}"
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field_id}"[^>]*>', body)
    assert tag, f"no input {field_id}"
    assert f"{field_id}_error" in tag[0], f"{field_id} is not tied to its error"
    return re.sub(r"<[^>]+>", " ", match[1])


def customer_cloud(project, people, **facts):
    environment_update(project=project, actor=people["lead"], **facts)
    Project.objects.filter(pk=project.pk).update(deployment_model=DeploymentModel.CUSTOMER_CLOUD)
    project.refresh_from_db()
    return project


def hybrid(project):
    Project.objects.filter(pk=project.pk).update(hosting_approach=HostingApproach.HYBRID)
    project.refresh_from_db()
    return project


def rule_rows(*rows, total=None, initial=0):
    """The routing formset's POST data for ``rows`` (dicts of field values)."""
    data = {
        "rules-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "rules-INITIAL_FORMS": str(initial),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "30",
    }
    for index, row in enumerate(rows):
        data |= {f"rules-{index}-{name}": value for name, value in row.items()}
    return data


SELF_HOSTED = {"condition_kind": "data_class", "data_class": "regulated", "destination": "self_hosted"}
TO_API = {
    "condition_kind": "traffic",
    "traffic_condition": "other",
    "destination": "cloud_api",
    "api_model": "openai:gpt-4o-mini",
}


# --- Deployment model -------------------------------------------------------------------------


def test_lead_switches_to_customer_cloud_with_the_environment(client, project, people):
    client.force_login(people["lead"])
    url = reverse("project-deployment-model", args=[project.pk])
    assert f'href="{url}"' in page(client, project)
    body = client.get(url).content.decode()
    assert "customer cloud in name only" in body
    assert "approve the access pattern" in body

    response = client.post(url, as_sent(client, url, FACTS | {"deployment_model": "customer_cloud"}), follow=True)

    assert f"{project.code} now runs as customer cloud." in response.content.decode()
    project.refresh_from_db()
    assert project.deployment_model == DeploymentModel.CUSTOMER_CLOUD
    environment = CustomerCloudEnvironment.objects.get(project=project)
    assert environment.regions == ["ap-southeast-1", "ap-southeast-2"]
    assert environment.residency_regions == ["Singapore"]
    event = AuditEvent.objects.get(action="project.deployment_model_changed")
    assert event.after["deployment_model"] == "customer_cloud"
    assert event.after["environment"]["account_id"] == "1234-5678-9012"


def test_every_missing_fact_is_shown_at_once_and_nothing_changes(client, project, people):
    RequirementsProfile.objects.filter(project=project).update(residency=Residency.STRICT, residency_region="EU")
    client.force_login(people["lead"])
    before = state(project)

    url = reverse("project-deployment-model", args=[project.pk])
    response = client.post(url, as_sent(client, url, NO_FACTS | {"deployment_model": "customer_cloud"}))

    assert response.status_code == 200
    body = response.content.decode()
    for field in ("provider", "account_id", "regions", "access_pattern", "residency_regions"):
        assert "Required for a customer-cloud project." in error_of(body, f"id_{field}")
    assert "5 things to fix" in body
    assert "strict" in body
    assert state(project) == before


def test_a_bad_region_list_is_shown_on_its_field(client, project, people):
    client.force_login(people["lead"])
    before = state(project)
    url = reverse("project-deployment-model", args=[project.pk])
    response = client.post(
        url, as_sent(client, url, FACTS | {"deployment_model": "customer_cloud", "regions": "eu-west-1, EU-WEST-1"})
    )
    assert "only once" in error_of(response.content.decode(), "id_regions")
    assert state(project) == before


def test_switching_back_to_managed_keeps_the_environment_untouched(client, project, people):
    customer_cloud(project, people, **{**FACTS, "regions": ["eu-west-1"], "residency_regions": []})
    environment = list(CustomerCloudEnvironment.objects.values())
    client.force_login(people["lead"])

    url = reverse("project-deployment-model", args=[project.pk])
    response = client.post(
        url,
        as_sent(client, url, FACTS | {"deployment_model": "managed_application", "account_id": "ignored"}),
        follow=True,
    )

    assert "now runs as managed application" in response.content.decode()
    project.refresh_from_db()
    assert project.deployment_model == DeploymentModel.MANAGED_APPLICATION
    assert list(CustomerCloudEnvironment.objects.values()) == environment


@pytest.mark.parametrize("who", ["engineer", "approver", "viewer", "admin"])
def test_only_those_who_may_change_the_project_switch_it(client, project, people, who):
    client.force_login(people[who])
    url = reverse("project-deployment-model", args=[project.pk])
    assert url not in page(client, project)
    before = state(project)
    assert client.get(url).status_code == 403
    assert client.post(url, FACTS | {"deployment_model": "customer_cloud"}).status_code == 403
    assert state(project) == before


# --- Environment ------------------------------------------------------------------------------


def test_engineer_edits_the_environment_of_a_customer_cloud_project(client, project, people):
    customer_cloud(project, people, provider="aws", account_id="1", regions=["eu-west-1"], access_pattern="SSO")
    client.force_login(people["engineer"])
    url = reverse("project-environment", args=[project.pk])
    assert f'href="{url}"' in page(client, project)
    assert 'value="eu-west-1"' in client.get(url).content.decode()

    response = client.post(url, as_sent(client, url, FACTS), follow=True)

    assert "Environment saved." in response.content.decode()
    environment = CustomerCloudEnvironment.objects.get(project=project)
    assert environment.account_id == "1234-5678-9012"
    assert environment.regions == ["ap-southeast-1", "ap-southeast-2"]
    assert environment.change_process_reference == "CAB weekly"
    assert AuditEvent.objects.filter(action="environment.updated").count() == 2


def test_a_bad_environment_is_shown_on_its_field_and_changes_nothing(client, project, people):
    customer_cloud(project, people, **{**FACTS, "regions": ["eu-west-1"], "residency_regions": []})
    client.force_login(people["lead"])
    before = state(project)
    url = reverse("project-environment", args=[project.pk])
    body = client.post(url, as_sent(client, url, FACTS | {"residency_regions": "EU, eu"})).content.decode()
    assert "only once" in error_of(body, "id_residency_regions")
    body = client.post(url, as_sent(client, url, FACTS | {"provider": "mars"})).content.decode()
    assert "valid choice" in error_of(body, "id_provider")
    assert state(project) == before


def test_changing_a_signed_fact_says_the_sign_off_was_withdrawn(client, project, people):
    customer_cloud(project, people, **{**FACTS, "regions": ["eu-west-1"], "residency_regions": ["EU"]})
    environment_sign_off(project=project, actor=people["approver"], kind="access_pattern")
    client.force_login(people["lead"])
    body = client.get(reverse("project-environment", args=[project.pk])).content.decode()
    assert "What a change withdraws" in body

    url = reverse("project-environment", args=[project.pk])
    response = client.post(
        url,
        as_sent(
            client,
            url,
            FACTS | {"regions": "eu-west-1", "residency_regions": "EU", "access_pattern": "Break-glass role"},
        ),
        follow=True,
    )

    body = response.content.decode()
    assert "Access pattern approved by the client: withdrawn" in body
    assert "Data residency confirmed by the client: withdrawn" not in body
    assert CustomerCloudEnvironment.objects.get().access_approved_by is None


def test_environment_link_only_for_customer_cloud_projects(client, project, people):
    client.force_login(people["lead"])
    assert reverse("project-environment", args=[project.pk]) not in page(client, project)


@pytest.mark.parametrize("who", ["approver", "viewer", "admin"])
def test_readers_may_not_edit_the_environment(client, project, people, who):
    customer_cloud(project, people, **{**FACTS, "regions": ["eu-west-1"], "residency_regions": []})
    client.force_login(people[who])
    url = reverse("project-environment", args=[project.pk])
    assert url not in page(client, project)
    before = state(project)
    assert client.get(url).status_code == 403
    assert client.post(url, FACTS).status_code == 403
    assert state(project) == before


# --- Sign-offs --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["approver", "admin"])
def test_the_clients_people_sign_off_from_the_card(client, project, people, who):
    customer_cloud(project, people, **{**FACTS, "regions": ["eu-west-1"], "residency_regions": ["EU"]})
    client.force_login(people[who])
    body = page(client, project)
    assert "Approve the access pattern" in body
    assert "Confirm data residency" in body
    assert "Not signed yet" in body

    response = client.post(reverse("project-sign-off", args=[project.pk, "access_pattern"]), follow=True)

    body = response.content.decode()
    assert "Access pattern approved by the client: recorded in your name." in body
    environment = CustomerCloudEnvironment.objects.get()
    assert environment.access_approved_by == people[who]
    assert "Approve the access pattern" not in body
    assert f"Signed by {people[who]}" in body
    signed = body[body.index(f"Signed by {people[who]}") :]
    assert "(Asia/Bangkok)</time>" in signed[: signed.index("</span>")]  # the client's time zone, named
    assert "Confirm data residency" in body
    assert AuditEvent.objects.filter(action="environment.signed_off").count() == 1


@pytest.mark.parametrize("who", ["lead", "engineer", "viewer"])
def test_others_see_the_state_but_no_sign_off_button_and_are_refused(client, project, people, who):
    customer_cloud(project, people, **{**FACTS, "regions": ["eu-west-1"], "residency_regions": ["EU"]})
    client.force_login(people[who])
    body = page(client, project)
    assert "Access pattern approved by the client" in body
    assert "Not signed yet" in body
    assert reverse("project-sign-off", args=[project.pk, "access_pattern"]) not in body
    before = state(project)
    assert client.post(reverse("project-sign-off", args=[project.pk, "access_pattern"])).status_code == 403
    assert state(project) == before


def test_a_service_account_may_not_sign_off(client, tenant, project, people):
    customer_cloud(project, people, **{**FACTS, "regions": ["eu-west-1"], "residency_regions": ["EU"]})
    bot = member(tenant, Role.CUSTOMER_APPROVER, username="ticket-bot", kind=User.Kind.SERVICE_ACCOUNT)
    client.force_login(bot)
    assert reverse("project-sign-off", args=[project.pk, "access_pattern"]) not in page(client, project)
    before = state(project)
    assert client.post(reverse("project-sign-off", args=[project.pk, "access_pattern"])).status_code == 403
    assert state(project) == before


def test_a_fact_not_recorded_cannot_be_signed(client, project, people):
    customer_cloud(project, people, **{**FACTS, "regions": ["eu-west-1"], "residency_regions": []})
    RequirementsProfile.objects.filter(project=project).update(residency=Residency.STRICT, residency_region="EU")
    client.force_login(people["approver"])
    body = page(client, project)
    assert "Can be confirmed once the agreed residency regions are recorded." in body
    assert reverse("project-sign-off", args=[project.pk, "data_residency"]) not in body
    before = state(project)

    response = client.post(reverse("project-sign-off", args=[project.pk, "data_residency"]), follow=True)

    assert "Agreed data-residency regions: Record this before it can be signed off." in response.content.decode()
    assert state(project) == before


def test_an_unknown_sign_off_is_refused_with_a_message(client, project, people):
    customer_cloud(project, people, **{**FACTS, "regions": ["eu-west-1"], "residency_regions": ["EU"]})
    client.force_login(people["approver"])
    before = state(project)
    response = client.post(reverse("project-sign-off", args=[project.pk, "everything"]), follow=True)
    assert "Sign off one of: access_pattern, data_residency." in response.content.decode()
    assert state(project) == before


def test_the_card_names_what_a_customer_cloud_project_still_lacks(client, project, people):
    customer_cloud(project, people, **{**FACTS, "regions": ["eu-west-1"], "residency_regions": ["EU"]})
    environment_sign_off(project=project, actor=people["approver"], kind="data_residency")
    client.force_login(people["viewer"])
    body = page(client, project)
    assert "Customer cloud in name only until these are in place: Access pattern approved by the client." in body
    environment_sign_off(project=project, actor=people["approver"], kind="access_pattern")
    assert "in name only" not in page(client, project)


# --- Routing rules ----------------------------------------------------------------------------


def test_lead_replaces_the_routing_rules(client, project, people):
    hybrid(project)
    RoutingRuleFactory(project=project, tenant=project.tenant, position=1)
    client.force_login(people["lead"])
    url = reverse("project-routing", args=[project.pk])
    assert f'href="{url}"' in page(client, project)
    response = client.get(url)
    body = response.content.decode()
    assert 'name="rules-TOTAL_FORMS" value="3"' in body  # the saved rule and two empty rows
    assert "Total share of the rules shown: <strong>100%</strong>" in body

    response = client.post(
        url,
        as_sent(
            client,
            url,
            rule_rows(
                {**SELF_HOSTED, "share_percent": "70", "DELETE": ""},
                {**TO_API, "share_percent": "30"},
                {},
                total=4,
                initial=1,
            ),
        ),
        follow=True,
    )

    assert "Routing rules saved." in response.content.decode()
    rules = list(RoutingRule.objects.filter(project=project).order_by("position"))
    assert [(rule.position, rule.destination, rule.share_percent) for rule in rules] == [
        (1, "self_hosted", D("70")),
        (2, "cloud_api", D("30")),
    ]
    assert AuditEvent.objects.filter(action="routing.replaced").count() == 1
    assert "Data class: Regulated → Self-hosted models, 70%" in response.content.decode()


def test_shares_not_adding_up_are_shown_at_the_set_and_change_nothing(client, project, people):
    hybrid(project)
    client.force_login(people["lead"])
    before = state(project)

    url = reverse("project-routing", args=[project.pk])
    response = client.post(
        url, as_sent(client, url, rule_rows({**SELF_HOSTED, "share_percent": "70"}, {**TO_API, "share_percent": "20"}))
    )

    body = response.content.decode()
    assert re.search(r'id="rules-errors">\s*<p>Shares must add up to 100%; these add up to 90%.</p>', body)
    assert "Total share of the rules shown: <strong>90%</strong>" in body
    assert state(project) == before


def test_a_bad_row_is_shown_on_its_own_field(client, project, people):
    hybrid(project)
    client.force_login(people["lead"])
    before = state(project)

    url = reverse("project-routing", args=[project.pk])
    response = client.post(
        url,
        as_sent(
            client,
            url,
            rule_rows(
                {**SELF_HOSTED, "share_percent": "50"},
                {**TO_API, "api_model": "", "share_percent": "50"},
                {**TO_API, "traffic_condition": "", "share_percent": ""},
                total=3,
            ),
        ),
    )

    body = response.content.decode()
    assert "required" in error_of(body, "id_rules-2-share_percent")
    before_service = state(project)
    assert before_service == before
    # With the form's own errors fixed, the service names the row whose model is missing.
    response = client.post(
        url,
        as_sent(
            client,
            url,
            rule_rows({**SELF_HOSTED, "share_percent": "50"}, {**TO_API, "api_model": "", "share_percent": "50"}),
        ),
    )
    body = response.content.decode()
    assert "Name the cloud API model" in error_of(body, "id_rules-1-api_model")
    assert "id_rules-0-api_model_error" not in body
    assert state(project) == before


def test_a_saved_rule_is_removed_with_its_box(client, project, people):
    hybrid(project)
    routing_rules_replace(
        project=project,
        actor=people["lead"],
        rules=[
            {
                "condition_kind": "data_class",
                "data_class": "regulated",
                "destination": "self_hosted",
                "share_percent": 50,
            },
            {**TO_API, "share_percent": 50},
        ],
    )
    client.force_login(people["lead"])
    url = reverse("project-routing", args=[project.pk])
    response = client.post(
        url,
        as_sent(
            client,
            url,
            rule_rows(
                {**SELF_HOSTED, "share_percent": "50", "DELETE": "on"}, {**TO_API, "share_percent": "100"}, initial=2
            ),
        ),
    )
    assert response.status_code == 302
    assert list(RoutingRule.objects.values_list("destination", "share_percent")) == [("cloud_api", D("100"))]


def test_rules_for_a_project_that_is_not_hybrid_are_refused(client, project, people):
    client.force_login(people["lead"])
    url = reverse("project-routing", args=[project.pk])
    assert url not in page(client, project)
    body = client.get(url).content.decode()
    assert "Routing rules belong to hybrid hosting" in body
    before = state(project)
    response = client.post(url, as_sent(client, url, rule_rows({**TO_API, "share_percent": "100"})))
    assert "Routing rules apply only to hybrid hosting." in response.content.decode()
    assert state(project) == before


def test_rules_changed_by_someone_else_after_the_page_opened_are_not_overwritten(client, project, people):
    """The page carries the version of the rules it showed: someone else's change since (a rule
    added, changed or removed) makes its save a 409 saying so, nothing saved; the same page is
    refused again, and after a reload the save goes through. "Add a rule" without JavaScript keeps
    the page's version, not the current one."""
    hybrid(project)
    client.force_login(people["lead"])
    url = reverse("project-routing", args=[project.pk])
    mine = rule_rows({**SELF_HOSTED, "share_percent": "100"})
    opened = as_sent(client, url, mine)
    routing_rules_replace(project=project, actor=people["lead2"], rules=[{**TO_API, "share_percent": 100}])
    theirs = state(project)
    added_row = client.post(url, opened | {"add_row": "1"})
    assert added_row.status_code == 200
    assert f'name="edited_version" value="{opened["edited_version"]}"' in added_row.content.decode()
    for _ in range(2):
        refused = client.post(url, opened)
        assert refused.status_code == 409
        assert STALE_EDIT in refused.content.decode()
        assert state(project) == theirs
    without_version = {key: value for key, value in opened.items() if key != "edited_version"}
    assert client.post(url, without_version).status_code == 409
    assert client.post(url, as_sent(client, url, mine)).status_code == 302
    assert AuditEvent.objects.filter(action="routing.replaced").count() == 2


def test_add_a_rule_returns_one_more_row_for_htmx(client, project, people):
    hybrid(project)
    client.force_login(people["lead"])
    response = client.get(reverse("project-routing-row", args=[project.pk, 3]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<legend>Rule 4</legend>" in body
    assert 'name="rules-3-share_percent"' in body
    assert 'name="rules-3-DELETE"' not in body
    assert re.search(r'name="rules-TOTAL_FORMS" value="4"[^>]*hx-swap-oob="true"', body)
    assert f'hx-get="{reverse("project-routing-row", args=[project.pk, 4])}"' in body
    last = client.get(reverse("project-routing-row", args=[project.pk, 29])).content.decode()
    assert "at most 30 rules" in last
    assert client.get(reverse("project-routing-row", args=[project.pk, 30])).status_code == 400


def test_add_a_rule_without_javascript_keeps_the_rows_and_saves_nothing(client, project, people):
    hybrid(project)
    client.force_login(people["lead"])
    before = state(project)
    response = client.post(
        reverse("project-routing", args=[project.pk]),
        rule_rows({**SELF_HOSTED, "share_percent": "70"}, {}, total=2) | {"add_row": "1"},
    )
    body = response.content.decode()
    assert 'name="rules-TOTAL_FORMS" value="3"' in body
    assert 'name="rules-0-share_percent" value="70"' in body
    assert 'name="rules-2-share_percent"' in body
    assert state(project) == before


@pytest.mark.parametrize("total", ["\u00b2", "\u0663", "99999999999999999999999", "-1", ""])
def test_add_a_rule_with_a_row_count_that_is_no_number_saves_nothing_and_answers(client, project, people, total):
    """The form's row count is a hidden field a browser sends back as it was drawn; anything else
    ("²", an Arabic-Indic digit, a number past any integer) is the formset's to refuse, never a 500."""
    hybrid(project)
    client.force_login(people["lead"])
    before = state(project)
    data = rule_rows({**SELF_HOSTED, "share_percent": "70"}) | {"rules-TOTAL_FORMS": total, "add_row": "1"}
    response = client.post(reverse("project-routing", args=[project.pk]), data)
    assert response.status_code == 200
    assert state(project) == before


@pytest.mark.parametrize("who", ["approver", "viewer", "admin"])
def test_readers_may_not_edit_routing_rules(client, project, people, who):
    hybrid(project)
    client.force_login(people[who])
    url = reverse("project-routing", args=[project.pk])
    assert url not in page(client, project)
    before = state(project)
    assert client.get(url).status_code == 403
    assert client.get(reverse("project-routing-row", args=[project.pk, 1])).status_code == 403
    assert client.post(url, rule_rows({**TO_API, "share_percent": "100"})).status_code == 403
    assert state(project) == before


# --- Another tenant ---------------------------------------------------------------------------


def test_another_tenants_project_is_not_found_on_any_deployment_page(client, people):
    other = hybrid(ProjectFactory(tenant=TenantFactory(slug="initech")))
    CustomerCloudEnvironmentFactory(project=other, tenant=other.tenant)
    before = state(other)
    for who in ("lead", "approver", "outsider"):
        client.force_login(people[who])
        for name in ("project-deployment-model", "project-environment", "project-routing"):
            assert client.get(reverse(name, args=[other.pk])).status_code == 404
            assert client.post(reverse(name, args=[other.pk]), FACTS).status_code == 404
        assert client.get(reverse("project-routing-row", args=[other.pk, 1])).status_code == 404
        assert client.post(reverse("project-sign-off", args=[other.pk, "access_pattern"])).status_code == 404
    assert state(other) == before


# --- Query counts -----------------------------------------------------------------------------


def _grow(project, count):
    """``count`` routing rules sharing 100% (their number is what the pages must not count by)."""
    shares = [D(100) / count] * count
    shares[-1] = D(100) - sum(shares[:-1])
    rules = [{**TO_API, "share_percent": share.quantize(D("0.01"))} for share in shares]
    rules[-1]["share_percent"] = D(100) - sum(rule["share_percent"] for rule in rules[:-1])
    routing_rules_replace(project=project, actor=User.objects.get(username="lead"), rules=rules)


@pytest.mark.parametrize(
    ("name", "who"),
    [
        ("project-detail", "lead"),
        ("project-detail", "approver"),
        ("project-deployment-model", "lead"),
        ("project-environment", "lead"),
        ("project-routing", "lead"),
    ],
)
def test_pages_run_as_many_queries_with_many_rules_as_with_few(client, project, people, name, who):
    hybrid(customer_cloud(project, people, **{**FACTS, "regions": ["eu-west-1"], "residency_regions": ["EU"]}))
    environment_sign_off(project=project, actor=people["admin"], kind="access_pattern")
    client.force_login(people[who])
    url = reverse(name, args=[project.pk])
    _grow(project, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _grow(project, 12)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    if name in ("project-detail", "project-routing"):
        assert response.content.decode().count("openai:gpt-4o-mini") >= 12


def test_the_project_page_reads_the_environment_once_with_who_signed_it(client, project, people):
    customer_cloud(project, people, **{**FACTS, "regions": ["eu-west-1"], "residency_regions": ["EU"]})
    environment_sign_off(project=project, actor=people["admin"], kind="access_pattern")
    client.force_login(people["lead"])
    with CaptureQueriesContext(connection) as queries:
        body = page(client, project)
    table = CustomerCloudEnvironment._meta.db_table
    # Read with the project, not again by the deployment section.
    assert len([query for query in queries.captured_queries if table in query["sql"]]) == 1
    assert f"Signed by {people['admin']}" in body
