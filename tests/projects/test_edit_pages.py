"""The project's edit page and its evidence and ticket forms, through the browser's pages.

Each write is checked in the database and the audit log; each refusal is checked to change nothing.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from core.forms import VERSION_FIELD
from projects.models import EvidenceLink, HostingApproach, TicketReference
from projects.services.projects import evidence_add, project_access_grant, ticket_link
from tenancy.models import Role
from tests.edit_forms import versioned
from tests.factories import MembershipFactory, ProjectFactory, TenantFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def page(client, project):
    return client.get(reverse("project-detail", args=[project.pk])).content.decode()


def row(project):
    project.refresh_from_db()
    return (project.name, project.code, project.description, project.delivery_lead_id, project.hosting_approach)


def edit_data(project, **changes):
    data = {
        "name": project.name,
        "code": project.code,
        "description": project.description,
        "delivery_lead": project.delivery_lead_id or "",
        "workload_type": project.workload_type,
        "hosting_approach": project.hosting_approach,
    }
    return versioned(data | changes, project)


def error_of(body, field_id):
    """The error text shown for ``field_id``, which the input must point to with aria-describedby."""
    match = re.search(rf'id="{field_id}_error">(.*?)</div>', body, re.S)
    assert match, f"no error shown for {field_id}"
    assert re.search(rf'<[^>]+id="{field_id}"[^>]*aria-describedby="[^"]*{field_id}_error', body) or re.search(
        rf'<[^>]+aria-describedby="[^"]*{field_id}_error[^>]*id="{field_id}"', body
    ), f"{field_id} is not tied to its error"
    return re.sub(r"<[^>]+>", " ", match[1])


# --- Edit the project -------------------------------------------------------------------------


def test_lead_edits_the_project_through_the_service(client, project, people):
    client.force_login(people["lead"])
    assert f'href="{reverse("project-edit", args=[project.pk])}"' in page(client, project)
    assert client.get(reverse("project-edit", args=[project.pk])).status_code == 200

    response = client.post(
        reverse("project-edit", args=[project.pk]),
        edit_data(
            project,
            name="Claims triage",
            code="ACME-CLM",
            description="Sorts incoming claims",
            delivery_lead=people["lead2"].pk,
            hosting_approach=HostingApproach.HYBRID,
        ),
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("project-detail", args=[project.pk])
    assert "ACME-CLM saved." in response.content.decode()
    assert row(project) == ("Claims triage", "ACME-CLM", "Sorts incoming claims", people["lead2"].pk, "hybrid")
    event = AuditEvent.objects.get(action="project.updated")
    assert event.after["name"] == "Claims triage"
    assert event.actor_id == people["lead"].pk


def test_an_unchanged_form_records_nothing(client, project, people):
    client.force_login(people["lead"])
    response = client.post(reverse("project-edit", args=[project.pk]), edit_data(project), follow=True)
    assert "Nothing changed." in response.content.decode()
    assert not AuditEvent.objects.filter(action="project.updated").exists()


def test_a_bad_code_is_shown_on_its_field_and_changes_nothing(client, project, people):
    client.force_login(people["lead"])
    before = row(project)
    response = client.post(
        reverse("project-edit", args=[project.pk]), edit_data(project, name="New name", code="lower case")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "capital letters" in error_of(body, "id_code")
    assert 'aria-invalid="true"' in body
    assert "One thing to fix" in body
    assert row(project) == before
    assert not AuditEvent.objects.filter(action="project.updated").exists()


def test_a_code_another_project_has_is_refused_and_changes_nothing(client, tenant, project, people):
    ProjectFactory(tenant=tenant, code="TAKEN")
    client.force_login(people["lead"])
    before = row(project)
    response = client.post(reverse("project-edit", args=[project.pk]), edit_data(project, code="TAKEN"))
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["This client has a project TAKEN already: choose another code."]
    assert "This client has a project TAKEN already" in response.content.decode()
    assert row(project) == before


def test_the_lead_is_chosen_among_the_clients_delivery_leads(client, tenant, project, people):
    narrowed = UserFactory(username="narrowed-lead")
    MembershipFactory(tenant=tenant, user=narrowed, role=Role.DELIVERY_LEAD, all_projects=False)
    granted = UserFactory(username="granted-lead")
    project_access_grant(project=project, user=granted, role=Role.DELIVERY_LEAD)
    bot = member(tenant, Role.DELIVERY_LEAD, username="bot", kind=User.Kind.SERVICE_ACCOUNT)
    client.force_login(people["lead"])

    choices = client.get(reverse("project-edit", args=[project.pk])).context["form"].fields["delivery_lead"].queryset
    assert {user.username for user in choices} == {"lead", "lead2", "granted-lead"}

    before = row(project)
    for someone in (people["engineer"], people["approver"], people["outsider"], narrowed, bot):
        response = client.post(reverse("project-edit", args=[project.pk]), edit_data(project, delivery_lead=someone.pk))
        assert "Select a valid choice" in error_of(response.content.decode(), "id_delivery_lead")
    assert row(project) == before


def test_an_engineer_edits_only_the_hosting(client, project, people):
    client.force_login(people["engineer"])
    assert f'href="{reverse("project-edit", args=[project.pk])}"' in page(client, project)
    form = client.get(reverse("project-edit", args=[project.pk])).context["form"]
    assert list(form.fields) == ["hosting_approach", VERSION_FIELD]

    client.post(
        reverse("project-edit", args=[project.pk]),
        versioned({"hosting_approach": "hybrid", "name": "Renamed"}, project),
    )

    assert row(project)[0] != "Renamed"
    assert row(project)[4] == "hybrid"


@pytest.mark.parametrize("who", ["viewer", "approver", "admin"])
def test_roles_that_may_not_edit_get_no_link_and_a_403(client, project, people, who):
    client.force_login(people[who])
    body = page(client, project)
    for name in ("project-edit", "project-evidence", "project-tickets"):
        assert reverse(name, args=[project.pk]) not in body
    assert "Add evidence" not in body
    before = row(project)
    assert client.get(reverse("project-edit", args=[project.pk])).status_code == 403
    assert client.post(reverse("project-edit", args=[project.pk]), edit_data(project, name="x")).status_code == 403
    assert row(project) == before


def test_another_tenants_project_is_not_found(client, project, people):
    other = ProjectFactory(tenant=TenantFactory(slug="initech"))
    client.force_login(people["lead"])
    for name in ("project-edit", "project-evidence", "project-tickets"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
    client.force_login(people["outsider"])
    assert client.get(reverse("project-edit", args=[project.pk])).status_code == 404
    assert client.post(reverse("project-edit", args=[project.pk]), edit_data(project, name="x")).status_code == 404


# --- Evidence and tickets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "summary", "button"),
    [("project-evidence", "card-evidence-add", "Add evidence"), ("project-tickets", "card-ticket-add", "Link ticket")],
)
def test_the_cards_forms_are_loaded_when_opened_and_reached_without_javascript(
    client, project, people, name, summary, button
):
    """The card draws no form: opening "Add evidence" or "Link a ticket" loads it (htmx), labelled
    by what was opened; without JavaScript the same place links to the evidence page."""
    client.force_login(people["engineer"])
    url = reverse(name, args=[project.pk])
    body = page(client, project)
    assert f'hx-get="{url}" hx-trigger="toggle once"' in body
    assert f'<a href="{url}">' in body
    assert f'action="{url}"' not in body

    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert f'action="{url}"' in html
    assert f'aria-labelledby="{summary}"' in html
    assert f">{button}</button>" in html
    assert "<html" not in html
    assert "<html" in client.get(url).content.decode()  # the evidence page, for a browser without htmx


def test_a_reader_who_may_not_add_evidence_cannot_load_its_form(client, project, people):
    client.force_login(people["viewer"])
    for name in ("project-evidence", "project-tickets"):
        assert client.get(reverse(name, args=[project.pk]), headers={"HX-Request": "true"}).status_code == 403


def test_evidence_is_added_from_the_card_shown_and_removed(client, project, people):
    client.force_login(people["engineer"])
    body = page(client, project)
    assert f'hx-get="{reverse("project-evidence", args=[project.pk])}"' in body
    assert "No evidence linked yet." in body

    response = client.post(
        reverse("project-evidence", args=[project.pk]),
        {
            "evidence-kind": "case_study",
            "evidence-title": "Claims case study",
            "evidence-url": "https://example.com/claims",
        },
        follow=True,
    )

    assert "Evidence added: Claims case study." in response.content.decode()
    link = EvidenceLink.objects.get(project=project)
    assert (link.kind, link.url, link.tenant_id) == ("case_study", "https://example.com/claims", project.tenant_id)
    assert AuditEvent.objects.filter(action="evidence.added").count() == 1
    body = page(client, project)
    assert '<a href="https://example.com/claims"' in body
    remove = reverse("project-evidence-remove", args=[project.pk, link.pk])
    assert f'action="{remove}"' in body

    client.post(remove)
    assert not EvidenceLink.objects.exists()
    assert AuditEvent.objects.filter(action="evidence.removed").count() == 1


def test_bad_evidence_is_shown_on_its_fields_and_adds_nothing(client, project, people):
    client.force_login(people["lead"])
    response = client.post(
        reverse("project-evidence", args=[project.pk]),
        {"evidence-kind": "press", "evidence-title": "", "evidence-url": "not a link"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "required" in error_of(body, "id_evidence-title")
    assert "valid URL" in error_of(body, "id_evidence-url")
    assert not EvidenceLink.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence.added").exists()


def test_a_ticket_is_linked_shown_and_unlinked(client, project, people):
    client.force_login(people["lead"])
    response = client.post(
        reverse("project-tickets", args=[project.pk]),
        {"ticket-system": "jira", "ticket-key": " OPS-7 ", "ticket-url": "https://jira.example.com/browse/OPS-7"},
        follow=True,
    )
    assert "Ticket linked: Jira OPS-7." in response.content.decode()
    ticket = TicketReference.objects.get(project=project)
    assert ticket.key == "OPS-7"
    body = page(client, project)
    assert "OPS-7</a>" in body

    client.post(reverse("project-ticket-remove", args=[project.pk, ticket.pk]))
    assert not TicketReference.objects.exists()
    assert AuditEvent.objects.filter(action="ticket.unlinked").count() == 1


def test_a_ticket_key_the_client_already_uses_is_refused(client, tenant, project, people):
    other = ProjectFactory(tenant=tenant, code="OTHER-1", name="Claims bot")
    ticket_link(project=other, actor=people["lead"], system="jira", key="OPS-7")
    client.force_login(people["lead"])
    # The same key in another case is the same ticket.
    response = client.post(
        reverse("project-tickets", args=[project.pk]), {"ticket-system": "jira", "ticket-key": "ops-7"}
    )
    assert response.status_code == 200
    message = "OPS-7 is linked to project OTHER-1 — Claims bot already: choose another ticket."
    assert response.context["ticket_form"].errors["key"] == [message]
    assert message in error_of(response.content.decode(), "id_ticket-key")
    assert TicketReference.objects.count() == 1
    assert AuditEvent.objects.filter(action="ticket.linked").count() == 1


def test_a_ticket_key_used_on_a_project_the_person_cannot_see_names_nothing(client, tenant, project, people):
    hidden = ProjectFactory(tenant=tenant, code="HIDDEN-1", name="Secret merger")
    ticket_link(project=hidden, actor=people["lead"], system="jira", key="OPS-7")
    narrowed = UserFactory(username="narrowed")
    MembershipFactory(tenant=tenant, user=narrowed, role=Role.ENGINEER, all_projects=False)
    project_access_grant(project=project, user=narrowed, role=Role.ENGINEER)
    client.force_login(narrowed)
    response = client.post(
        reverse("project-tickets", args=[project.pk]), {"ticket-system": "jira", "ticket-key": "OPS-7"}
    )
    assert response.status_code == 200
    assert response.context["ticket_form"].errors["key"] == ["This value cannot be used here: choose another."]
    body = response.content.decode()
    assert "HIDDEN-1" not in body
    assert "Secret merger" not in body
    assert TicketReference.objects.count() == 1


def test_a_blank_ticket_key_is_shown_on_its_field(client, project, people):
    client.force_login(people["lead"])
    response = client.post(reverse("project-tickets", args=[project.pk]), {"ticket-system": "jira", "ticket-key": ""})
    assert "required" in error_of(response.content.decode(), "id_ticket-key")
    assert not TicketReference.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "approver"])
def test_readers_see_evidence_but_may_not_add_or_remove_it(client, project, people, who):
    link = evidence_add(project=project, actor=people["lead"], kind="press", title="Launch article")
    ticket = ticket_link(project=project, actor=people["lead"], system="jira", key="OPS-1")
    client.force_login(people[who])
    body = page(client, project)
    assert "Launch article" in body
    assert "OPS-1" in body
    assert reverse("project-evidence-remove", args=[project.pk, link.pk]) not in body
    assert reverse("project-ticket-remove", args=[project.pk, ticket.pk]) not in body

    evidence = {"evidence-kind": "press", "evidence-title": "More"}
    assert client.post(reverse("project-evidence", args=[project.pk]), evidence).status_code == 403
    tickets = {"ticket-system": "jira", "ticket-key": "OPS-2"}
    assert client.post(reverse("project-tickets", args=[project.pk]), tickets).status_code == 403
    assert client.post(reverse("project-evidence-remove", args=[project.pk, link.pk])).status_code == 403
    assert client.post(reverse("project-ticket-remove", args=[project.pk, ticket.pk])).status_code == 403
    assert list(EvidenceLink.objects.all()) == [link]
    assert list(TicketReference.objects.all()) == [ticket]


def test_evidence_of_another_project_or_tenant_is_not_found(client, tenant, project, people):
    elsewhere = ProjectFactory(tenant=TenantFactory(slug="initech"))
    foreign = evidence_add(project=elsewhere, actor=people["platform"], kind="press", title="Foreign")
    foreign_ticket = ticket_link(project=elsewhere, actor=people["platform"], system="jira", key="INI-1")
    sibling = evidence_add(project=ProjectFactory(tenant=tenant), actor=people["lead"], kind="press", title="Sibling")
    client.force_login(people["lead"])
    # Through our own project's address, another project's rows do not exist.
    assert client.post(reverse("project-evidence-remove", args=[project.pk, foreign.pk])).status_code == 404
    assert client.post(reverse("project-evidence-remove", args=[project.pk, sibling.pk])).status_code == 404
    assert client.post(reverse("project-ticket-remove", args=[project.pk, foreign_ticket.pk])).status_code == 404
    assert client.post(reverse("project-evidence-remove", args=[elsewhere.pk, foreign.pk])).status_code == 404
    evidence = {"evidence-kind": "press", "evidence-title": "Sneaky"}
    assert client.post(reverse("project-evidence", args=[elsewhere.pk]), evidence).status_code == 404
    assert EvidenceLink.objects.count() == 2
    assert TicketReference.objects.count() == 1


def test_remove_buttons_answer_only_post(client, project, people):
    link = evidence_add(project=project, actor=people["lead"], kind="press", title="Launch article")
    client.force_login(people["lead"])
    assert client.get(reverse("project-evidence-remove", args=[project.pk, link.pk])).status_code == 405
    assert EvidenceLink.objects.count() == 1


# --- Query counts -----------------------------------------------------------------------------


def _grow_rows(project, people, start, count):
    for number in range(start, start + count):
        evidence_add(project=project, actor=people["lead"], kind="press", title=f"Article {number}")
        ticket_link(project=project, actor=people["lead"], system="jira", key=f"OPS-{number}")
        member(project.tenant, Role.DELIVERY_LEAD, username=f"extra-lead-{number}")


@pytest.mark.parametrize("name", ["project-detail", "project-edit", "project-evidence"])
def test_pages_run_as_many_queries_with_many_rows_as_with_few(client, project, people, name):
    client.force_login(people["lead"])
    url = reverse(name, args=[project.pk])
    _grow_rows(project, people, 0, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _grow_rows(project, people, 2, 20)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    if name == "project-edit":  # every lead offered: lead, lead2 and the 22 added
        assert len(re.findall(r'<option value="\d+"', body)) == 24
    else:
        assert "Article 21" in body
    assert len(many.captured_queries) == len(few.captured_queries)
