"""The changes feed (``updated_since`` on a list, api/feeds.py): a tool polling for what changed
sees every change once, in order, across pages and polls, while people go on writing."""

import datetime
import threading

import pytest
from django.db import connection, transaction

from projects.models import ApprovalRequest, Project
from projects.services.approvals import approval_decide, approval_request_create
from projects.services.projects import ticket_link, ticket_unlink
from tests.factories import ProjectFactory, TenantFactory

pytestmark = pytest.mark.django_db

EPOCH = "2000-01-01T00:00:00Z"


def poll(client, path, since):
    """One poll as a tool does it: every page of the window, then the window's end."""
    seen, url = [], f"{path}?updated_since={since}&page_size=2"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += body["results"]
        url = body["next"]
        until = body["changes_until"]
        assert body["previous"] is None
    return seen, until.replace("+00:00", "Z")


def touch(project, name):
    project.name = name
    project.save(update_fields=["name", "updated_at"])


def test_pages_come_oldest_change_first_and_the_next_poll_starts_where_the_last_ended(api, tenant, people):
    projects = ProjectFactory.create_batch(5, tenant=tenant)
    ProjectFactory(tenant=TenantFactory(slug="elsewhere"))  # another client's: never listed
    client = api(people["viewer"])

    seen, until = poll(client, "/api/v1/projects/", EPOCH)
    assert [p["id"] for p in seen] == [p.pk for p in projects]  # created in this order
    assert [p["updated_at"] for p in seen] == sorted(p["updated_at"] for p in seen)

    again, until_again = poll(client, "/api/v1/projects/", until)
    assert again == []  # nothing changed since: nothing repeated
    touch(projects[1], "Renamed")
    touch(projects[3], "Renamed too")
    changed, _ = poll(client, "/api/v1/projects/", until_again)
    assert [p["id"] for p in changed] == [projects[1].pk, projects[3].pk]
    assert changed[0]["name"] == "Renamed"


def test_a_feed_ignores_ordering_and_keeps_its_window_in_the_next_link(api, tenant, people):
    ProjectFactory.create_batch(3, tenant=tenant)
    body = api(people["viewer"]).get(f"/api/v1/projects/?updated_since={EPOCH}&page_size=1&ordering=-name").json()
    assert "updated_before=" in body["next"]
    assert [p["id"] for p in body["results"]] == [Project.objects.order_by("updated_at", "pk")[0].pk]


def test_bad_feed_input_is_a_400_naming_the_field_and_a_forged_cursor_a_404(api, tenant, people):
    client = api(people["viewer"])
    response = client.get("/api/v1/projects/?updated_since=yesterday&updated_before=2000-01-01T00:00:00")
    assert response.status_code == 400
    assert {item["field"] for item in response.json()["error"]["fields"]} == {"updated_since", "updated_before"}
    for cursor in ["bm9wZQ", "MjAyNi0xMi0wMXwx", "!!", "MjAyNi0xMi0wMVQwMDowMDowMCswMDowMHwtNQ"]:
        forged = client.get(f"/api/v1/projects/?updated_since={EPOCH}&cursor={cursor}")
        assert forged.status_code == 404, cursor


def test_approval_requests_are_listed_again_when_decided(api, tenant, people, project):
    client = api(people["lead"])
    request = approval_request_create(project=project, actor=people["lead"])
    seen, until = poll(client, "/api/v1/approval-requests/", EPOCH)
    assert [(r["id"], r["status"]) for r in seen] == [(request.pk, "pending")]

    approval_decide(request=request, actor=people["approver"], verdict="approve", comment="Fine by us.")
    seen, _ = poll(client, "/api/v1/approval-requests/", until)
    assert [r["id"] for r in seen] == [request.pk]
    assert ApprovalRequest.objects.get(pk=request.pk).updated_at > datetime.datetime.fromisoformat(until)


def test_the_audit_log_is_the_feed_of_every_change_deletions_included(api, tenant, people, project):
    client = api(people["admin"])
    _, until = poll(client, "/api/v1/audit-events/", EPOCH)
    link = ticket_link(project=project, actor=people["lead"], system="jira", key="AI-7")
    ticket_unlink(ticket=link, actor=people["lead"])
    seen, _ = poll(client, "/api/v1/audit-events/", until)
    assert [event["action"] for event in seen][-2:] == ["ticket.linked", "ticket.unlinked"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_committed_late_is_not_missed(api, tenant, people):
    """A write's row carries the time it was made, but shows when its transaction commits. A tool
    that polled between the two, and saw a later change already committed, would pass its time
    and never list the first: the window ends before the oldest transaction still writing."""
    early, late = ProjectFactory(tenant=tenant), ProjectFactory(tenant=tenant)
    client = api(people["viewer"])
    _, since = poll(client, "/api/v1/projects/", EPOCH)
    written, release = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                touch(Project.objects.get(pk=early.pk), "Written first, committed last")
                written.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert written.wait(timeout=30)
    touch(Project.objects.get(pk=late.pk), "Written second, committed first")

    during, since_during = poll(client, "/api/v1/projects/", since)
    assert during == []  # the late change waits for the open transaction's window to settle
    release.set()
    writer.join(timeout=30)
    after, _ = poll(client, "/api/v1/projects/", since_during)
    assert [p["name"] for p in after] == ["Written first, committed last", "Written second, committed first"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_polling_while_people_write_sees_every_last_change_once(api, tenant, people):
    projects = ProjectFactory.create_batch(6, tenant=tenant)
    client = api(people["viewer"])
    _, since = poll(client, "/api/v1/projects/", EPOCH)
    errors = []

    def writer(share):
        try:
            for round_ in range(15):
                for project in share:
                    with transaction.atomic():
                        touch(Project.objects.select_for_update().get(pk=project.pk), f"{project.pk} round {round_}")
        except Exception as error:  # reported below: a thread's failure must fail the test
            errors.append(error)
        finally:
            connection.close()

    writers = [threading.Thread(target=writer, args=(projects[i::2],)) for i in range(2)]
    for thread in writers:
        thread.start()
    versions = []
    while any(thread.is_alive() for thread in writers):
        seen, since = poll(client, "/api/v1/projects/", since)
        versions += [(p["id"], p["updated_at"]) for p in seen]
    for thread in writers:
        thread.join()
    seen, _ = poll(client, "/api/v1/projects/", since)
    versions += [(p["id"], p["updated_at"]) for p in seen]

    assert not errors
    assert len(versions) == len(set(versions)), "a version was listed twice"
    last_seen = {}
    for pk, updated_at in versions:
        last_seen[pk] = updated_at
    final = {
        p.pk: p.updated_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
        for p in Project.objects.filter(pk__in=[p.pk for p in projects])
    }
    assert last_seen == final  # every project's last change reached the tool
