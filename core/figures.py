"""Figures as people read them: money in US dollars and plain numbers, with thousands separators,
never in exponent notation, and with cents where they matter. Every page, chart, sentence and email
formats its figures here, so the same amount reads the same everywhere.

Money is ``Decimal``; an ``int`` or a float coming from a template is read through its text, so no
binary rounding shows.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def usd(amount, *, cents: bool | None = False) -> str:
    """An amount of money: ``$12,345``, or ``$12,345.50`` with cents; a negative one ``-$250``.

    Whole dollars for totals and budgets, where cents would be noise; cents in the tables that compare
    options and in any amount that may be small; ``cents=None``: only for an amount that has some
    (an amount someone entered, shown as entered).
    """
    amount = _decimal(amount)
    if cents is None:
        cents = amount != amount.to_integral_value()
    places = CENT if cents else Decimal(1)
    rounded = amount.quantize(places, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.{2 if cents else 0}f}"


def usd_price(price) -> str:
    """A unit price (per hour, per million tokens, per kWh): at least the cents, and every further
    digit the price has, since a tenth of a cent matters a million times over: ``$10.00``, ``$0.075``,
    ``$1.006``."""
    price = _decimal(price)
    sign = "-" if price < 0 else ""
    # Six decimals at most: the catalog keeps no more, and a price divided (per GPU) may not end.
    places = min(max(2, -price.normalize().as_tuple().exponent), 6)
    rounded = abs(price).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{sign}${rounded:,.{places}f}"


def number(value, *, places: int | None = None) -> str:
    """A number with thousands separators: ``1,250,000``; a decimal as precise as it is (``2.5``,
    never ``2.50000`` or ``1E+1``), or to ``places`` decimals."""
    value = _decimal(value)
    if places is not None:
        return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,f}"
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    exponent = value.normalize().as_tuple().exponent
    return f"{value:,.{-exponent}f}"


def is_number(value) -> bool:
    """Whether ``value`` reads as a number (blank and missing values do not)."""
    if value is None or value == "" or isinstance(value, bool):
        return False
    try:
        return _decimal(value).is_finite()
    except (InvalidOperation, ValueError, TypeError):
        return False
