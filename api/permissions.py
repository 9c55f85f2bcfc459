"""Token scopes: read for safe methods, write for changes, approve for approval decisions.

Scopes only narrow what the person or service account may do: the permission service
(``tenancy.access``) still decides what they may see and change.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import ApiToken


class PlatformAdminOnly(BasePermission):
    """Only platform admins, for every method (the platform's catalog work): anyone else signed
    in is a 403 whatever the object, which therefore reveals nothing."""

    message = "Only platform admins may do this."

    def has_permission(self, request, view):
        return bool(getattr(request.user, "is_platform_admin", False))


class TokenScope(BasePermission):
    message = "This token's scopes do not allow this request."

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True  # a browser session carries the person's full rights
        needed = getattr(view, "required_scope", None) or (
            ApiToken.Scope.READ if request.method in SAFE_METHODS else ApiToken.Scope.WRITE
        )
        if callable(needed):
            needed = needed(request)
        return needed in token.scopes


def approve_scope_on_post(request) -> str:
    """The scope of an action whose POST is the client's word (an approval decision, a sign-off):
    ``approve``; reading it needs ``read`` (for a view's ``required_scope``)."""
    return ApiToken.Scope.APPROVE if request.method == "POST" else ApiToken.Scope.READ
