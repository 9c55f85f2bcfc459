"""The stage-gate loop in a real browser, as new users meet it: no shell, no admin page.

A delivery lead creates a project and records the evidence its next stage needs; the client's admin
accepts it; readiness becomes Ready; the lead asks for the move under the client's policy (readiness
gate on, two approvals); both approvers are told by email (a real SMTP server on this machine) and
in the app; one approves on the project page, the other in the inbox; the project moves, the lead
hears of it, and the project page tells the story in sentences. A second walk: a rejection with a
comment reaches the lead by email and on the page.

With Redis the emails go out from a real Celery worker after each commit; without it, in process.
"""

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from accounts.models import User
from assessments.catalog import prices_import, reference_catalog_load
from projects.models import Project, Stage
from projects.services.approvals import approval_request_create
from projects.services.policies import policy_save
from projects.services.projects import project_create
from tenancy.models import Role
from tests.factories import TenantFactory, member
from tests.notifications.smtp import SmtpServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp():
    with SmtpServer() as server, override_settings(**server.settings()):
        yield server


@pytest.fixture
def lotus():
    """A client whose policy wants the readiness gate and two of its approvers, and its people."""
    reference_catalog_load()
    prices_import(prices={"openai:gpt-4o-mini": (0.15, 0.075, 0.6)}, source="test")
    tenant = TenantFactory(slug="lotus", name="Lotus Soy Drinks")
    people = {
        "lead": member(tenant, Role.DELIVERY_LEAD, username="lead", first_name="Dana", last_name="Okafor"),
        "admin": member(tenant, Role.CUSTOMER_ADMIN, username="lotus-admin", first_name="Mei", last_name="Tan"),
        "first": member(tenant, Role.CUSTOMER_APPROVER, username="priya", first_name="Priya", last_name="Shah"),
        "second": member(tenant, Role.CUSTOMER_APPROVER, username="sam", first_name="Sam", last_name="Lee"),
    }
    for user in people.values():
        user.email = f"{user.username}@lotus.example"
        user.save(update_fields=["email"])
    policy_save(
        tenant=tenant,
        actor=people["admin"],
        required_approvals=2,
        eligible_roles=["customer_approver"],
        readiness_gate_required=True,
    )
    return tenant


def addressed_to(server, address: str) -> list:
    return [
        message
        for message, recipients in zip(server.inbox.messages, server.inbox.recipients, strict=True)
        if address in recipients
    ]


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def bell(page):
    return page.locator("#bell .count")


def test_a_promotion_from_evidence_to_the_new_stage(page_as, live_server, lotus, smtp, worker_if_redis):
    lead = page_as("lead")
    lead.get_by_role("link", name="New project").click()
    lead.get_by_label("Client").select_option(label="Lotus Soy Drinks")
    lead.get_by_label("Name").fill("Festival card generator")
    lead.get_by_label("Code").fill("LOT-FEST")
    lead.get_by_role("button", name="Create project").click()
    expect(lead.get_by_role("heading", name=re.compile("Requirements of Festival card generator"))).to_be_visible()
    lead.get_by_label("Monthly requests").fill("400000")
    lead.get_by_role("button", name="Save requirements").click()
    expect(lead.get_by_role("heading", name="Deployment card")).to_be_visible()
    project = Project.objects.get(code="LOT-FEST")

    # Under the gate, a request is refused while an item is unmet, and the page says which.
    lead.get_by_role("button", name="Run assessment and costs").click()
    expect(lead.get_by_text("Assessment and costs are up to date.")).to_be_visible(timeout=30_000)
    readiness = lead.locator("#readiness")
    expect(readiness).to_contain_text("Blocked for Proof of concept")
    lead.get_by_role("button", name="Request promotion").click()
    expect(lead.get_by_role("alert").or_(lead.locator(".messages"))).to_contain_text("Data classified")

    # The lead records the evidence; it waits for the client.
    row = lead.locator("#gate-data_classified")
    row.get_by_text("Record evidence").click()
    row.get_by_label("What is the evidence?").fill("Classification agreed with Lotus in the 3 November workshop")
    row.get_by_label("Document reference").fill("DPA-4")
    row.get_by_role("button", name="Save evidence").click()
    expect(lead.locator("#gate-data_classified")).to_contain_text("Waiting for the client's acceptance.")
    expect(lead.locator("#readiness")).to_contain_text("Blocked for Proof of concept")

    # The client's admin is told, and accepts it on the project page.
    admin = page_as("lotus-admin")
    expect(bell(admin)).to_have_text("1")
    admin.locator("#bell").click()
    admin.get_by_role("link", name=re.compile("Dana Okafor recorded evidence for “Data classified”")).click()
    admin.get_by_role("button", name="Accept the evidence for Data classified").click()
    expect(admin.locator("#gate-data_classified")).to_contain_text("Accepted by Mei Tan")
    expect(admin.locator("#readiness")).to_contain_text("Ready for Proof of concept")
    smtp.inbox.wait_for(3)  # the client's admin and both approvers may accept it
    assert [m["Subject"] for m in addressed_to(smtp, "lotus-admin@lotus.example")] == [
        "[Stagegate] Evidence to accept: Data classified on Festival card generator"
    ]
    admin.reload()
    expect(bell(admin)).to_have_count(0)  # accepted: the notice no longer waits for anyone

    # Ready: the lead asks for the move.
    lead.reload()
    expect(lead.locator("#readiness")).to_contain_text("Ready for Proof of concept")
    lead.get_by_label("Note to approvers").fill("Ready for a proof of concept")
    lead.get_by_role("button", name="Request promotion").click()
    expect(lead.locator(".pending")).to_contain_text("Proof of concept")
    expect(lead.locator(".pending")).to_contain_text("0 of 2 approvals")

    # Both approvers hear of it, by email and in the app.
    smtp.inbox.wait_for(5)
    for username in ("priya", "sam"):
        evidence, message = addressed_to(smtp, f"{username}@lotus.example")  # they may accept evidence too
        assert evidence["Subject"].startswith("[Stagegate] Evidence to accept")
        assert (
            message["Subject"]
            == "[Stagegate] Approval needed: Festival card generator to Proof of concept (Lotus Soy Drinks)"
        )
        assert "Dana Okafor asked you to approve moving Festival card generator to Proof of concept" in plain(message)
        assert f"/inbox/#request-{project.approval_requests.get().pk}" in plain(message)

    # Priya decides on the project page, with the decision summary in front of her.
    priya = page_as("priya")
    expect(bell(priya)).to_have_text("1")
    priya.goto(f"{live_server.url}/projects/{project.pk}/")
    pending = priya.locator(".pending")
    expect(pending).to_contain_text("Discovery")
    expect(pending).to_contain_text("Ready")
    pending.get_by_label("Comment (needed to reject)").fill("The classification is what we agreed")
    pending.get_by_role("button", name=re.compile("^Approve")).click()
    expect(priya.locator(".pending")).to_contain_text("1 of 2 approvals")

    # Sam decides in the inbox.
    sam = page_as("sam")
    expect(bell(sam)).to_have_text("1")
    sam.get_by_role("link", name="Approval inbox").click()
    card = sam.locator(f"#request-{project.approval_requests.get().pk}")
    expect(card).to_contain_text("Festival card generator")
    expect(card).to_contain_text("1 of 2 approvals")
    card.get_by_role("button", name=re.compile("^Approve")).click()
    expect(sam.get_by_text("You approved moving Festival card generator to Proof of concept.")).to_be_visible()

    project.refresh_from_db()
    assert project.stage == Stage.PROOF_OF_CONCEPT

    # The lead is told, in the app and by email.
    lead.reload()
    expect(bell(lead)).to_have_text("1")
    smtp.inbox.wait_for(6)
    outcome = [m for m in addressed_to(smtp, "lead@lotus.example") if m["Subject"].startswith("[Stagegate] Approved")]
    assert len(outcome) == 1
    assert "approved by Priya Shah and Sam Lee" in plain(outcome[0])

    # The page tells the story in sentences, with names.
    expect(lead.locator(".stage").first).to_have_text("Proof of concept")
    timeline = lead.locator(".timeline")
    expect(timeline).to_contain_text(
        "Dana Okafor asked to move the project from Discovery to Proof of concept: “Ready for a proof of concept”."
    )
    expect(timeline).to_contain_text(
        "Priya Shah (client side) approved the move to Proof of concept: “The classification is what we agreed”."
    )
    expect(timeline).to_contain_text("Sam Lee (client side) approved the move to Proof of concept.")
    expect(timeline).to_contain_text("The project moved from Discovery to Proof of concept with its approval.")
    expect(timeline).not_to_contain_text(re.compile(r"\b(approval|project|gate)\.[a-z_]+"))  # no event codes


def test_a_rejection_reaches_the_lead_by_email_and_on_the_page(page_as, live_server, lotus, smtp, worker_if_redis):
    lead_user = User.objects.get(username="lead")
    project = project_create(tenant=lotus, name="Shelf photo audit", code="LOT-SHELF")
    policy_save(
        tenant=lotus,
        actor=User.objects.get(username="lotus-admin"),
        required_approvals=1,
        eligible_roles=["customer_approver"],
        readiness_gate_required=False,
    )
    request = approval_request_create(project=project, actor=lead_user, note="Let us try it on ten stores")
    smtp.inbox.wait_for(2)

    priya = page_as("priya")
    priya.get_by_role("link", name="Approval inbox").click()
    card = priya.locator(f"#request-{request.pk}")
    expect(card).to_contain_text("Let us try it on ten stores")
    card.get_by_label("Comment (needed to reject)").fill("The DPIA is missing")
    card.get_by_role("button", name=re.compile("^Reject")).click()
    expect(priya.get_by_text("You rejected moving Shelf photo audit to Proof of concept.")).to_be_visible()

    smtp.inbox.wait_for(3)
    (email,) = [m for m in addressed_to(smtp, "lead@lotus.example") if m["Subject"].startswith("[Stagegate] Rejected")]
    assert "Priya Shah rejected moving Shelf photo audit to Proof of concept: “The DPIA is missing”" in plain(email)

    lead = page_as("lead")
    expect(bell(lead)).to_have_text("1")
    lead.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(lead.locator(".timeline")).to_contain_text(
        "Priya Shah (client side) rejected the move to Proof of concept: “The DPIA is missing”."
    )
    expect(lead.locator(".timeline")).to_contain_text("The request was closed as rejected.")
    project.refresh_from_db()
    assert project.stage == Stage.DISCOVERY
