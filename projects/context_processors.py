from django.utils.functional import SimpleLazyObject

from accounts.access import Action
from projects.selectors import tenant_list


def navigation(request):
    """What the navigation may offer: links to what the person cannot do are left out."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_create_projects": SimpleLazyObject(lambda: tenant_list(user=user, action=Action.CHANGE).exists())}
