"""Geometry of the dashboard's bar charts.

A chart is a list of rows; each row is split into segments, one per series. Widths are
percentages of the widest row, so a template can draw them in an SVG with a view box from 0 to 100.
"""

from dataclasses import dataclass
from decimal import Decimal

from projects.models import DeploymentModel, HostingApproach, Stage
from projects.models.summary import READINESS_CHOICES


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    value: int | Decimal
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    total: int | Decimal
    segments: list[Segment]


def stacked_bars(rows: list[tuple[str, str, dict]], series: list[tuple[str, str]]) -> list[Bar]:
    """``rows``: (key, label, {series key: value}); ``series``: (key, label) in drawing order.

    Empty segments are left out; the widest row spans 100.
    """
    totals = [sum(values.get(key, 0) for key, _ in series) for _, _, values in rows]
    widest = max(totals, default=0)
    bars = []
    for (row_key, row_label, values), total in zip(rows, totals, strict=True):
        segments, x = [], 0.0
        for key, label in series:
            value = values.get(key, 0)
            if not value:
                continue
            width = float(value) / float(widest) * 100
            segments.append(Segment(key=key, label=label, value=value, x=round(x, 3), width=round(width, 3)))
            x += width
        bars.append(Bar(key=row_key, label=row_label, total=total, segments=segments))
    return bars


def dashboard_charts(portfolio) -> dict[str, list[Bar]]:
    """The dashboard's four charts from a ``projects.selectors.Portfolio``."""
    readiness = [(key, label, {key: portfolio.by_readiness[key]}) for key, label in READINESS_CHOICES]
    hosting = [(key, label, {"monthly": portfolio.monthly_by_hosting[key]}) for key, label in HostingApproach.choices]
    return {
        "stages": stacked_bars(
            [(key, label, portfolio.by_stage_and_model[key]) for key, label in Stage.choices],
            DeploymentModel.choices,
        ),
        "readiness": stacked_bars(readiness, READINESS_CHOICES),
        "cost_by_client": stacked_bars(
            [(slug, name, {"monthly": monthly}) for slug, name, monthly in portfolio.monthly_by_client],
            [("monthly", "Monthly cost")],
        ),
        "cost_by_hosting": stacked_bars(hosting, [("monthly", "Monthly cost")]),
    }
