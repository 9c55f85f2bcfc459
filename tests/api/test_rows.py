"""``api.rows``: a page read as ``.values()`` rows is represented exactly as its instances are."""

import pytest
from django.db.models import Prefetch, Value
from django.db.models.functions import NullIf
from django.utils import timezone

from projects.api.serializers import ProjectListSerializer
from projects.models import Project, TicketReference
from projects.services.projects import ticket_link
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _projects():
    return Project.objects.annotate(readiness_status=NullIf("standing__readiness_status", Value(""))).order_by("-id")


@pytest.mark.parametrize("zone", ["UTC", "Asia/Bangkok", "America/St_Johns"])
def test_rows_and_instances_give_the_same_json_in_any_current_time_zone(tenant, people, zone):
    for n in range(3):
        project = ProjectFactory(tenant=tenant, code=f"ROW-{n}", delivery_lead=people["lead"] if n else None)
        for key in [f"OPS-{n}", f"OPS-{n}0"][:n]:
            ticket_link(project=project, actor=people["lead"], system="jira", key=key)
    instances = (
        _projects()
        .select_related("tenant", "delivery_lead")
        .prefetch_related(Prefetch("tickets", queryset=TicketReference.objects.order_by("pk")))
    )
    rows = _projects().values(*ProjectListSerializer().row_columns())
    with timezone.override(zone):
        from_rows = ProjectListSerializer(rows, many=True).data
        from_instances = ProjectListSerializer(list(instances), many=True).data
    assert from_rows == from_instances
    assert [len(project["tickets"]) for project in from_rows] == [2, 1, 0]
    # In the current time zone, as DRF writes a date-time: "Z" for UTC, the zone's offset otherwise.
    assert from_rows[0]["updated_at"].endswith("Z") == (zone == "UTC")


def _pages_through_the_orm(monkeypatch):
    """Answer every list through the ORM, as before ``list_shape``."""
    from projects.api.views import ProjectViewSet

    monkeypatch.setattr(ProjectViewSet, "list_shape", lambda self: None)


def _cursor(query: str) -> str:
    import base64

    return base64.b64encode(query.encode()).decode()


#: Pages a client may ask for with nothing but the page's parameters: sizes, cursors both ways,
#: positions past either end or beyond any id, offsets, and cursors that are not valid.
PAGE_ONLY = [
    "",
    "?page_size=3",
    "?page_size=0",
    "?page_size=abc",
    "?page_size=500",
    "?page_size=2&page_size=4",
    f"?page_size=2&cursor={_cursor('p=3')}",
    f"?page_size=2&cursor={_cursor('r=1&p=3')}",
    f"?page_size=2&cursor={_cursor('o=1&p=5')}",
    f"?page_size=2&cursor={_cursor('o=2')}",
    f"?cursor={_cursor('p=-5')}",
    f"?cursor={_cursor('p=99999999999999999999999')}",
    f"?cursor={_cursor('r=1&p=-99999999999999999999999')}",
    f"?cursor={_cursor('p=abc')}",
    "?cursor=garbage",
]


def _answers(api, user, queries):
    client = api(user)
    answers = []
    for query in queries:
        response = client.get(f"/api/v1/projects/{query}", HTTP_ACCEPT="application/json")
        answers.append((response.status_code, response.content))
    return answers


def _walk(api, user, page_size):
    """Every page forward from the first, then back: the (status, body) of each."""
    client = api(user)
    answers, url = [], f"/api/v1/projects/?page_size={page_size}"
    for direction in ("next", "previous"):
        while url:
            response = client.get(url, HTTP_ACCEPT="application/json")
            answers.append((response.status_code, response.content))
            url = response.json()[direction]
        url = response.json()["previous"] if direction == "next" else None
    return answers


@pytest.fixture
def portfolio(tenant, people):
    from tests.factories import TenantFactory

    other = TenantFactory(slug="initech")
    for n in range(7):
        project = ProjectFactory(
            tenant=tenant if n % 2 else other, code=f"PG-{n}", delivery_lead=people["lead"] if n % 2 else None
        )
        for key in [f"PG-{n}", f"PG-{n}0"][: n % 3]:
            ticket_link(project=project, actor=people["platform"], system="jira", key=key)
    return people


def test_a_platform_admins_pages_are_the_orms_byte_for_byte(api, portfolio, monkeypatch):
    admin = portfolio["platform"]
    compiled = _answers(api, admin, PAGE_ONLY * 2), _walk(api, admin, 2), _walk(api, admin, 3)
    _pages_through_the_orm(monkeypatch)
    assert (_answers(api, admin, PAGE_ONLY * 2), _walk(api, admin, 2), _walk(api, admin, 3)) == compiled
    assert {status for status, _ in compiled[0]} == {200, 400, 404}  # 400: page sizes 0, abc and 500
    assert len(compiled[1]) > 4  # several pages each way


def test_a_page_only_request_builds_its_queryset_once_per_shape_and_reads_afresh(api, portfolio, tenant):
    from projects.api.views import ProjectViewSet

    built = []
    get_queryset = ProjectViewSet.get_queryset

    def counted(self):
        built.append(self.request.query_params.get("page_size"))
        return get_queryset(self)

    client = api(portfolio["platform"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ProjectViewSet, "get_queryset", counted)
        first = client.get("/api/v1/projects/?page_size=4").json()["results"]
        assert client.get("/api/v1/projects/?page_size=4").json()["results"] == first
        project = ProjectFactory(tenant=tenant, code="PG-NEW")
        again = client.get("/api/v1/projects/?page_size=4").json()["results"]
        client.get("/api/v1/projects/?page_size=5")
        assert built.count("4") <= 1  # built (and compiled) only if this connection had not yet
        assert built.count("5") <= 1
        built.clear()
        client.get("/api/v1/projects/?page_size=4&stage=build")  # a filter: through the ORM
        client.get("/api/v1/projects/?page_size=4&search=PG")
        client.get("/api/v1/projects/?page_size=4&ordering=name")
        assert built == ["4", "4", "4"]
    assert again[0]["id"] == project.pk  # the rows are read each time: only the SQL is kept
    assert again[1:] == first[:3]


@pytest.mark.parametrize("who", ["lead", "viewer", "outsider"])
def test_anyone_else_sees_through_the_orm_what_they_may(api, portfolio, who, monkeypatch):
    from projects.api.views import ProjectViewSet

    shapes = []
    list_shape = ProjectViewSet.list_shape

    def recorded(self):
        shapes.append(list_shape(self))
        return shapes[-1]

    monkeypatch.setattr(ProjectViewSet, "list_shape", recorded)
    answers = _answers(api, portfolio[who], PAGE_ONLY)
    assert set(shapes) == {None}
    monkeypatch.setattr(ProjectViewSet, "list_shape", lambda self: None)
    assert _answers(api, portfolio[who], PAGE_ONLY) == answers


def test_an_admin_whose_account_is_disabled_is_refused_as_before(api, portfolio):
    admin = portfolio["platform"]
    client = api(admin)
    assert client.get("/api/v1/projects/?page_size=2").status_code == 200
    admin.is_active = False
    admin.save(update_fields=["is_active"])
    assert client.get("/api/v1/projects/?page_size=2").status_code == 401


def _drf_and_quick(field, value):
    from api.rows import _quicker

    def answer(represent):
        try:
            result = represent(value)
        except Exception as error:  # the same error, from DRF itself
            return ("raised", type(error), str(error))
        return (type(result), result)

    return answer(field.to_representation), answer(_quicker(field, field.to_representation))


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kathmandu", "America/St_Johns"])
def test_the_quicker_representations_answer_as_drfs_own_fields(zone):
    import datetime
    import enum
    from zoneinfo import ZoneInfo

    from django.utils.safestring import mark_safe
    from rest_framework import serializers

    from api.fields import AwareDateTimeField
    from projects.models import Stage

    class Colour(enum.Enum):
        RED = "red"

    class Count(enum.IntEnum):
        ONE = 1

    class Moment(datetime.datetime):
        pass

    choices = serializers.ChoiceField(choices=[*Stage.choices, (1, "One"), ("red", "Red")])
    moments = []
    for field in (serializers.DateTimeField(), AwareDateTimeField(), serializers.DateTimeField(format="%Y %H:%M")):
        field.timezone = ZoneInfo(zone)
        moments.append(field)
    utc_moment = datetime.datetime(2026, 3, 8, 6, 30, 15, 123456, tzinfo=datetime.UTC)
    values = {
        serializers.CharField(): ["plain", "", "é\u2028", mark_safe("<b>"), 42, Colour.RED],
        serializers.IntegerField(): [7, 0, -3, True, "12", 2.0, Count.ONE, 10**30],
        serializers.BigIntegerField(): [2**62, 5],
        serializers.BigIntegerField(coerce_to_string=True): [2**62, 5],
        choices: ["pilot", "", "not a choice", 1, "1", Colour.RED, Count.ONE, Stage.PILOT, mark_safe("pilot")],
        serializers.ChoiceField(choices=Stage.choices): ["pilot", "", "not a choice", 1, Stage.PILOT, Colour.RED],
        **{
            field: [
                utc_moment,
                utc_moment.astimezone(ZoneInfo("Asia/Bangkok")),
                datetime.datetime(2026, 3, 8, 6, 30),  # naive
                Moment(2026, 1, 1, tzinfo=datetime.UTC),
                datetime.datetime.max.replace(tzinfo=datetime.UTC),  # overflows in a zone ahead of UTC
                datetime.datetime.min.replace(tzinfo=datetime.UTC),
                "2026-01-01T00:00:00Z",
            ]
            for field in moments
        },
    }
    for field, cases in values.items():
        for value in cases:
            drf, quick = _drf_and_quick(field, value)
            assert quick == drf, (type(field).__name__, value)


def test_nested_rows_quicker_as_drfs_list_serializer():
    from api.rows import _quicker
    from projects.api.serializers import TicketSerializer

    field = TicketSerializer(many=True, read_only=True)
    rows = [
        {"id": 1, "system": "jira", "key": "AI-1", "url": "https://x.example/AI-1"},
        {"id": 2, "system": "other", "key": "é", "url": ""},
    ]
    quick = _quicker(field, field.to_representation)
    assert quick(rows) == field.to_representation(rows)
    assert quick([]) == []
    assert quick(tuple(rows)) == field.to_representation(tuple(rows))
