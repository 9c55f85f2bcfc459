"""The API's bodies checked for text PostgreSQL cannot store (``core.text``), every field named."""

from rest_framework import exceptions

from core.text import unstorable_reason


def check_storable(data, *, max_depth: int | None = None) -> None:
    """Raise a ValidationError naming every field of ``data`` whose text cannot be stored, or a
    ParseError when it nests deeper than ``max_depth``. Iterative: no recursion on deep input."""
    errors = {}
    stack = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list) and max_depth is not None and depth >= max_depth:
            raise exceptions.ParseError(f"JSON nested deeper than {max_depth} levels is not accepted.")
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                reason = unstorable_reason(key) if isinstance(key, str) else None
                if reason:
                    errors[_printable(child)] = [exceptions.ErrorDetail(f"Field name: {reason}", code="invalid_text")]
                    continue
                stack.append((item, child, depth + 1))
        elif isinstance(value, list):
            stack.extend(
                (item, f"{path}.{index}" if path else str(index), depth + 1) for index, item in enumerate(value)
            )
        elif isinstance(value, str):
            reason = unstorable_reason(value)
            if reason:
                errors[_printable(path) or "non_field_errors"] = [exceptions.ErrorDetail(reason, code="invalid_text")]
    if errors:
        raise exceptions.ValidationError(errors)


def _printable(name: str) -> str:
    """A field name safe to echo back in the error (its own bad characters escaped)."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")
