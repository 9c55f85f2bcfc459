"""Text PostgreSQL can store: no NUL character (refused in text and JSON), no lone UTF-16 surrogate
(cannot be encoded). One rule for every door text comes in by: the API's parsers, pagination and
request middleware (``api.text``, ``api.middleware``) and the pages' form bodies
(``core.form_bodies``)."""


def unstorable_reason(text: str) -> str | None:
    """Why PostgreSQL cannot store ``text`` (None if it can)."""
    if "\x00" in text:
        return "The NUL character (\\u0000) is not allowed."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Lone UTF-16 surrogates (such as \\ud800) are not allowed: send valid Unicode."
    return None
