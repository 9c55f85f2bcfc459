"""Form helpers that every room's pages share."""

import hashlib
import json

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
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


#: The hidden field an edit form carries: the version of what it edits, as the page showed it.
VERSION_FIELD = "edited_version"
STALE_EDIT = (
    "Someone else changed this after you opened the page: your changes were not saved. "
    "Reload the page to see the current values, then make your change again."
)


def version_of(*objects) -> str:
    """The version of the rows a form edits, as text for the page to carry back.

    A row with ``updated_at`` (every write path moves it: ``core.changes``) is versioned by it to
    the microsecond; a row without one by a digest of its stored fields; a row not yet written,
    or gone, by ``none``."""
    parts = []
    for obj in objects:
        if obj is None or obj.pk is None:
            parts.append("none")
        elif any(field.name == "updated_at" for field in obj._meta.concrete_fields):
            parts.append(obj.updated_at.isoformat(timespec="microseconds"))
        else:
            values = {field.attname: field.value_to_string(obj) for field in obj._meta.concrete_fields}
            parts.append(hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:32])
    return "|".join(parts)


def set_version(rows) -> str:
    """The version of a set of rows a form replaces as a whole (a formset): how many, and each
    one's ``version_of``, in order; a row changed, added or removed by someone else changes it."""
    return f"{len(rows)}:{version_of(*rows)}"


def edit_status(form) -> int:
    """The status of an edit page drawn again: 409 Conflict when its form was refused as stale
    (``VersionedEditForm``), else 200."""
    return 409 if form.is_bound and form.has_error(NON_FIELD_ERRORS, "stale") else 200


_CREATING = object()


def _identity(obj) -> dict | None:
    """How a row not written yet (``obj``, unsaved) is found once someone writes it: by its owner,
    a one-to-one field (a project's environment, a client's cost defaults), else by a unique
    constraint naming a relation (a person's email choice for one kind); None if it names neither."""
    meta = type(obj)._meta
    candidates = [[field] for field in meta.concrete_fields if field.one_to_one and not field.primary_key]
    candidates += [
        [meta.get_field(name) for name in names]
        for names in [*(constraint.fields for constraint in meta.total_unique_constraints), *meta.unique_together]
    ]
    for fields in candidates:
        values = {field.attname: getattr(obj, field.attname) for field in fields}
        if any(field.is_relation for field in fields) and None not in values.values():
            return values
    return None


def _owners(obj) -> list[tuple]:
    """The rows a row not written yet belongs to (those its ``_identity`` points at): model and key."""
    identity = _identity(obj)
    return [
        (field.related_model, identity[field.attname])
        for field in type(obj)._meta.concrete_fields
        if field.is_relation and field.attname in identity
    ]


class VersionedEditForm:
    """A form that changes existing rows (``edited``: one model instance or a tuple of them; a
    ModelForm's own instance when not given; neither: the form creates a row, and checks nothing)
    and refuses to save over a change it did not show.

    It carries ``version_of`` the rows as the page showed them in a hidden field; ``clean`` reads the
    rows again and, if their version differs, or the field is missing (a page from before the field
    existed), the form is invalid with ``STALE_EDIT``, so nothing is saved. Inside a transaction the
    rows are read locked (``select_for_update``): a view that validates and saves in one
    ``transaction.atomic()`` holds them until its save is committed, so two submits of the same
    version cannot both pass.

    A row the page showed as not written yet (a project with no environment or cost plan yet, a
    client with no cost defaults, a person with no email choices) is given unsaved, naming its
    owner by id (``CustomerCloudEnvironment(project_id=project.pk)``: by the object, Django would
    cache the unsaved row as the project's own), never as None: ``clean`` looks it up by its owner
    (``_identity``), so one someone else wrote meanwhile makes the form stale, like a change. The
    owner's row is locked first (the order every service locks in), as a lock on no row holds
    nothing: of two first saves, the second waits, then sees the first's row."""

    def __init__(self, *args, edited=_CREATING, **kwargs):
        super().__init__(*args, **kwargs)
        if edited is _CREATING:
            edited = getattr(self, "instance", None)
            if edited is None or (edited.pk is None and _identity(edited) is None):
                self.edited = None  # the form writes a new row: there is nothing to overwrite
                return
        self.edited = edited if isinstance(edited, tuple) else (edited,)
        for obj in self.edited:
            if obj is None or (obj.pk is None and _identity(obj) is None):
                # Refused when the page is drawn: such a form could not see a row written meanwhile.
                raise ValueError(
                    f"{type(self).__name__} edits {obj!r}: give a row not written yet unsaved, naming its "
                    "owner (e.g. CustomerCloudEnvironment(project_id=project.pk)), not None."
                )
        self.fields[VERSION_FIELD] = forms.CharField(
            widget=forms.HiddenInput, required=False, initial=version_of(*self.edited)
        )

    def clean(self):
        data = super().clean()
        if data is None:
            data = self.cleaned_data
        if self.edited is None:
            return data
        sent = data.pop(VERSION_FIELD, "")
        if sent != version_of(*self._stored()):
            raise forms.ValidationError(STALE_EDIT, code="stale")
        return data

    def _stored(self) -> list:
        """The edited rows as they are now, locked when in a transaction (the owners of those not
        written yet first); None for one not written or gone."""
        locking = transaction.get_connection().in_atomic_block
        if locking:
            owners = dict.fromkeys(owner for obj in self.edited if obj.pk is None for owner in _owners(obj))
            for model, pk in owners:
                list(model._base_manager.select_for_update().filter(pk=pk).values_list("pk", flat=True))
        stored = []
        for obj in self.edited:
            lookup = {"pk": obj.pk} if obj.pk is not None else _identity(obj)
            rows = type(obj)._base_manager.filter(**lookup)
            stored.append((rows.select_for_update() if locking else rows).first())
        return stored
