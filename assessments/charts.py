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
}


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
    break_even: Marker | None
    summary: str
    rows: tuple[Row, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM


def cost_chart(*, estimate) -> CostChart | None:
    """The chart for a stored cost estimate, or None without one (or if its inputs cannot be read)."""
    if estimate is None:
        return None
    inputs = engine_inputs(estimate.inputs)
    if inputs is None:
        return None
    workload, replica = inputs["workload"], inputs["replica"]
    volume, _ = costs.break_even(workload, inputs["price"], replica, inputs["staff"])
    x_step, x_top = _nice_axis(Decimal(cost_curve.curve_top(workload, replica, volume)), integer=True)
    curve = cost_curve.cost_curve(**inputs, top=int(x_top))
    y_step, y_top = _nice_axis(max(max(point.monthly.values()) for point in curve.points), integer=False)

    def x(requests) -> float:
        return round(LEFT + float(Decimal(requests) / x_top) * (RIGHT - LEFT), 1)

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
    y_ticks = tuple(
        Tick(y(value), usd(value, cents=y_step != y_step.to_integral_value())) for value in _steps(y_step, y_top)
    )
    current_x = x(curve.current_requests)
    current = Marker(
        current_x,
        TOP,
        f"Now: {curve.current_requests:,} a month",
        current_x + (4 if current_x < (LEFT + RIGHT) / 2 else -4),
        TOP - 8,
        "start" if current_x < (LEFT + RIGHT) / 2 else "end",
    )
    marker = None
    if curve.break_even_requests is not None:
        bx, by = x(curve.break_even_requests), y(curve.break_even_monthly)
        # The break-even sits in the left half (the axis runs to at least twice it). Below and to
        # the right is clear of both lines: the API rises away above, self-hosting stays flat at
        # the point; too near the axis for that, the label goes above.
        below = by + 22 <= BOTTOM - 8
        marker = Marker(
            bx,
            by,
            f"Break-even: {curve.break_even_requests:,} a month",
            bx + 10,
            by + 22 if below else by - 12,
            "start",
        )
    noted = {0: ""} | {int(value): "" for value in _steps(x_step, x_top)}
    noted[curve.current_requests] = "the project's volume now"
    if curve.break_even_requests is not None:
        noted[curve.break_even_requests] = (
            "break-even and the project's volume now"
            if curve.break_even_requests == curve.current_requests
            else "break-even"
        )
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
    return CostChart(lines, x_ticks, y_ticks, current, marker, _summary(curve), tuple(rows))


def engine_inputs(record) -> dict | None:
    """The cost engine's inputs rebuilt from an estimate's stored JSON (decimals are stored as text)."""
    try:
        server = record.get("server")
        return {
            "workload": _build(costs.Workload, record["workload"]),
            "price": _build(costs.ApiPrice, record["price"]),
            "replica": _build(costs.GpuReplica, record["replica"]),
            "staff": _build(costs.Staff, record["staff"]),
            "server": _build(costs.OnPremServer, server) if server else None,
        }
    except (AttributeError, KeyError, TypeError, ValueError, InvalidOperation):
        return None


def usd(value: Decimal, *, cents: bool = True) -> str:
    """Money as the project page shows it: ``USD 1,234.50``."""
    return f"USD {value:,.2f}" if cents else f"USD {value:,.0f}"


def _summary(curve: cost_curve.CostCurve) -> str:
    if curve.break_even_requests is None:
        return (
            "The cloud API stays cheaper than self-hosting in the cloud at every volume shown, up to "
            f"{curve.top:,} requests a month: per request it costs less than the GPUs even at full use."
        )
    text = (
        f"Self-hosting in the cloud becomes cheaper than the cloud API from {curve.break_even_requests:,} "
        f"requests a month, where each costs about {usd(curve.break_even_monthly)} a month."
    )
    again = curve.api_cheaper_again
    if again:
        (first, last), *more = again
        text += (
            " Past that, the API is cheaper again just after self-hosting needs another replica: "
            f"from {first:,} to {last:,} requests a month"
        )
        if more:
            text += f", and in {len(more)} more such range{'s' if len(more) > 1 else ''} up to {more[-1][1]:,}"
        text += "."
    return text


def _build(cls, values: dict):
    """A cost dataclass from stored values: numbers stored as text become ``Decimal``; unknown keys are ignored."""
    fields = cls.__dataclass_fields__
    return cls(
        **{
            name: Decimal(value) if isinstance(value, str) else value
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
