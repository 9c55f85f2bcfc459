"""Cost over volume, for the comparison chart: each option's monthly cost (the monthly view) at a
range of volumes, computed by the cost engine (``assessments.costs``) exactly as an estimate would be.

Pure like the engine: plain dataclasses in and out.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from assessments.costs import (
    ApiPrice,
    BreakEven,
    CloudInstance,
    GpuReplica,
    HybridSplit,
    OnPremServer,
    Staff,
    Workload,
    api_cost_per_request,
    break_even_cloud,
    break_even_on_premises,
    cloud_api,
    hybrid,
    last_volume_served,
    monthly_capacity,
    on_premises,
    self_hosted_cloud,
    units_needed,
    workload_at,
)

#: Every option the chart draws, in the order of its legend.
CURVE_OPTIONS = ("cloud_api", "self_hosted_cloud", "on_premises", "hybrid")


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
    #: Against each self-hosted option: its break-even with the API.
    break_evens: dict[str, BreakEven]
    #: What the API costs at each reported break-even volume (the self-hosted option costs no more).
    break_even_monthly: dict[str, Decimal]
    #: Volumes past the cloud break-even where the API costs less again: (first, last) requests a month.
    api_cheaper_again: tuple[tuple[int, int], ...] = ()

    @property
    def break_even_requests(self) -> int | None:
        found = self.break_evens.get("self_hosted_cloud")
        return found.requests if found else None


def monthly_costs_at(
    monthly_requests: int,
    *,
    workload: Workload,
    price: ApiPrice,
    replica: GpuReplica,
    instance: CloudInstance,
    staff: Staff,
    split: HybridSplit,
    server: OnPremServer | None = None,
    server_replica: GpuReplica | None = None,
    cloud: bool = True,
) -> dict[str, Decimal]:
    """The monthly cost of each option the project can have if the workload had ``monthly_requests`` a month."""
    at = workload_at(workload, monthly_requests)
    monthly = {}
    if cloud:
        monthly["cloud_api"] = cloud_api(at, price, detailed=False).monthly
        monthly["self_hosted_cloud"] = self_hosted_cloud(at, replica, instance, staff, detailed=False).monthly
    if server is not None:
        monthly["on_premises"] = on_premises(at, server_replica or replica, server, staff, detailed=False).monthly
    if cloud:
        monthly["hybrid"] = hybrid(at, price, replica, instance, staff, split, detailed=False).monthly
    return monthly


def break_evens_of(*, workload, price, replica, instance, staff, server=None, server_replica=None, cloud=True, **_):
    """The break-evens the estimate reports, from the same inputs."""
    if not cloud:
        return {}
    found = {"self_hosted_cloud": break_even_cloud(workload, price, replica, instance, staff)}
    if server is not None:
        found["on_premises"] = break_even_on_premises(workload, price, server_replica or replica, server, staff)
    return found


def curve_top(workload: Workload, replica: GpuReplica, break_evens: dict[str, BreakEven]) -> int:
    """Twice the larger of the project's volume and its break-even volumes, so all sit in the left half.

    With none of them (no traffic yet, no break-even), twice what the minimum replicas serve.
    """
    larger = max([workload.monthly_requests, *(b.requests or 0 for b in break_evens.values())])
    if larger <= 0:
        larger = monthly_capacity(replica.min_replicas, replica, workload)
    return max(2 * larger, 1)


def cost_curve(*, top: int | None = None, samples: int = 60, max_steps: int = 60, **inputs) -> CostCurve:
    """Monthly cost of each option from no traffic to ``top`` requests a month, and the break-evens.

    The API is a straight line; rented instances and owned servers are staircases, a step per unit
    added. The volumes costed are ``samples`` evenly spaced ones, the project's own volume, the
    break-even volumes and, while the range holds no more than ``max_steps`` steps, both sides of
    every step of self-hosting in the cloud and on premises, so a line through the points rises
    where the cost does. Every cost is the engine's own figure for that volume.
    """
    workload, replica = inputs["workload"], inputs["replica"]
    found = break_evens_of(**inputs)
    top = top if top is not None else curve_top(workload, replica, found)
    volumes = {top * index // samples for index in range(samples + 1)}
    volumes |= {v for v in (workload.monthly_requests, *(b.requests for b in found.values())) if v is not None}
    steps = []
    if inputs.get("cloud", True):
        steps.append((replica, inputs["instance"].gpus))
    if inputs.get("server") is not None:
        steps.append((inputs.get("server_replica") or replica, inputs["server"].gpus))
    for stepped, unit_gpus in steps:
        edges, units = [], units_needed(Decimal(0), stepped, workload, unit_gpus)
        while len(edges) <= max_steps and (edge := last_volume_served(units, stepped, workload, unit_gpus)) < top:
            edges.append(edge)
            units += 1
        if len(edges) <= max_steps:
            volumes |= {v for edge in edges for v in (edge, edge + 1)}
    points = tuple(CurvePoint(v, monthly_costs_at(v, **inputs)) for v in sorted(v for v in volumes if 0 <= v <= top))
    at_break_even = {
        name: cloud_api(workload_at(workload, b.requests), inputs["price"]).monthly
        for name, b in found.items()
        if b.requests is not None
    }
    again = ()
    cloud_break_even = found.get("self_hosted_cloud")
    if cloud_break_even is not None and cloud_break_even.requests is not None:
        again = _api_cheaper_again(cloud_break_even.requests, top, max_steps, **inputs)
    return CostCurve(points, top, workload.monthly_requests, found, at_break_even, again)


def _api_cheaper_again(volume, top, max_steps, *, workload, price, replica, instance, staff, **_):
    """Past the break-even, each added instance raises self-hosting by a step the API may take a
    while to climb back over: on the step of n instances the API is cheaper below F(n) ÷ API cost
    per request (the rule ``break_even_cloud`` applies to the first step)."""
    api_per_request = api_cost_per_request(workload, price)
    units = units_needed(workload_at(workload, volume).peak_rps, replica, workload, instance.gpus) + 1
    ranges = []
    for _ in range(max_steps):
        first = last_volume_served(units - 1, replica, workload, instance.gpus) + 1
        if first > top:
            break
        catches_up = math.ceil((staff.monthly + units * instance.monthly) / api_per_request)
        if catches_up > first:
            ranges.append(
                (first, min(catches_up - 1, last_volume_served(units, replica, workload, instance.gpus), top))
            )
        units += 1
    return tuple(ranges)
