"""Form widgets are drawn from Django's Jinja2 templates, with the same HTML as Django's own
renderer but for blank lines, and widgets Django ships only as Django templates still draw."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as Jinja2Template

from core.renderers import WidgetRenderer
from projects.forms import EvidenceForm, TicketForm


class EveryWidget(forms.Form):
    name = forms.CharField(max_length=20, help_text="As the client says it.")
    volume = forms.IntegerField(min_value=1)
    kind = forms.ChoiceField(choices=[("a", "A & B"), ("c", "<C>")])
    sides = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")], widget=forms.CheckboxSelectMultiple)
    agreed = forms.BooleanField()
    note = forms.CharField(widget=forms.Textarea)
    due = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


def test_the_product_draws_widgets_with_the_widget_renderer():
    assert isinstance(get_default_renderer(), WidgetRenderer)


def test_django_widgets_come_from_jinja2_and_the_rest_from_django_templates():
    renderer = WidgetRenderer()
    assert isinstance(renderer.get_template("django/forms/widgets/input.html"), Jinja2Template)
    assert isinstance(renderer.get_template("admin/widgets/related_widget_wrapper.html"), DjangoTemplate)


@pytest.mark.parametrize("form_class", [EveryWidget, EvidenceForm, TicketForm])
@pytest.mark.parametrize("bound", [False, True])
def test_the_html_is_django_s_own_but_for_blank_lines(form_class, bound):
    data = {"name": "x" * 30, "kind": "c", "sides": ["y"], "note": "<b>hi</b>"} if bound else None

    def drawn(renderer):
        form = form_class(data, renderer=renderer)
        return re.sub(r"\s+", " ", "".join(str(field) for field in form)).replace("> <", "><").strip()

    ours, django = drawn(WidgetRenderer()), drawn(DjangoTemplates())
    assert ours == django
    assert "<input" in ours or "<select" in ours
