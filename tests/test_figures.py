"""Figures as people read them (core.figures) and the template filters that use them: one format for
money and numbers on every page, chart and sentence."""

from decimal import Decimal as D

import pytest
from django.template import Context, Template

from core.figures import is_number, number, usd, usd_price


@pytest.mark.parametrize(
    ("amount", "cents", "shown"),
    [
        (D("0"), False, "$0"),
        (D("1234567.49"), False, "$1,234,567"),
        (D("1234567.5"), False, "$1,234,568"),  # half up, as people round, not to even
        (D("2.5"), False, "$3"),
        (D("1234.5"), True, "$1,234.50"),
        (D("0.005"), True, "$0.01"),
        (D("-250"), False, "-$250"),
        (D("-0.4"), False, "$0"),  # no "-$0"
        (15000, False, "$15,000"),
        (D("15000.00"), None, "$15,000"),  # cents only where the amount has some
        (D("184.5"), None, "$184.50"),
    ],
)
def test_money_has_a_symbol_thousands_separators_and_cents_where_asked(amount, cents, shown):
    assert usd(amount, cents=cents) == shown


@pytest.mark.parametrize(
    ("price", "shown"),
    [
        (D("10.000000"), "$10.00"),  # not 1E+1, as Decimal.normalize() prints it
        (D("2.5"), "$2.50"),
        (D("0.075"), "$0.075"),
        (D("1.006"), "$1.006"),
        (D("1250"), "$1,250.00"),
        (D("98.32") / 3, "$32.773333"),  # a price that does not end stops at the catalog's six places
    ],
)
def test_a_unit_price_keeps_every_digit_it_has_and_at_least_the_cents(price, shown):
    assert usd_price(price) == shown


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (1250000, None, "1,250,000"),
        (D("2.50000"), None, "2.5"),
        (D("1E+1"), None, "10"),
        (D("600.0"), None, "600"),
        (D("1234.5678"), 2, "1,234.57"),
        (7, 1, "7.0"),
    ],
)
def test_numbers_have_thousands_separators_and_no_exponent(value, places, shown):
    assert number(value, places=places) == shown


def test_only_numbers_are_numbers():
    assert all(is_number(value) for value in (0, D("1.5"), "12"))
    assert not any(is_number(value) for value in (None, "", "n/a", True, D("NaN")))


def render(source, **context):
    return Template("{% load stagegate %}" + source).render(Context(context))


def test_the_template_filters_format_through_the_same_functions():
    assert render("{{ v|usd }}", v=D("1234.56")) == "$1,235"
    assert render("{{ v|usd:2 }}", v=D("1234.5")) == "$1,234.50"
    assert render("{{ v|usd }}", v=None) == "—"
    assert render("{{ v|usd_price }}", v=D("0.150000")) == "$0.15"
    assert render("{{ v|usd_price }}", v=None) == "—"
    assert render("{{ v|number }}", v=1234567) == "1,234,567"
    assert render("{{ v|number:2 }}", v=D("0.5")) == "0.50"
    assert render("{{ v|number }}", v="saturated") == "saturated"
    assert render("{{ v|number }}", v=None) == "—"
