"""Deciding with the facts in view: the decision summary in the inbox and on the project page,
Approve / Reject on the project page, decisions told in sentences, the decided tab, a lead's own
requests and a platform admin's freeze override, in the browser's pages and the API."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import ProjectStanding
from assessments.services.assessments import assessments_run
from projects.models import ApprovalRequest, FreezeWindow, Project, Stage
from projects.services.approvals import approval_decide, approval_request_create
from projects.services.policies import freeze_window_save, policy_save
from tenancy.models import Role
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def two_approvals(tenant, people):
    policy_save(
        tenant=tenant,
        actor=people["admin"],
        eligible_roles=[Role.CUSTOMER_APPROVER, Role.CUSTOMER_ADMIN],
        required_approvals=2,
    )


@pytest.fixture
def asked(project, people, tenant):
    two_approvals(tenant, people)
    tenant.time_zone = "Europe/London"
    tenant.save()
    return approval_request_create(project=project, actor=people["lead"], note="Pilot users are waiting")


def test_the_inbox_card_tells_the_approver_what_they_decide(client, asked, people, project):
    client.force_login(people["approver"])
    page = text(client.get(reverse("inbox")))
    assert "From Discovery to Proof of concept" in page
    assert "A managed application that the delivery organisation runs" in page
    assert "0 of 2 approvals" in page
    assert "(Europe/London)" in page
    assert f"Asked by {people['lead']}" in page
    assert "“Pilot users are waiting”" in page


def test_the_summary_says_what_changed_since_the_request(client, project, people, tenant):
    assessments_run([project.pk])  # blocked for proof of concept: the classification is missing
    request = approval_request_create(project=project, actor=people["lead"])
    ApprovalRequest.objects.filter(pk=request.pk).update(
        snapshot={**request.snapshot, "assessment": {"status": "at_risk"}, "estimate": {"chosen_monthly": "1000.00"}}
    )
    ProjectStanding.objects.filter(project=project).update(chosen_monthly=Decimal("1180.00"))
    client.force_login(people["approver"])
    page = text(client.get(reverse("inbox")))
    assert "When asked: readiness At risk, $1,000.00 a month." in page
    assert "readiness was At risk, now Blocked" in page
    assert "cost +18% ($1,000.00 → $1,180.00 a month)" in page
    assert "Blocked for Proof of concept" in page
    assert "Data classified: no evidence recorded" in page


def test_an_approver_decides_on_the_project_page_and_comes_back_to_it(client, asked, people, project):
    client.force_login(people["approver"])
    url = reverse("project-detail", args=[project.pk])
    page = text(client.get(url))
    assert 'id="pending-request"' in page
    assert reverse("decide", args=[asked.pk, "approve"]) in page
    response = client.post(reverse("decide", args=[asked.pk, "approve"]), {"comment": "", "next": url})
    assert response.url == url
    page = text(client.get(url))
    assert f"{people['approver']} (client side) approved" in page
    assert "1 of 2 approvals" in page
    assert reverse("decide", args=[asked.pk, "approve"]) not in page  # decided once


@pytest.mark.parametrize("who", ["lead", "viewer", "engineer"])
def test_people_who_may_not_decide_get_no_buttons(client, asked, people, project, who):
    client.force_login(people[who])
    page = text(client.get(reverse("project-detail", args=[project.pk])))
    assert 'id="pending-request"' in page
    assert reverse("decide", args=[asked.pk, "approve"]) not in page


def test_a_rejection_is_told_with_its_comment_and_credited_rightly(client, asked, people, project):
    approval_decide(request=asked, actor=people["approver"], verdict="reject", comment="DPIA missing")
    client.force_login(people["lead"])
    page = text(client.get(reverse("project-detail", args=[project.pk])))
    assert f"{people['approver']} (client side) rejected on" in page
    assert "“DPIA missing”" in page
    assert f"{people['lead']} asked to move {project.name} from Discovery to Proof of concept" in page
    assert "approval.rejected" not in page.split("Approval requests")[1].split("Stage history")[0]


def test_the_stage_history_credits_the_note_to_the_requester(client, project, people):
    request = approval_request_create(project=project, actor=people["lead"], note="Workshop done")
    approval_decide(request=request, actor=people["approver"], verdict="approve")
    client.force_login(people["lead"])
    page = text(client.get(reverse("project-detail", args=[project.pk])))
    history = page.split('id="history-heading"')[1]
    assert (
        f"Moved from Discovery to Proof of concept on the approval of {people['approver']}, "
        f"at {people['lead']}'s request: “Workshop done”."
    ) in history.replace("&#x27;", "'")


def test_the_decided_tab_and_my_requests(client, asked, people, project, tenant):
    approval_decide(request=asked, actor=people["approver"], verdict="reject", comment="Not yet")
    other = approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])
    client.force_login(people["approver"])
    decided = text(client.get(reverse("inbox"), {"tab": "decided"}))
    assert "Not yet" in decided
    assert f'id="request-{other.pk}"' not in decided
    client.force_login(people["lead"])
    mine = text(client.get(reverse("my-requests")))
    assert f'id="request-{asked.pk}"' in mine
    assert f'id="request-{other.pk}"' in mine
    rejected = text(client.get(reverse("my-requests"), {"status": "rejected"}))
    assert f'id="request-{asked.pk}"' in rejected
    assert f'id="request-{other.pk}"' not in rejected
    client.force_login(people["lead2"])
    assert "You have not asked for a promotion yet" in text(client.get(reverse("my-requests")))


def test_a_platform_admin_overrides_a_freeze_from_the_project_page(client, project, people, tenant):
    now = timezone.now()
    freeze_window_save(
        tenant=tenant,
        actor=people["admin"],
        name="Year-end freeze",
        kind=FreezeWindow.Kind.ONE_OFF,
        starts_on=now - datetime.timedelta(hours=1),
        ends_on=now + datetime.timedelta(hours=1),
    )
    Project.objects.filter(pk=project.pk).update(stage=Stage.PILOT)
    request = approval_request_create(project=project, actor=people["lead"])
    url = reverse("project-detail", args=[project.pk])
    client.force_login(people["lead"])
    assert "Override a change freeze" not in text(client.get(url))
    refused = client.post(reverse("freeze-override", args=[request.pk]), {"reason": "urgent", "next": url})
    assert refused.url == url
    client.force_login(people["platform"])
    assert "Override a change freeze" in text(client.get(url))
    client.post(reverse("freeze-override", args=[request.pk]), {"reason": " ", "next": url})
    request.refresh_from_db()
    assert request.freeze_override_by is None
    client.post(reverse("freeze-override", args=[request.pk]), {"reason": "Security fix must ship", "next": url})
    request.refresh_from_db()
    assert request.freeze_override_by == people["platform"]
    page = text(client.get(url))
    assert f"{people['platform']} let it through the change freeze: “Security fix must ship”" in page
    summary = page.split("Waiting for approval")[1]
    assert f"{people['platform']} let this request through a change freeze: “Security fix must ship”." in summary


def test_the_freeze_override_through_the_api(api, project, people, tenant):
    Project.objects.filter(pk=project.pk).update(stage=Stage.PILOT)
    request = approval_request_create(project=project, actor=people["lead"])
    url = f"/api/v1/approval-requests/{request.pk}/freeze-override/"
    refused = api(people["lead"]).post(url, {"reason": "urgent"}, format="json")
    assert refused.status_code == 403
    assert "platform admin" in refused.json()["error"]["message"]
    blank = api(people["platform"]).post(url, {"reason": ""}, format="json")
    assert blank.status_code == 400
    assert [field["field"] for field in blank.json()["error"]["fields"]] == ["reason"]
    done = api(people["platform"]).post(url, {"reason": "Security fix must ship"}, format="json")
    assert done.status_code == 200
    assert (done.json()["freeze_override_by"], done.json()["freeze_override_reason"]) == (
        "platform",
        "Security fix must ship",
    )
    assert done.json()["summary"]["freeze"] == (
        f"{people['platform']} let this request through a change freeze: “Security fix must ship”"
    )
    assert api(people["lead"]).get(f"/api/v1/approval-requests/{request.pk}/").json()["summary"]["freeze"]
    assert api(people["outsider"]).post(url, {"reason": "x"}, format="json").status_code == 404


def test_the_inbox_and_project_page_queries_do_not_grow(client, project, people, tenant):
    two_approvals(tenant, people)
    url = reverse("project-detail", args=[project.pk])

    def counts():
        client.force_login(people["approver"])
        client.get(reverse("inbox"))
        client.get(url)
        with CaptureQueriesContext(connection) as inbox:
            client.get(reverse("inbox"))
        with CaptureQueriesContext(connection) as page:
            client.get(url)
        return len(inbox), len(page)

    request = approval_request_create(project=project, actor=people["lead"])
    approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])
    few = counts()
    approval_decide(request=request, actor=people["admin"], verdict="approve")
    for _ in range(4):
        approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])
    older = ApprovalRequest.objects.create(
        tenant=tenant,
        project=project,
        from_stage="discovery",
        target_stage="proof_of_concept",
        requested_by=people["lead"],
        status=ApprovalRequest.Status.REJECTED,
        snapshot={},
        policy=request.policy,
        expires_at=timezone.now(),
    )
    assert older.pk
    assert counts() == few


def test_the_timeline_tells_what_happened_in_sentences(client, asked, people, project):
    from assessments.services.gates import evidence_record
    from audit.models import AuditEvent
    from audit.sentences import describe

    evidence_record(project=project, actor=people["lead"], item="monitoring", note="Grafana board")
    approval_decide(request=asked, actor=people["approver"], verdict="reject", comment="DPIA missing")
    client.force_login(people["lead"])
    timeline = text(client.get(reverse("project-detail", args=[project.pk]))).split('id="timeline-heading"')[1]
    timeline = timeline.split("</section>")[0]
    assert f"{people['approver']} (client side) rejected the move to Proof of concept: “DPIA missing”." in timeline
    assert f"{people['lead']} recorded evidence for “Monitoring in place”: “Grafana board”." in timeline
    assert (
        f"{people['lead']} asked to move the project from Discovery to Proof of concept: “Pilot users are waiting”."
        in timeline
    )
    assert "(Europe/London)" in timeline
    for event in AuditEvent.objects.filter(project_id=project.pk):
        assert event.action not in describe(event), event.action
    assert "approval." not in timeline
    assert "gate." not in timeline


def test_a_ticketing_tool_reads_the_same_summary(api, asked, people, tenant, django_assert_max_num_queries):
    tool = api(people["approver"], scopes=("read",))
    one = tool.get(f"/api/v1/approval-requests/{asked.pk}/").json()["summary"]
    assert one["move"] == "From Discovery to Proof of concept"
    assert one["progress"] == ["0 of 2 approvals"]
    assert one["asked"].startswith(f"Asked by {people['lead']} on ")
    listed = tool.get("/api/v1/approval-requests/").json()["results"]
    assert [item["summary"] for item in listed if item["id"] == asked.pk] == [one]

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert tool.get("/api/v1/approval-requests/").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(5):
        approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])
    assert queries() == few


def test_the_inbox_pages_its_requests_and_says_how_many_wait(client, people, tenant):
    for _ in range(27):
        approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])
    client.force_login(people["approver"])
    first = text(client.get(reverse("inbox")))
    assert "27 requests wait for your decision, those that expire soonest first." in first
    assert first.count('class="card" id="request-') == 25
    assert "Page 1 of 2" in first
    second = text(client.get(reverse("inbox"), {"page": 2}))
    assert second.count('class="card" id="request-') == 2
    assert "Page 2 of 2" in second
    shown = set(re.findall(r'id="request-(\d+)"', first)) | set(re.findall(r'id="request-(\d+)"', second))
    assert len(shown) == 27, "every waiting request on one page or the other"
    client.force_login(people["lead"])
    assert "Nothing is waiting for your decision" in text(client.get(reverse("inbox")))


def test_the_inbox_counts_one_request_in_the_singular(client, asked, people):
    client.force_login(people["approver"])
    assert "1 request waits for your decision" in text(client.get(reverse("inbox")))
