"""The project page's cost figures in words: each option in the monthly view and the 36-month
view, each saying which it is, and each break-even as a sentence.

Pure: reads only a stored estimate's ``result`` (no query), like the chart beside it.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from assessments.charts import STYLES
from core.figures import usd


@dataclass(frozen=True)
class OptionRow:
    label: str
    monthly: str
    amortisation: str
    upfront: str
    total_36_months: str
    cheapest: bool


@dataclass(frozen=True)
class CostSummary:
    rows: tuple[OptionRow, ...]
    monthly_view: str
    total_view: str
    break_evens: tuple[str, ...]
    #: Options the project cannot have, and why.
    missing: tuple[str, ...]


MONTHLY_VIEW = "A month: the running cost, plus the amortisation of owned servers over their life."
TOTAL_VIEW = (
    "36 months: what is paid upfront plus 36 months of running cost. Amortisation is left out "
    "there, being that upfront purchase spread over time, so nothing is counted twice."
)
WHY_MISSING = {
    "cloud_api": "The cloud options are not costed: the site has no cloud access.",
    "on_premises": "On premises is not costed: the catalog has no server that runs the chosen model.",
}


def cost_summary(*, estimate) -> CostSummary | None:
    """The figures of a stored estimate, or None for one stored before the two views existed."""
    if estimate is None:
        return None
    result = estimate.result or {}
    options = result.get("options") or {}
    try:
        rows = tuple(
            OptionRow(
                STYLES[name].label,
                usd(Decimal(figures["monthly"]), cents=True),
                usd(Decimal(figures["amortisation"]), cents=True),
                usd(Decimal(figures["upfront"]), cents=True),
                usd(Decimal(figures["total_36_months"]), cents=True),
                name == result.get("cheapest"),
            )
            for name in STYLES
            if (figures := options.get(name)) is not None
        )
    except (KeyError, TypeError, InvalidOperation):
        return None
    sentences = []
    for name, found in (result.get("break_evens") or {}).items():
        what = "Self-hosting in the cloud" if name == "self_hosted_cloud" else "Owned servers on premises"
        if found.get("requests") is None:
            sentences.append(f"{what}: no break-even with the cloud API — {found.get('note', '')}.")
        else:
            sentences.append(
                f"{what} costs no more than the cloud API from {found['requests']:,} requests a month "
                f"({found.get('note', '')})."
            )
    missing = tuple(WHY_MISSING[name] for name in WHY_MISSING if name not in options)
    return CostSummary(rows, MONTHLY_VIEW, TOTAL_VIEW, tuple(sentences), missing)
