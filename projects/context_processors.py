from django.db.models import Exists
from django.utils.functional import SimpleLazyObject

from accounts.access import Action
from accounts.models import User
from projects.selectors import tenant_list


def navigation(request):
    """What the navigation may offer: links to what the person cannot do are left out."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Both flags come from one query, run only if the page asks for one of them.
    rights = SimpleLazyObject(
        lambda: (
            User.objects.filter(pk=user.pk)
            .annotate(
                create_projects=Exists(tenant_list(user=user, action=Action.CHANGE)),
                manage_tenants=Exists(tenant_list(user=user, action=Action.MANAGE)),
            )
            .values("create_projects", "manage_tenants")
            .first()
            or {"create_projects": False, "manage_tenants": False}
        )
    )
    return {
        "can_create_projects": SimpleLazyObject(lambda: rights["create_projects"]),
        "can_manage_tenants": SimpleLazyObject(lambda: rights["manage_tenants"]),
    }
