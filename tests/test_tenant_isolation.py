"""Another tenant's object is 404 on every URL the platform has, for every role.

Every URL pattern that takes an object in its path must be listed in ``OBJECT_URLS``; the
first test fails when a new one is added without being covered here.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from tests.factories import ProjectFactory, TenantFactory, member

pytestmark = pytest.mark.django_db

# URL name -> the path arguments that point at an object of the *other* tenant.
OBJECT_URLS = {
    "tenant-detail": lambda other: {"slug": other["tenant"].slug},
    "project-detail": lambda other: {"pk": other["project"].pk},
    "project-profile": lambda other: {"pk": other["project"].pk},
    "project-evaluate": lambda other: {"pk": other["project"].pk},
    "project-promotion": lambda other: {"pk": other["project"].pk},
    "decide": lambda other: {"pk": other["request"].pk, "verdict": "approve"},
    "job-status": lambda other: {"pk": other["job"].pk},
    "project-stage-move": lambda other: {"pk": other["project"].pk, "move": "pause"},
}
#: Views that only answer POST (a GET is a 405 for every id, so it reveals nothing either).
POST_ONLY = {"project-evaluate", "project-promotion", "decide", "project-stage-move"}
# Namespaces whose URLs are not the product's own pages (operators' admin is staff-only).
OUT_OF_SCOPE_NAMESPACES = {"admin"}


def _named_patterns(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner in OUT_OF_SCOPE_NAMESPACES or str(entry.pattern).startswith("api/"):
                continue  # the API has its own walk over the OpenAPI schema (tests/api)
            yield from _named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name and not str(entry.pattern).startswith("api/"):
            yield entry


def test_every_url_with_an_object_in_its_path_is_covered():
    with_arguments = {pattern.name for pattern in _named_patterns() if pattern.pattern.regex.groupindex}
    assert with_arguments == set(OBJECT_URLS)


@pytest.fixture
def two_tenants():
    from assessments.jobs import job_request
    from assessments.models import Job
    from assessments.tasks import run_assessment
    from projects.services.approvals import approval_request_create

    result = {}
    for slug, name, project_name in (
        ("mine", "Mine", "Our project"),
        ("theirs", "Theirs Secret Client", "Their secret project"),
    ):
        tenant = TenantFactory(slug=slug, name=name)
        project = ProjectFactory(tenant=tenant, name=project_name)
        lead = member(tenant, Role.DELIVERY_LEAD, username=f"{slug}-lead")
        result[slug] = {
            "tenant": tenant,
            "project": project,
            "request": approval_request_create(project=ProjectFactory(tenant=tenant), actor=lead),
            "job": job_request(kind=Job.Kind.ASSESSMENT, task=run_assessment, project=project),
        }
    return result


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("url_name", sorted(OBJECT_URLS))
def test_another_tenants_object_is_404(client, two_tenants, role, url_name):
    client.force_login(member(two_tenants["mine"]["tenant"], role))
    other_url = reverse(url_name, kwargs=OBJECT_URLS[url_name](two_tenants["theirs"]))
    own_url = reverse(url_name, kwargs=OBJECT_URLS[url_name](two_tenants["mine"]))

    method = client.post if url_name in POST_ONLY else client.get
    assert method(other_url).status_code == 404
    assert method(own_url).status_code in {200, 302, 403}


@pytest.mark.parametrize("role", list(Role))
def test_pages_without_object_never_show_another_tenant(client, two_tenants, role):
    client.force_login(member(two_tenants["mine"]["tenant"], role))
    for pattern in _named_patterns():
        if pattern.pattern.regex.groupindex or pattern.name in {"logout"}:
            continue
        response = client.get(reverse(pattern.name), follow=True)
        assert response.status_code in {200, 403}, pattern.name
        body = response.content.decode()
        assert "Their secret project" not in body
        assert "Theirs Secret Client" not in body
