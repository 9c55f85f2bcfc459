"""The caller's notifications over the API: their own only, the unread filter, marking read."""

import pytest

from notifications.models import Kind, Notification
from projects.services.approvals import approval_decide, approval_request_create
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def notified(tenant, project, people):
    """A request rejected (its requester is told; its notice to the approvers is settled, read), then
    three requests waiting for the client's approvers."""
    request = approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead2"])
    approval_decide(request=request, actor=people["approver2"], verdict="reject", comment="Not now")
    approval_request_create(project=project, actor=people["lead"])
    for _ in range(2):
        approval_request_create(project=ProjectFactory(tenant=tenant), actor=people["lead"])
    return people


def test_the_list_is_the_callers_own_newest_first(api, notified):
    response = api(notified["approver"]).get("/api/v1/notifications/")
    assert response.status_code == 200
    results = response.json()["results"]
    mine = Notification.objects.filter(recipient=notified["approver"]).order_by("-pk")
    assert [item["id"] for item in results] == [notification.pk for notification in mine]
    assert len(results) == 4
    first = results[0]
    assert set(first) == {
        "id",
        "kind",
        "tenant",
        "project",
        "subject",
        "sentence",
        "detail",
        "link",
        "unread",
        "created_at",
        "read_at",
    }
    assert (first["kind"], first["tenant"], first["unread"], first["read_at"]) == (
        Kind.APPROVAL_WAITING,
        "acme",
        True,
        None,
    )
    assert first["created_at"].endswith(("Z", "+00:00"))  # ISO 8601 with its offset
    requester = api(notified["lead2"]).get("/api/v1/notifications/").json()["results"]
    assert [item["kind"] for item in requester] == [Kind.APPROVAL_REJECTED]
    assert "“Not now”" in requester[0]["sentence"]
    assert api(notified["outsider"]).get("/api/v1/notifications/").json()["results"] == []


def test_read_one_then_filter_unread_then_read_all(api, notified):
    client = api(notified["approver"])
    settled = Notification.objects.get(recipient=notified["approver"], read_at__isnull=False)  # the closed request
    one = Notification.objects.filter(recipient=notified["approver"], read_at=None).order_by("pk").first()
    response = client.post(f"/api/v1/notifications/{one.pk}/read/")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["unread"]) == (one.pk, False)
    assert response.json()["read_at"] is not None
    again = client.post(f"/api/v1/notifications/{one.pk}/read/")
    assert again.json()["read_at"] == response.json()["read_at"]  # unchanged
    unread = client.get("/api/v1/notifications/?unread=true").json()["results"]
    assert one.pk not in [item["id"] for item in unread]
    assert len(unread) == 2
    read = client.get("/api/v1/notifications/?unread=false").json()["results"]
    assert [item["id"] for item in read] == [one.pk, settled.pk]
    marked = client.post("/api/v1/notifications/read-all/")
    assert (marked.status_code, marked.json()) == (200, {"marked": 2})
    assert client.get("/api/v1/notifications/?unread=true").json()["results"] == []
    assert Notification.objects.filter(recipient=notified["approver2"], read_at=None).count() == 3  # theirs untouched


def test_another_persons_notification_is_404_like_an_unknown_one(api, notified):
    theirs = Notification.objects.filter(recipient=notified["approver2"], read_at=None).first()
    client = api(notified["approver"])
    for path in (f"/api/v1/notifications/{theirs.pk}/", f"/api/v1/notifications/{theirs.pk}/read/"):
        method = client.post if path.endswith("read/") else client.get
        response = method(path)
        unknown = method(path.replace(str(theirs.pk), "999999"))
        assert response.status_code == unknown.status_code == 404
        assert response.json() == unknown.json()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_bad_filter_is_400_naming_it(api, notified):
    response = api(notified["approver"]).get("/api/v1/notifications/?unread=perhaps")
    assert response.status_code == 400
    assert "unread" in [item["field"] for item in response.json()["error"]["fields"]]
    response = api(notified["approver"]).get("/api/v1/notifications/?kind=gossip")
    assert response.status_code == 400
    assert "kind" in [item["field"] for item in response.json()["error"]["fields"]]


def test_marking_read_needs_a_token_that_may_write(api, notified):
    one = Notification.objects.filter(recipient=notified["approver"]).first()
    reader = api(notified["approver"], scopes=("read",))
    assert reader.get("/api/v1/notifications/").status_code == 200
    assert reader.post(f"/api/v1/notifications/{one.pk}/read/").status_code == 403
    assert reader.post("/api/v1/notifications/read-all/").status_code == 403


def test_the_service_refuses_someone_elses_notification_as_not_found(notified):
    from django.http import Http404

    from notifications.services import notification_read

    theirs = Notification.objects.filter(recipient=notified["approver2"], read_at=None).first()
    with pytest.raises(Http404):
        notification_read(notification=theirs, user=notified["approver"])
    theirs.refresh_from_db()
    assert theirs.read_at is None
