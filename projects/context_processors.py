from django.utils.functional import SimpleLazyObject

from tenancy.access import Action, reach
from tenancy.models import Tenant

#: The navigation section each page belongs to, by the start of its URL name.
SECTIONS = {
    "home": "portfolio",
    "tenant-detail": "portfolio",
    "inbox": "inbox",
    "decide": "inbox",
    "my-requests": "requests",
    "freeze-override": "projects",
    "project-new": "new",
    "project": "projects",
    "settings": "settings",
    "catalog": "catalog",
}


#: The pages the navigation links to: there it marks the link as the current page, elsewhere in
#: the section as merely current (``aria-current="true"``).
NAV_TARGETS = {"home", "project-list", "inbox", "my-requests", "project-new", "settings", "catalog"}


def section_of(url_name: str | None) -> str:
    for prefix, section in SECTIONS.items():
        if url_name and (url_name == prefix or url_name.startswith(f"{prefix}-")):
            return section
    return ""


def navigation(request):
    """What the navigation may offer: links to what the person cannot do are left out."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    # Both flags at once, worked out only if the page asks for one of them.
    rights = SimpleLazyObject(lambda: _rights(user))
    return {
        "nav_section": section_of(match.url_name if match else None),
        "nav_current": "page" if match and match.url_name in NAV_TARGETS else "true",
        "can_create_projects": SimpleLazyObject(lambda: rights["create_projects"]),
        "can_manage_tenants": SimpleLazyObject(lambda: rights["manage_tenants"]),
    }


def _rights(user) -> dict:
    """Whether ``user`` may create projects for some client, and manage some client: from the
    clients their reach holds (``reach``, read once per request), with no query; for someone who
    reaches every client (a platform admin), whether there is any client, one query."""
    create, manage = reach(user, Tenant, Action.CHANGE), reach(user, Tenant, Action.MANAGE)
    any_client = Tenant.objects.exists() if create.everywhere or manage.everywhere else False
    return {
        "create_projects": any_client if create.everywhere else bool(create.tenant_ids),
        "manage_tenants": any_client if manage.everywhere else bool(manage.tenant_ids),
    }
