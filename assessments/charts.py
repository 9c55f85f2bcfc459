"""The cost comparison chart: a stored estimate's inputs → the geometry of an inline SVG.

Pure: reads only the estimate's stored ``inputs`` (the prices and figures it saw), never the
catalog or the database, so the chart explains the estimate it sits next to, and drawing it costs
no query. The template only places what is computed here.
"""

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from assessments import cost_curve, costs
from core.figures import usd


@dataclass(frozen=True)
class Layout:
    """A size the chart is drawn at, in SVG units. Text is ``FONT_SIZE`` units high at every size, so
    a drawing shown narrower needs fewer units across to keep its text readable."""

    width: int
    height: int
    left: int  # the least room left of the plot; a wider money label widens it
    right: int
    top: int
    bottom: int


#: On a wide screen the SVG is shown up to 48rem across.
WIDE = Layout(640, 360, 92, 620, 44, 300)
#: On a phone: 340 units shown about 325 px wide on a 375 px screen, so the text is about 12 px
#: high; the wide drawing shrunk to that width would show it at 6 px.
NARROW = Layout(340, 328, 92, 326, 52, 272)
WIDTH, HEIGHT = WIDE.width, WIDE.height
LEFT, RIGHT, TOP, BOTTOM = WIDE.left, WIDE.right, WIDE.top, WIDE.bottom
FONT_SIZE = 13
#: One line of a label's text below the last, in SVG units.
LINE_HEIGHT = 16
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
#: Width of one character at the chart's font size, in SVG units (generous, so a label never runs
#: past the edge of the drawing).
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
    #: The label's lines: one on the wide drawing, split after the colon where room is short.
    lines: tuple[str, ...]
    label_x: float
    label_y: float  # the baseline of the first line
    anchor: str  # "start" or "end", so the label stays inside the chart

    @property
    def label(self) -> str:
        return " ".join(self.lines)


@dataclass(frozen=True)
class Row:
    requests: str
    note: str
    monthly: tuple[str, ...]
    cheapest: str
    #: The option each figure of ``monthly`` is for, by its label.
    options: tuple[str, ...]

    @property
    def cells(self) -> tuple[tuple[str, str], ...]:
        """(option, monthly cost) pairs, for a table cell labelled with its column."""
        return tuple(zip(self.options, self.monthly, strict=True))


@dataclass(frozen=True)
class Drawing:
    """The chart drawn at one ``Layout``: where its lines, ticks and markers fall."""

    lines: tuple[Line, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    current: Marker
    #: One marker per self-hosted option that breaks even with the API within the chart.
    break_evens: tuple[Marker, ...]
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def break_even(self) -> Marker | None:
        """The marker of the break-even with self-hosting in the cloud (the first one)."""
        return self.break_evens[0] if self.break_evens else None


@dataclass(frozen=True)
class CostChart(Drawing):
    """The wide drawing, the narrow one for phones, and what both say in words and numbers."""

    summary: str
    rows: tuple[Row, ...]
    narrow: Drawing


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
    keys = [key for key in cost_curve.CURVE_OPTIONS if key in curve.points[0].monthly]
    wide = _drawing(curve, keys, x_step, x_top, WIDE)
    noted = {0: ""} | {int(value): "" for value in _steps(x_step, x_top)}
    noted[curve.current_requests] = "the project's volume now"
    for name, found_here in curve.break_evens.items():
        if found_here.requests is None:
            continue
        what = "break-even" if name == "self_hosted_cloud" else f"break-even, {STYLES[name].label.lower()}"
        before = noted.get(found_here.requests)
        noted[found_here.requests] = f"{what} and {before}" if before else what
    # The table's volumes are points of the curve already (its ticks fall on its samples), so their
    # costs are the curve's own; a volume that is not is costed here.
    costed = {point.monthly_requests: point.monthly for point in curve.points}
    rows = []
    for requests, note in sorted(noted.items()):
        monthly = costed.get(requests) or cost_curve.monthly_costs_at(requests, **inputs)
        least = min(monthly.values())
        rows.append(
            Row(
                f"{requests:,}",
                note,
                tuple(usd(monthly[key], cents=True) for key in keys),
                " and ".join(STYLES[key].label for key in keys if monthly[key] == least),
                tuple(STYLES[key].label for key in keys),
            )
        )
    return CostChart(
        **{field: getattr(wide, field) for field in Drawing.__dataclass_fields__},
        summary=_summary(curve),
        rows=tuple(rows),
        narrow=_drawing(curve, keys, x_step, x_top, NARROW),
    )


def _drawing(curve, keys, x_step, x_top, layout: Layout) -> Drawing:
    top, bottom, right = layout.top, layout.bottom, layout.right
    y_step, y_top = _nice_axis(max(max(point.monthly.values()) for point in curve.points), integer=False)
    cents = y_step != y_step.to_integral_value()
    y_values = _steps(y_step, y_top)
    # The left margin fits the longest money label, so no label is clipped.
    left = max(layout.left, math.ceil(16 + _text_width(*(usd(value, cents=cents) for value in y_values))))

    def x(requests) -> float:
        return round(left + float(Decimal(requests) / x_top) * (right - left), 1)

    def y(monthly) -> float:
        return round(bottom - float(Decimal(monthly) / y_top) * (bottom - top), 1)

    xs = [x(point.monthly_requests) for point in curve.points]  # the same for every line
    lines = tuple(
        Line(
            key,
            STYLES[key].label,
            STYLES[key].colour,
            STYLES[key].dash,
            " ".join(f"{at},{y(point.monthly[key])}" for at, point in zip(xs, curve.points, strict=True)),
        )
        for key in keys
    )
    x_ticks = tuple(Tick(x(value), _compact(value)) for value in _steps(x_step, x_top))
    y_ticks = tuple(Tick(y(value), usd(value, cents=cents)) for value in y_values)
    current_x = x(curve.current_requests)
    now = (f"Now: {curve.current_requests:,} a month",)
    label_x, anchor = _beside(current_x, now, gap=4, start=current_x < (left + right) / 2, width=layout.width)
    current = Marker(current_x, top, now, label_x, top - 8, anchor)
    markers = []
    for offset, (name, found_here) in enumerate(
        (name, b) for name, b in curve.break_evens.items() if b.requests is not None
    ):
        bx, by = x(found_here.requests), y(curve.break_even_monthly[name])
        what = "Break-even" if name == "self_hosted_cloud" else f"Break-even, {STYLES[name].label.lower()}"
        text = (f"{what}: {found_here.requests:,} a month",)
        if not _fits(bx, text, gap=10, width=layout.width):
            text = (f"{what}:", f"{found_here.requests:,} a month")
        # A break-even sits in the left half (the axis runs to at least twice it). Below and to the
        # right is clear of both lines: the API rises away above, self-hosting stays flat at the
        # point; too near the axis for that, the label goes above. A second label sits lower. Where
        # the right has no room, the label goes above and to the left, clear of the API rising from below.
        label_x, anchor = _beside(bx, text, gap=10, start=True, width=layout.width)
        shift = LINE_HEIGHT * len(text) * offset
        below = anchor == "start" and by + 22 + shift + LINE_HEIGHT * (len(text) - 1) <= bottom - 8
        label_y = by + 22 + shift if below else by - 12 - shift - LINE_HEIGHT * (len(text) - 1)
        markers.append(Marker(bx, by, text, label_x, label_y, anchor))
    return Drawing(
        lines, x_ticks, y_ticks, current, tuple(markers), layout.width, layout.height, left, right, top, bottom
    )


def _text_width(*lines: str) -> float:
    return CHARACTER_WIDTH * max(len(line) for line in lines)


def _fits(x: float, lines: tuple[str, ...], *, gap: float, width: int) -> bool:
    """Whether a label fits inside the drawing on one side or the other of the point ``x``."""
    needed = _text_width(*lines)
    return x + gap + needed <= width or x - gap - needed >= 0


def _beside(x: float, lines: tuple[str, ...], *, gap: float, start: bool, width: int) -> tuple[float, str]:
    """Where a label beside the point ``x`` starts and which way it runs: on the side asked for
    (``start``: to the right) if it fits inside the drawing, else on the other side, else as far
    right as it fits."""
    needed = _text_width(*lines)
    fits_right, fits_left = x + gap + needed <= width, x - gap - needed >= 0
    if fits_right and (start or not fits_left):
        return x + gap, "start"
    if fits_left:
        return x - gap, "end"
    return max(0.0, width - needed), "start"


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
            f"costs about {usd(curve.break_even_monthly[name], cents=True)} a month."
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
