"""Cost over volume, for the comparison chart: each option's monthly cost at a range of
volumes, computed by the cost engine (``assessments.costs``) exactly as an estimate would be.

Pure like the engine: plain dataclasses in and out.
"""

import math
from dataclasses import dataclass, replace
from decimal import Decimal

from assessments.costs import (
    HOURS_PER_MONTH,
    ApiPrice,
    GpuReplica,
    OnPremServer,
    Staff,
    Workload,
    api_cost_per_request,
    break_even,
    cloud_api,
    monthly_capacity,
    on_premises,
    replicas_needed,
    self_hosted_cloud,
)

#: The options drawn against volume; hybrid is left out, being a mix of the first two.
CURVE_OPTIONS = ("cloud_api", "self_hosted_cloud", "on_premises")


@dataclass(frozen=True)
class CurvePoint:
    monthly_requests: int
    #: Option name → monthly cost at this volume, exactly as ``estimate`` would give it.
    monthly: dict[str, Decimal]


@dataclass(frozen=True)
class CostCurve:
    points: tuple[CurvePoint, ...]
    top: int
    current_requests: int
    break_even_requests: int | None
    #: What both options cost at the break-even volume (the API's figure; self-hosting costs no more).
    break_even_monthly: Decimal | None
    break_even_note: str
    #: Volumes past the break-even where the API costs less again: (first, last) requests a month.
    api_cheaper_again: tuple[tuple[int, int], ...] = ()


def monthly_costs_at(
    monthly_requests: int,
    *,
    workload: Workload,
    price: ApiPrice,
    replica: GpuReplica,
    staff: Staff,
    server: OnPremServer | None = None,
) -> dict[str, Decimal]:
    """The monthly cost of each charted option if the workload had ``monthly_requests`` a month."""
    at = replace(workload, monthly_requests=monthly_requests)
    monthly = {
        "cloud_api": cloud_api(at, price).monthly,
        "self_hosted_cloud": self_hosted_cloud(at, replica, staff).monthly,
    }
    if server is not None:
        monthly["on_premises"] = on_premises(at, replica, server, staff).monthly
    return monthly


def curve_top(workload: Workload, replica: GpuReplica, break_even_requests: int | None) -> int:
    """Twice the larger of the project's volume and the break-even volume, so both sit mid-chart.

    With neither (no traffic yet, no break-even), twice what the minimum replicas serve.
    """
    larger = max(workload.monthly_requests, break_even_requests or 0)
    if larger <= 0:
        larger = monthly_capacity(replica.min_replicas, replica, workload)
    return max(2 * larger, 1)


def cost_curve(
    *,
    workload: Workload,
    price: ApiPrice,
    replica: GpuReplica,
    staff: Staff,
    server: OnPremServer | None = None,
    top: int | None = None,
    samples: int = 60,
    max_steps: int = 60,
) -> CostCurve:
    """Monthly cost of each option from no traffic to ``top`` requests a month, and the break-even.

    The API is a straight line; self-hosting and owned servers are staircases, a step per replica
    added. The volumes costed are ``samples`` evenly spaced ones, the project's own volume, the
    break-even volume and, while the range holds no more than ``max_steps`` steps, both sides of
    every step (the last volume n replicas serve and the first that needs one more), so a line
    through the points rises where the cost does. Past that many steps they are finer than a chart
    can show. Every cost is the engine's own figure for that volume.
    """
    volume, note = break_even(workload, price, replica, staff)
    top = top if top is not None else curve_top(workload, replica, volume)
    volumes = {top * index // samples for index in range(samples + 1)}
    volumes |= {v for v in (workload.monthly_requests, volume) if v is not None and 0 <= v <= top}
    edges, replicas = [], replica.min_replicas
    while len(edges) <= max_steps and (edge := _last_volume_served(replicas, replica, workload)) < top:
        edges.append(edge)
        replicas += 1
    if len(edges) <= max_steps:
        volumes |= {v for edge in edges for v in (edge, edge + 1) if v <= top}
    points = tuple(
        CurvePoint(v, monthly_costs_at(v, workload=workload, price=price, replica=replica, staff=staff, server=server))
        for v in sorted(volumes)
    )
    at_break_even, again = None, ()
    if volume is not None:
        at_break_even = cloud_api(replace(workload, monthly_requests=volume), price).monthly
        again = _api_cheaper_again(volume, top, workload, price, replica, staff, max_steps)
    return CostCurve(points, top, workload.monthly_requests, volume, at_break_even, note, again)


def _last_volume_served(replicas: int, replica: GpuReplica, workload: Workload) -> int:
    """The largest monthly volume ``replicas`` serve, as ``replicas_needed`` decides it.

    ``_capacity`` truncates a rounded quotient, so it can land one request short of the volume
    where the engine really adds a replica; step from it to the exact edge.
    """

    def needed(volume):
        return replicas_needed(replace(workload, monthly_requests=volume).peak_rps, replica, workload)

    edge = monthly_capacity(replicas, replica, workload)
    while needed(edge + 1) <= replicas:
        edge += 1
    while edge > 0 and needed(edge) > replicas:
        edge -= 1
    return edge


def _api_cheaper_again(volume, top, workload, price, replica, staff, max_steps) -> tuple[tuple[int, int], ...]:
    """Past the break-even, each added replica raises self-hosting by a step the API may take a while
    to climb back over: on the step of n replicas the API is cheaper below F(n) ÷ API cost per
    request (the rule ``break_even`` applies to the first step)."""
    api_per_request = api_cost_per_request(workload, price)
    per_replica_month = Decimal(replica.gpus) * HOURS_PER_MONTH * replica.gpu_hourly
    replicas = replicas_needed(replace(workload, monthly_requests=volume).peak_rps, replica, workload) + 1
    ranges = []
    for _ in range(max_steps):
        first = _last_volume_served(replicas - 1, replica, workload) + 1
        if first > top:
            break
        catches_up = math.ceil((staff.monthly + replicas * per_replica_month) / api_per_request)
        if catches_up > first:
            ranges.append((first, min(catches_up - 1, _last_volume_served(replicas, replica, workload), top)))
        replicas += 1
    return tuple(ranges)
