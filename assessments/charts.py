"""The cost comparison chart: a stored estimate's inputs → the geometry of an inline SVG.

Pure: reads only the estimate's stored ``inputs`` (the prices and figures it saw), never the
catalog or the database, so the chart explains the estimate it sits next to, and drawing it costs
no query. The template only places what is computed here.
"""

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from assessments import cost_curve, costs

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 92, 620, 44, 300
TICKS = 5


@dataclass(frozen=True)
class Style:
    label: str
    colour: str  # at least 4.5:1 against white
    dash: str  # told apart without colour too


STYLES = {
    "cloud_api": Style("Cloud API", "#0b5cad", ""),
    "self_hosted_cloud": Style("Self-hosted in cloud", "#a34a00", "9 5"),
    "on_premises": Style("On premises", "#6b3fa0", "2 5"),
    "hybrid": Style("Hybrid", "#1a6b34", "12 4 3 4"),
}
#: Width of one character of an axis label at the chart's font size, in SVG units (generous, so a
#: label never runs past the left edge).
CHARACTER_WIDTH = 7.6


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    colour: str
    dash: str
    points: str  # SVG polyline points


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str
    label_x: float
    label_y: float
    anchor: str  # "start" or "end", so the label stays inside the chart


@dataclass(frozen=True)
class Row:
    requests: str
    note: str
    monthly: tuple[str, ...]
    cheapest: str


@dataclass(frozen=True)
class CostChart:
    lines: tuple[Line, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    current: Marker
    #: One marker per self-hosted option that breaks even with the API within the chart.
    break_evens: tuple[Marker, ...]
    summary: str
    rows: tuple[Row, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM

    @property
    def break_even(self) -> Marker | None:
        """The marker of the break-even with self-hosting in the cloud (the first one)."""
        return self.break_evens[0] if self.break_evens else None


def cost_chart(*, estimate) -> CostChart | None:
    """The chart for a stored cost estimate, or None without one (or if its inputs cannot be read)."""
    if estimate is None:
        return None
    inputs = engine_inputs(estimate.inputs)
    if inputs is None:
        return None
    workload, replica = inputs["workload"], inputs["replica"]
    try:
        found = cost_curve.break_evens_of(**inputs)
        x_step, x_top = _nice_axis(Decimal(cost_curve.curve_top(workload, replica, found)), integer=True)
        curve = cost_curve.cost_curve(**inputs, top=int(x_top))
    except (ArithmeticError, ValueError):
        return None
    y_step, y_top = _nice_axis(max(max(point.monthly.values()) for point in curve.points), integer=False)
    cents = y_step != y_step.to_integral_value()
    y_values = _steps(y_step, y_top)
    # The left margin fits the longest money label, so no label is clipped.
    left = max(LEFT, math.ceil(16 + CHARACTER_WIDTH * max(len(usd(value, cents=cents)) for value in y_values)))

    def x(requests) -> float:
        return round(left + float(Decimal(requests) / x_top) * (RIGHT - left), 1)

    def y(monthly) -> float:
        return round(BOTTOM - float(Decimal(monthly) / y_top) * (BOTTOM - TOP), 1)

    keys = [key for key in cost_curve.CURVE_OPTIONS if key in curve.points[0].monthly]
    lines = tuple(
        Line(
            key,
            STYLES[key].label,
            STYLES[key].colour,
            STYLES[key].dash,
            " ".join(f"{x(p.monthly_requests)},{y(p.monthly[key])}" for p in curve.points),
        )
        for key in keys
    )
    x_ticks = tuple(Tick(x(value), _compact(value)) for value in _steps(x_step, x_top))
    y_ticks = tuple(Tick(y(value), usd(value, cents=cents)) for value in y_values)
    current_x = x(curve.current_requests)
    middle = (left + RIGHT) / 2
    current = Marker(
        current_x,
        TOP,
        f"Now: {curve.current_requests:,} a month",
        current_x + (4 if current_x < middle else -4),
        TOP - 8,
        "start" if current_x < middle else "end",
    )
    markers = []
    for offset, (name, found_here) in enumerate(
        (name, b) for name, b in curve.break_evens.items() if b.requests is not None
    ):
        bx, by = x(found_here.requests), y(curve.break_even_monthly[name])
        # A break-even sits in the left half (the axis runs to at least twice it). Below and to the
        # right is clear of both lines: the API rises away above, self-hosting stays flat at the
        # point; too near the axis for that, the label goes above. A second label sits one line lower.
        below = by + 22 + 16 * offset <= BOTTOM - 8
        label = "Break-even" if name == "self_hosted_cloud" else f"Break-even, {STYLES[name].label.lower()}"
        markers.append(
            Marker(
                bx,
                by,
                f"{label}: {found_here.requests:,} a month",
                bx + 10,
                by + 22 + 16 * offset if below else by - 12 - 16 * offset,
                "start",
            )
        )
    noted = {0: ""} | {int(value): "" for value in _steps(x_step, x_top)}
    noted[curve.current_requests] = "the project's volume now"
    for name, found_here in curve.break_evens.items():
        if found_here.requests is None:
            continue
        what = "break-even" if name == "self_hosted_cloud" else f"break-even, {STYLES[name].label.lower()}"
        before = noted.get(found_here.requests)
        noted[found_here.requests] = f"{what} and {before}" if before else what
    rows = []
    for requests, note in sorted(noted.items()):
        monthly = cost_curve.monthly_costs_at(requests, **inputs)
        least = min(monthly.values())
        rows.append(
            Row(
                f"{requests:,}",
                note,
                tuple(usd(monthly[key]) for key in keys),
                " and ".join(STYLES[key].label for key in keys if monthly[key] == least),
            )
        )
    return CostChart(lines, x_ticks, y_ticks, current, tuple(markers), _summary(curve), tuple(rows), left=left)


def engine_inputs(record) -> dict | None:
    """The cost engine's inputs rebuilt from an estimate's stored JSON (decimals are stored as text);
    None for a record this engine cannot read (one stored before the cost model it needs)."""
    try:
        return {
            "workload": _build(costs.Workload, record["workload"]),
            "price": _build(costs.ApiPrice, record["price"]),
            "replica": _build(costs.GpuReplica, record["replica"]),
            "instance": _build(costs.CloudInstance, record["instance"]),
            "staff": _build(costs.Staff, record["staff"]),
            "split": _build(costs.HybridSplit, record["split"]),
            "server": _build(costs.OnPremServer, record.get("server")),
            "server_replica": _build(costs.GpuReplica, record.get("server_replica")),
            "cloud": bool(record.get("cloud", True)),
        }
    except (AttributeError, KeyError, TypeError, ValueError, InvalidOperation):
        return None


def usd(value: Decimal, *, cents: bool = True) -> str:
    """Money as the project page shows it: ``USD 1,234.50``."""
    return f"USD {value:,.2f}" if cents else f"USD {value:,.0f}"


def _summary(curve: cost_curve.CostCurve) -> str:
    if not curve.break_evens:
        return "Without cloud access only owned servers are costed; their cost over volume is the line shown."
    parts = []
    for name, found in curve.break_evens.items():
        what = "Self-hosting in the cloud" if name == "self_hosted_cloud" else "Owned servers on premises"
        if found.requests is None:
            parts.append(
                f"The cloud API stays cheaper than {what[0].lower() + what[1:]} at every volume shown, up to "
                f"{curve.top:,} requests a month: per request it costs less than the GPUs even at full use."
            )
            continue
        parts.append(
            f"{what} becomes cheaper than the cloud API from {found.requests:,} requests a month, where each "
            f"costs about {usd(curve.break_even_monthly[name])} a month."
        )
        if name == "self_hosted_cloud" and curve.api_cheaper_again:
            (first, last), *more = curve.api_cheaper_again
            text = (
                "Past that, the API is cheaper again just after self-hosting needs another instance: "
                f"from {first:,} to {last:,} requests a month"
            )
            if more:
                text += f", and in {len(more)} more such range{'s' if len(more) > 1 else ''} up to {more[-1][1]:,}"
            parts.append(text + ".")
    return " ".join(parts)


def _build(cls, values: dict | None):
    """A cost dataclass from stored values (None stays None): numbers stored as text become
    ``Decimal``; unknown keys are ignored."""
    if values is None:
        return None
    fields = cls.__dataclass_fields__
    return cls(
        **{
            name: Decimal(value) if isinstance(value, str) and fields[name].type is not str else value
            for name, value in values.items()
            if name in fields
        }
    )


def _nice_axis(largest: Decimal, *, integer: bool) -> tuple[Decimal, Decimal]:
    """A round step (1, 2, 2.5 or 5 × 10ⁿ) giving at most ``TICKS`` intervals, and the axis end it reaches."""
    largest = Decimal(largest)
    if largest <= 0:
        return Decimal(1), Decimal(1)
    raw = largest / TICKS
    if integer:
        raw = max(raw, Decimal(1))
    magnitude = Decimal(10) ** raw.adjusted()
    step = next(
        factor * magnitude
        for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
        if factor * magnitude >= raw
        and not (integer and factor * magnitude != (factor * magnitude).to_integral_value())
    )
    return step, step * math.ceil(largest / step)


def _steps(step: Decimal, end: Decimal) -> list[Decimal]:
    return [step * index for index in range(int(end / step) + 1)]


def _compact(requests) -> str:
    """An axis label for a number of requests: ``250k``, ``7.5M``."""
    requests = Decimal(requests)
    for size, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "k")):
        if requests >= size:
            return f"{(requests / size).normalize():f}{suffix}"
    return f"{requests.normalize():f}"
