"""Everything a person can do in the browser, a tool can do through the API (issue 16).

``BROWSER_ACTIONS`` is the one list: every page that takes a POST, by its URL name, with the API
operations that do the same (through the same service function). Two walks keep it honest:

- every page whose view handles a POST (its code, or a helper of its module it calls, reads the
  request's method or body) and every form's ``action`` in the templates must be in the list, so
  a new browser action cannot be added without saying where its API is;
- every operation the list names must be in the OpenAPI schema, so an API counterpart cannot
  disappear while its page stays.

How it was checked that the test fails: deleting the ``evidence-links`` route from
``projects/api/urls.py`` fails ``test_every_browser_action_has_its_api_operations`` naming
``project-evidence`` and ``POST /api/v1/projects/{project_pk}/evidence-links/``; removing the
``project-tickets`` entry below fails ``test_every_page_that_takes_a_post_is_listed``.
"""

import inspect
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

#: Page (URL name) → the API operations that do what its POST does.
BROWSER_ACTIONS = {
    # Projects
    "project-new": ["POST /api/v1/projects/"],
    "project-edit": ["PATCH /api/v1/projects/{id}/"],
    "project-profile": ["PATCH /api/v1/projects/{id}/"],
    "project-stage-move": [
        "POST /api/v1/projects/{id}/pause/",
        "POST /api/v1/projects/{id}/rollback/",
        "POST /api/v1/projects/{id}/retire/",
    ],
    "project-tickets": ["POST /api/v1/projects/{project_pk}/tickets/"],
    "project-ticket-remove": ["DELETE /api/v1/projects/{project_pk}/tickets/{id}/"],
    "project-evidence": ["POST /api/v1/projects/{project_pk}/evidence-links/"],
    "project-evidence-remove": ["DELETE /api/v1/projects/{project_pk}/evidence-links/{id}/"],
    "project-access": ["POST /api/v1/projects/{id}/access/"],
    "project-access-revoke": [
        "DELETE /api/v1/projects/{id}/access/users/{name}/",
        "DELETE /api/v1/projects/{id}/access/groups/{name}/",
    ],
    # Where it runs
    "project-deployment-model": ["POST /api/v1/projects/{id}/deployment-model/"],
    "project-environment": ["PATCH /api/v1/projects/{id}/environment/"],
    "project-sign-off": ["POST /api/v1/projects/{id}/environment/sign-off/"],
    "project-routing": ["PUT /api/v1/projects/{id}/routing-rules/"],
    # Readiness and costs
    "project-evaluate": [
        "POST /api/v1/projects/{project_pk}/assessments/",
        "POST /api/v1/projects/{project_pk}/cost-estimates/",
    ],
    "project-cost-plan": ["PATCH /api/v1/projects/{project_pk}/cost-plan/"],
    "gate-evidence-record": ["POST /api/v1/projects/{project_pk}/evidence/"],
    "gate-evidence-accept": ["POST /api/v1/projects/{project_pk}/evidence/{id}/accept/"],
    "gate-evidence-withdraw": ["POST /api/v1/projects/{project_pk}/evidence/{id}/withdraw/"],
    # Approvals
    "project-promotion": ["POST /api/v1/approval-requests/"],
    "decide": ["POST /api/v1/approval-requests/{id}/approve/", "POST /api/v1/approval-requests/{id}/reject/"],
    "freeze-override": ["POST /api/v1/approval-requests/{id}/freeze-override/"],
    # A client's settings
    "settings-members": ["POST /api/v1/tenants/{slug}/members/"],
    "settings-member-change": ["PATCH /api/v1/tenants/{slug}/members/{username}/"],
    "settings-member-remove": ["DELETE /api/v1/tenants/{slug}/members/{username}/"],
    "settings-service-accounts": ["POST /api/v1/tenants/{slug}/service-accounts/"],
    "settings-token-new": ["POST /api/v1/tenants/{slug}/service-accounts/{username}/tokens/"],
    "settings-token-revoke": ["DELETE /api/v1/tenants/{slug}/tokens/{id}/"],
    "settings-policy-new": ["POST /api/v1/approval-policies/"],
    "settings-policy-edit": ["PATCH /api/v1/approval-policies/{id}/"],
    "settings-policy-delete": ["DELETE /api/v1/approval-policies/{id}/"],
    "settings-freeze-new": ["POST /api/v1/freeze-windows/"],
    "settings-freeze-edit": ["PATCH /api/v1/freeze-windows/{id}/"],
    "settings-freeze-delete": ["DELETE /api/v1/freeze-windows/{id}/"],
    "settings-webhook-new": ["POST /api/v1/webhooks/"],
    "settings-webhook-edit": ["PATCH /api/v1/webhooks/{id}/"],
    "settings-webhook-delete": ["DELETE /api/v1/webhooks/{id}/"],
    "settings-webhook-rotate": ["POST /api/v1/webhooks/{id}/rotate-secret/"],
    "settings-delivery-redeliver": ["POST /api/v1/webhook-deliveries/{id}/redeliver/"],
    "settings-cost-defaults": ["PATCH /api/v1/tenants/{slug}/cost-defaults/"],
    # One's own
    "notification-read": ["POST /api/v1/notifications/{id}/read/"],
    "notifications-read-all": ["POST /api/v1/notifications/read-all/"],
    "personal-settings": ["PATCH /api/v1/me/notification-settings/"],
    # The catalog (platform admins)
    "catalog-certifications": ["POST /api/v1/certifications/"],
    "catalog-certification-remove": ["DELETE /api/v1/certifications/{id}/"],
    "catalog-import": ["POST /api/v1/price-imports/"],
}

#: Pages that take a POST with no API counterpart, and why.
NOT_API_ACTIONS = {
    "login": "signing in to the browser; a tool authenticates with a token (POST /api/v1/auth/tokens/)",
    "logout": "signing out of the browser",
}

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def page_patterns():
    """(URL name, view) of every page: the URL patterns outside the API, the admin and the schema."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern

    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith(("api/", "admin/", "health/")) or hasattr(pattern.callback, "cls"):
            continue
        yield pattern.name, pattern.callback


def handles_post(view, depth=2) -> bool:
    """Whether ``view``, or a function of its module it calls (``depth`` calls deep), reads a POST."""
    function = inspect.unwrap(view)
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return False
    if re.search(r"POST\b", source):  # request.POST, method == "POST", @require_POST
        return True
    if depth == 0:
        return False
    called = {getattr(function, "__globals__", {}).get(name) for name in re.findall(r"\b(\w+)\(", source)}
    return any(inspect.isfunction(f) and f is not function and handles_post(f, depth - 1) for f in called)


def test_every_page_that_takes_a_post_is_listed():
    posting = {name for name, view in page_patterns() if handles_post(view)}
    assert "project-evidence" in posting  # the walk finds what it should
    assert "settings-member-remove" in posting  # also through the shared confirmation page
    unlisted = posting - set(BROWSER_ACTIONS) - set(NOT_API_ACTIONS)
    assert not unlisted, f"browser actions with no API counterpart listed: {sorted(unlisted)}"
    stale = set(BROWSER_ACTIONS) - posting
    assert not stale, f"listed pages that take no POST: {sorted(stale)}"


def test_every_form_posts_to_a_listed_page():
    actions = set()
    for template in TEMPLATES.rglob("*.html"):
        for form in re.findall(r"<form\b[^>]*>", template.read_text()):
            if re.search(r'method="post"', form, re.I):
                actions.update(re.findall(r"action=\"\{% url '([\w-]+)'", form))
    assert "project-tickets" in actions
    assert actions - set(BROWSER_ACTIONS) - set(NOT_API_ACTIONS) == set()


@pytest.mark.django_db
def test_every_browser_action_has_its_api_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item}
    missing = {
        page: [operation for operation in wanted if operation not in operations]
        for page, wanted in BROWSER_ACTIONS.items()
        if any(operation not in operations for operation in wanted)
    }
    assert not missing, f"browser actions whose API operations are missing from the schema: {missing}"
