"""Posting an edit form as a browser does: with the version of what it edits that the page carries
(``core.forms.VersionedEditForm``)."""

import re

from core.forms import VERSION_FIELD, version_of

_VERSION_INPUT = re.compile(rf'<input type="hidden" name="((?:[\w-]+-)?{VERSION_FIELD})" value="([^"]*)"')


def page_version(response) -> dict:
    """The version field of the edit form on a page, as its name and value."""
    found = _VERSION_INPUT.search(response.content.decode())
    assert found, "the page's edit form carries no version"
    return {found[1]: found[2]}


def as_sent(client, address, data, **headers) -> dict:
    """``data`` with the version the edit form at ``address`` carries now, as a browser sends it back."""
    return {**data, **page_version(client.get(address, headers=headers))}


def versioned(data, *objects, prefix="") -> dict:
    """``data`` with the version of ``objects`` as stored now, as their edit page would carry it."""
    stored = [type(obj)._base_manager.filter(pk=obj.pk).first() if obj is not None else None for obj in objects]
    name = f"{prefix}-{VERSION_FIELD}" if prefix else VERSION_FIELD
    return {**data, name: version_of(*stored)}
