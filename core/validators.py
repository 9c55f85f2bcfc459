"""Validators that know nothing of the domain: a list of allowed codes, a time-zone name, a whole
number typed into an address; and the renaming of a refusal's fields to where a caller gave them."""

import zoneinfo

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.deconstruct import deconstructible


@deconstructible
class ChoiceListValidator:
    """A JSON list whose every item is one of ``allowed`` (values given, or a TextChoices' values)."""

    def __init__(self, allowed, *, what: str):
        self.allowed = tuple(allowed)
        self.what = what

    def __call__(self, value):
        if not isinstance(value, list):
            raise ValidationError("Give a list of %(what)s.", code="not_a_list", params={"what": self.what})
        unknown = sorted(set(map(str, value)) - set(self.allowed))
        if unknown:
            raise ValidationError(
                "Unknown %(what)s: %(codes)s. Allowed: %(allowed)s.",
                code="unknown_choice",
                params={"what": self.what, "codes": ", ".join(unknown), "allowed": ", ".join(self.allowed)},
            )

    def __eq__(self, other):
        return isinstance(other, ChoiceListValidator) and (self.allowed, self.what) == (other.allowed, other.what)


#: The largest whole number the databases store (ids, offsets and counts are 64-bit integers).
MAX_WHOLE = 2**63 - 1


def whole_number(text: str, *, most: int = MAX_WHOLE) -> int | None:
    """``text`` as a whole number written in ASCII digits, no greater than ``most``; else None.

    ``str.isdigit`` alone also takes "²" or "٣", which ``int`` refuses or reads as another digit, and
    ``int`` alone takes " 1" and "+1": an address's page number, a row's id or a count typed by hand
    is read here, so that anything else is refused the same way, never a 500."""
    if not (text and text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= most else None


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not an IANA time zone name.", code="unknown_time_zone", params={"value": value}
        )


def errors_within(error: ValidationError, name: str, *, outside=frozenset()) -> ValidationError:
    """``error``, about the fields of an object given as ``name`` (a project's ``profile``), with
    each field named ``<name>.<field>``, and an error of the object as a whole named ``name``.
    ``outside``: fields of the caller's own, left as they are. An error of no field is returned
    as it is."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {
            (name if field == NON_FIELD_ERRORS else field if field in outside else f"{name}.{field}"): items
            for field, items in error.error_dict.items()
        }
    )
