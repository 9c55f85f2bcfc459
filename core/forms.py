"""Form helpers that every room's pages share."""


def show_service_errors(form, error) -> None:
    """Show a service's ``ValidationError`` on the fields it names, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)
