"""How forms are drawn: each field (its label, help, errors and widget) and Django's own widget
templates through Jinja2, anything else as usual.

A field is drawn from small templates: the product's field group (``forms/field.html``, under
``templates/jinja2/``) and Django's widget templates (``input.html``, ``attrs.html``, one per
option of a select). Through the Django template language each costs a tenth of a millisecond or
more, and a page with a few forms draws dozens: a tenth to a fifth of the project page's time.
Django ships its widget templates for Jinja2 too (``django/forms/jinja2``), which draws them several
times faster, with the same HTML but for blank lines (escaped the Django way). Widgets that exist
only as Django templates (the admin's, django-filter's) fall back to Django's engines, as with
Django's default renderer.

Pages draw a field with ``{{ field.as_field_group }}``.
"""

from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property
from django.utils.html import conditional_escape


class _Jinja2(Jinja2):
    """Django's Jinja2 form templates, and the product's own (``templates/jinja2``) before them."""

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [
                    Path(settings.BASE_DIR) / "templates" / "jinja2",
                    Path(django.forms.__file__).parent / "jinja2",
                ],
                "NAME": "stagegateforms",
                # Escaped as Django escapes (an apostrophe as &#x27;, not Jinja2's &#39;): the same bytes.
                "OPTIONS": {"finalize": conditional_escape},
            }
        )


class WidgetRenderer(BaseRenderer):
    """``FORM_RENDERER``: Jinja2 for the product's field group and Django's own form and widget
    templates, Django templates otherwise."""

    field_template_name = "forms/field.html"

    @cached_property
    def _jinja2(self) -> Jinja2:
        return _Jinja2()

    @cached_property
    def _django(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self._jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
