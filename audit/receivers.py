"""Sign-ins, failed sign-ins and sign-outs in the audit log (platform events: no tenant)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.services import audit_record


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def audit_sign_in(sender, request, user, **kwargs):
    audit_record(action="auth.signed_in", obj=user, actor=user, after={"address": _address(request)})


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def audit_sign_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="auth.signed_out", obj=user, actor=user)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failure")
def audit_sign_in_failure(sender, credentials, request=None, **kwargs):
    """A failure against a known account is recorded on that account; unknown names only in the lock-out log."""
    User = get_user_model()
    username = credentials.get(User.USERNAME_FIELD) or credentials.get("username")
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    if user is not None:
        audit_record(action="auth.sign_in_failed", obj=user, after={"address": _address(request)})
