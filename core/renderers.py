"""How form widgets are drawn: Django's own widget templates through Jinja2, the rest as usual.

A widget is drawn from a small template (``input.html``, ``attrs.html``, one per option of a
select). Through the Django template language each costs a tenth of a millisecond or more, and a
page with a few forms draws dozens: about a tenth of the project page's time. Django ships the same
templates for Jinja2 (``django/forms/jinja2``), which draws them several times faster, with the same
HTML but for blank lines. Widgets that exist only as Django templates (the admin's, django-filter's)
fall back to the project's own engines, as with Django's default renderer.
"""

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property


class WidgetRenderer(BaseRenderer):
    """``FORM_RENDERER``: Jinja2 for Django's own form and widget templates, Django templates otherwise."""

    @cached_property
    def _jinja2(self) -> Jinja2:
        return Jinja2()

    @cached_property
    def _django(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self._jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
