"""Form helpers that every room's pages share."""

from django.utils.http import url_has_allowed_host_and_scheme


def show_service_errors(form, error) -> None:
    """Show a service's ``ValidationError`` on the fields it names, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def return_address(request, *, default: str) -> str:
    """Where a form asks to go back to (its ``next``): a path on this site, else ``default``.

    Only a path starting with one ``/`` is taken. ``redirect`` reads any other text without a slash
    or a dot as the name of a view (``next=inbox`` or a word typed into the field: a 500 when no
    view has it), and another site's address would send the person away from Stagegate."""
    target = request.POST.get("next", "")
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    ):
        return target
    return default
