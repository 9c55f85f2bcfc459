"""Form widgets and field groups are drawn by Jinja2: Django's widgets with the same HTML as Django's own
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


class Grouped(forms.Form):
    name = forms.CharField(label="Client's name", help_text="As it's <b>written</b>.", max_length=5)
    agreed = forms.BooleanField(label="Agreed")
    side = forms.ChoiceField(label="Side", choices=[("a", "Client's"), ("b", "Delivery")], widget=forms.RadioSelect)


def test_a_field_group_is_the_product_s_field_template_escaped_the_django_way():
    form = Grouped({"name": "O'Brien and co", "side": "a"})
    assert not form.is_valid()
    name, agreed, side = (re.sub(r">\s+<", "><", form[field].as_field_group()) for field in ("name", "agreed", "side"))
    assert name.startswith('<div class="field has-error">')
    assert '<label for="id_name">Client&#x27;s name</label>' in name
    assert 'value="O&#x27;Brien and co"' in name
    assert '<small id="id_name_helptext">As it&#x27;s &lt;b&gt;written&lt;/b&gt;.</small>' in name
    assert '<div class="error" id="id_name_error"><p>' in name
    assert "&#39;" not in name + agreed + side
    assert agreed.startswith('<div class="field check has-error"><input type="checkbox"')
    assert side.startswith('<fieldset class="field choices">')
    assert "<legend>Side</legend>" in side
    assert "checked> Client&#x27;s</label>" in side
