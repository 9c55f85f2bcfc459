"""Signals the project services send, so that other apps can react without the services knowing them."""

from django.dispatch import Signal

#: Sent (with ``project_id``) after a change that can alter a project's assessment or cost estimate.
project_inputs_changed = Signal()
