"""What the API renders for a browser offers only what the reader may see.

With the browsable API on (development), every page of it — the forms of its related fields, the
filter forms, the raw-data forms — is walked signed in as another tenant's reader, and no name,
code or username of the foreign tenant may appear. In production (``config.settings.production``)
the API answers JSON only, unless ``API_BROWSABLE`` turns the browsable API on.
"""

import datetime
import json
import re

import pytest
from django.utils.module_loading import import_string
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework.views import APIView

from assessments.jobs import job_request
from assessments.models import Job
from assessments.tasks import run_assessment
from projects.services.approvals import approval_request_create
from projects.services.policies import freeze_window_save, policy_save
from tenancy.models import Role
from tests.factories import ProjectFactory, TenantFactory, member
from tests.test_settings import STRONG_KEY, run

pytestmark = pytest.mark.django_db

#: What of the foreign tenant could leak: its name and slug, its project's code and name, its people.
FOREIGN = ["Meridian Bank", "meridian", "MER-KYC", "KYC document review", "mer-lead", "mer-admin", "mer-approver"]
#: The platform's own work (price imports): no tenant's data, a 403 for every tenant role.
PLATFORM_ONLY = {"/api/v1/price-imports/"}


@pytest.fixture
def foreign():
    """Another client with a project, a request, a job, a policy naming an approver, a freeze window."""
    meridian = TenantFactory(slug="meridian", name="Meridian Bank")
    lead = member(meridian, Role.DELIVERY_LEAD, username="mer-lead")
    admin = member(meridian, Role.CUSTOMER_ADMIN, username="mer-admin")
    approver = member(meridian, Role.CUSTOMER_APPROVER, username="mer-approver")
    project = ProjectFactory(tenant=meridian, code="MER-KYC", name="KYC document review", delivery_lead=lead)
    approval_request_create(project=project, actor=lead)
    job_request(kind=Job.Kind.ASSESSMENT, task=run_assessment, project=project)
    policy_save(tenant=meridian, actor=admin, target_stage="production", eligible_users=[approver])
    freeze_window_save(
        tenant=meridian,
        actor=admin,
        name="Meridian quarter close",
        kind="weekly",
        start_weekday=4,
        start_time=datetime.time(18),
        end_weekday=0,
        end_time=datetime.time(6),
    )
    return meridian


def own_pages(project):
    """Every GET route of the API, with path parameters filled from the reader's own tenant."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    pages = []
    for path, operations in paths.items():
        if "get" not in operations:
            continue
        filled = path.replace("{project_pk}", str(project.pk))
        if re.search(r"{\w+}", filled):
            continue  # one object's page: its forms are the list's, for an object the reader sees
        if filled in PLATFORM_ONLY:
            continue  # refused to every tenant role (below)
        pages.append(filled)
    return pages


def browser(user):
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["viewer", "lead", "admin"])
def test_no_page_of_the_browsable_api_shows_another_tenants_data(people, project, foreign, role):
    client = browser(people[role])
    pages = own_pages(project)
    assert {"/api/v1/approval-requests/", "/api/v1/jobs/", "/api/v1/projects/"} <= set(pages)
    for page in pages:
        response = client.get(page, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, (page, response.status_code)
        html = response.getvalue().decode()
        if not response["Content-Type"].startswith("text/csv"):  # the audit export is CSV whatever is asked
            assert response["Content-Type"].startswith("text/html"), page
            assert "<form" in html, page  # the forms are rendered, and scoped
        leaked = [word for word in FOREIGN if re.search(rf"\b{re.escape(word)}\b", html)]
        assert not leaked, f"{page} shows {leaked} to {role}"


@pytest.mark.parametrize("role", ["viewer", "lead", "admin"])
def test_the_platforms_pages_are_refused_to_every_tenant_role(people, role):
    client = browser(people[role])
    for page in PLATFORM_ONLY:
        assert client.get(page, HTTP_ACCEPT="text/html").status_code == 403, page


def test_the_forms_still_offer_what_the_reader_may_see(people, project, foreign):
    """Scoped, not emptied: the jobs filter offers the reader's own project."""
    html = browser(people["viewer"]).get("/api/v1/jobs/", HTTP_ACCEPT="text/html").content.decode()
    assert str(project) in html


def test_a_lead_sees_only_the_clients_he_leads(people, project, foreign, tenant):
    """A delivery lead of one client and not of another: the other client's project is absent."""
    lead = people["lead"]
    other_client = TenantFactory(slug="northwind", name="Northwind Health")
    ProjectFactory(tenant=other_client, code="NW-TRIAGE", name="Triage assistant")
    html = browser(lead).get("/api/v1/approval-requests/", HTTP_ACCEPT="text/html").content.decode()
    assert "NW-TRIAGE" not in html
    assert "Northwind Health" not in html
    assert tenant.name in html


# --- Production: JSON only -------------------------------------------------------------------

PRODUCTION_ENV = {
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "stagegate.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/stagegate",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
RENDERERS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps(settings.REST_FRAMEWORK.get("DEFAULT_RENDERER_CLASSES")))
"""


def production_renderers(**env):
    result = run(["-c", RENDERERS], "config.settings.production", **PRODUCTION_ENV, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_serves_json_only_unless_told_otherwise():
    assert production_renderers() == ["api.renderers.JSONRenderer"]
    assert "rest_framework.renderers.BrowsableAPIRenderer" in production_renderers(API_BROWSABLE="true")


def test_with_the_production_renderers_a_browser_gets_json_not_a_form(people, project, foreign, monkeypatch):
    # DRF reads DEFAULT_RENDERER_CLASSES once, into APIView, when it is imported: set them as
    # production's settings module does, for this test only.
    monkeypatch.setattr(APIView, "renderer_classes", [import_string(path) for path in production_renderers()])
    client = browser(people["viewer"])
    for page in own_pages(project):
        response = client.get(page, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
        assert response.status_code == 200, page
        if page.endswith("/export/"):
            continue  # CSV, not HTML either
        assert response["Content-Type"] == "application/json", page
        assert b"<form" not in response.content
    strictly_html = client.get("/api/v1/approval-requests/", HTTP_ACCEPT="text/html")
    assert strictly_html.status_code == 406
    assert strictly_html["Content-Type"] == "application/json"
    assert strictly_html.json()["error"]["status"] == 406


# --- The class, not the instance -------------------------------------------------------------


def api_views():
    """Every view class behind the API's routes."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
                yield pattern.callback.cls

    views = {view for view in walk(get_resolver().url_patterns) if view.__module__.split(".")[1:2] == ["api"]}
    assert len(views) >= 10
    return views


def test_every_writable_relation_and_filter_of_the_api_is_scoped_to_the_reader():
    """A related field or a filter over a model offers and accepts only what restrict() allows:
    writable relations are VisibleRelatedField, model filters take a queryset callable (the request)."""
    from django_filters.filters import QuerySetRequestMixin
    from django_filters.filterset import filterset_factory
    from rest_framework.relations import ManyRelatedField, RelatedField

    from api.references import VisibleRelatedField

    unscoped = []
    for view in api_views():
        serializer_class = getattr(view, "serializer_class", None)
        if serializer_class is not None:
            for name, field in serializer_class().fields.items():
                field = field.child_relation if isinstance(field, ManyRelatedField) else field
                if (
                    isinstance(field, RelatedField)
                    and not field.read_only
                    and not isinstance(field, VisibleRelatedField)
                ):
                    unscoped.append(f"{serializer_class.__name__}.{name}")
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is None and getattr(view, "filterset_fields", None):
            filterset_class = filterset_factory(view.queryset.model, fields=view.filterset_fields)
        if filterset_class is not None:
            for name, declared in filterset_class.base_filters.items():
                if isinstance(declared, QuerySetRequestMixin) and not callable(declared.queryset):
                    unscoped.append(f"{filterset_class.__name__}.{name}")
    assert unscoped == []
