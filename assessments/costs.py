"""The cost engine: monthly cost of every hosting option for one project, in ``Decimal``.

Pure: plain dataclasses in, plain dataclasses out, no ORM. A thin service loads prices from the
catalog and the project's profile, calls ``estimate`` and stores the result with its inputs.

Notation: H = 730 hours a month; λ = requests per second (average = monthly requests / (H × 3600),
peak = average × peak ratio).
"""

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

HOURS_PER_MONTH = Decimal("730")
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
MILLION = Decimal("1000000")
CENT = Decimal("0.01")
MONTHS_OF_TCO = 36
ZERO = Decimal("0")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Workload:
    monthly_requests: int
    input_tokens: int
    output_tokens: int
    cached_share: Decimal = ZERO  # 0..1 of input tokens served from the provider's cache
    peak_ratio: Decimal = Decimal("1")

    @property
    def average_rps(self) -> Decimal:
        return Decimal(self.monthly_requests) / SECONDS_PER_MONTH

    @property
    def peak_rps(self) -> Decimal:
        return self.average_rps * self.peak_ratio


@dataclass(frozen=True)
class ApiPrice:
    """USD per million tokens, and the tenant's negotiated discount (0..1)."""

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    discount: Decimal = ZERO


@dataclass(frozen=True)
class GpuReplica:
    """One serving replica in the cloud: its GPUs, their price, and its throughput at the latency target."""

    gpus: int
    gpu_hourly: Decimal
    output_tokens_per_second: Decimal
    utilisation_target: Decimal = Decimal("0.7")
    min_replicas: int = 1

    def requests_per_second(self, workload: Workload) -> Decimal:
        return self.output_tokens_per_second / Decimal(max(workload.output_tokens, 1))


@dataclass(frozen=True)
class Staff:
    fte: Decimal = ZERO
    loaded_monthly_cost: Decimal = ZERO

    @property
    def monthly(self) -> Decimal:
        return self.fte * self.loaded_monthly_cost


@dataclass(frozen=True)
class OnPremServer:
    """Owned hardware: a server's price, GPUs, power draw and the facility around it."""

    capital_cost: Decimal
    gpus: int
    kw: Decimal
    life_months: int = 60
    pue: Decimal = Decimal("1.4")
    price_per_kwh: Decimal = Decimal("0.12")
    average_load: Decimal = Decimal("0.6")
    colocation_per_kw_month: Decimal = ZERO
    facility_monthly: Decimal = ZERO
    maintenance_share_per_year: Decimal = Decimal("0.1")
    spare_servers: int = 1


@dataclass(frozen=True)
class HybridSplit:
    """Hybrid either by share (``self_hosted_share`` of traffic on own capacity) or base-and-burst
    (own capacity for the average load, the part of traffic above it to the API)."""

    mode: str = "share"  # "share" or "base_and_burst"
    self_hosted_share: Decimal = Decimal("0.5")
    #: Base-and-burst: the share of monthly requests that arrive above the average rate.
    burst_share: Decimal | None = None


@dataclass(frozen=True)
class Option:
    name: str
    monthly: Decimal
    detail: dict = field(default_factory=dict)
    #: Monthly requests the sized capacity can serve (None: unlimited, as an API).
    capacity: int | None = None

    @property
    def total_36_months(self) -> Decimal:
        return money(self.monthly * MONTHS_OF_TCO + Decimal(self.detail.get("upfront", 0)))


@dataclass(frozen=True)
class Estimate:
    options: dict[str, Option]
    cheapest: str
    break_even_requests: int | None
    break_even_note: str
    cost_per_1000_requests: dict[str, Decimal]
    budget_gap: dict[str, Decimal] | None


def api_cost_per_request(workload: Workload, price: ApiPrice) -> Decimal:
    cached_price = price.cached_input if price.cached_input is not None else price.input
    input_cost = Decimal(workload.input_tokens) * (
        (1 - workload.cached_share) * price.input + workload.cached_share * cached_price
    )
    output_cost = Decimal(workload.output_tokens) * price.output
    return (input_cost + output_cost) / MILLION * (1 - price.discount)


def cloud_api(workload: Workload, price: ApiPrice, share: Decimal = Decimal("1")) -> Option:
    per_request = api_cost_per_request(workload, price)
    requests = Decimal(workload.monthly_requests) * share
    return Option("cloud_api", money(requests * per_request), {"per_request": per_request, "requests": requests})


def replicas_needed(peak_rps: Decimal, replica: GpuReplica, workload: Workload) -> int:
    usable = replica.requests_per_second(workload) * replica.utilisation_target
    if usable <= 0:
        raise ValueError("A replica must serve a positive number of requests per second.")
    return max(replica.min_replicas, math.ceil(peak_rps / usable))


def self_hosted_cloud(workload: Workload, replica: GpuReplica, staff: Staff, share: Decimal = Decimal("1")) -> Option:
    replicas = replicas_needed(workload.peak_rps * share, replica, workload)
    gpu_cost = Decimal(replicas * replica.gpus) * HOURS_PER_MONTH * replica.gpu_hourly
    capacity = monthly_capacity(replicas, replica, workload)
    return Option(
        "self_hosted_cloud",
        money(gpu_cost + staff.monthly),
        {
            "replicas": replicas,
            "gpu_hours": replicas * replica.gpus * HOURS_PER_MONTH,
            "gpu": money(gpu_cost),
            "staff": money(staff.monthly),
        },
        capacity=capacity,
    )


def on_premises(workload: Workload, replica: GpuReplica, server: OnPremServer, staff: Staff) -> Option:
    replicas = replicas_needed(workload.peak_rps, replica, workload)
    servers = math.ceil(Decimal(replicas * replica.gpus) / server.gpus) + server.spare_servers
    amortisation = server.capital_cost * servers / server.life_months
    kw = server.kw * servers
    power = kw * server.pue * HOURS_PER_MONTH * server.price_per_kwh * server.average_load
    colocation = kw * server.colocation_per_kw_month + server.facility_monthly
    maintenance = server.capital_cost * servers * server.maintenance_share_per_year / 12
    total = amortisation + power + colocation + maintenance + staff.monthly
    return Option(
        "on_premises",
        money(total),
        {
            "servers": servers,
            "replicas": replicas,
            "amortisation": money(amortisation),
            "power": money(power),
            "colocation": money(colocation),
            "maintenance": money(maintenance),
            "staff": money(staff.monthly),
            "upfront": money(server.capital_cost * servers),
        },
        capacity=monthly_capacity(replicas, replica, workload),
    )


def hybrid(workload: Workload, price: ApiPrice, replica: GpuReplica, staff: Staff, split: HybridSplit) -> Option:
    if split.mode == "base_and_burst":
        # Own capacity sized for the average rate; what arrives above it overflows to the API.
        base = Workload(
            workload.monthly_requests,
            workload.input_tokens,
            workload.output_tokens,
            workload.cached_share,
            Decimal("1"),
        )
        burst = split.burst_share if split.burst_share is not None else _default_burst_share(workload.peak_ratio)
        own = self_hosted_cloud(base, replica, staff)
        api = cloud_api(workload, price, share=burst)
        detail = {"mode": "base_and_burst", "burst_share": burst, "replicas": own.detail["replicas"]}
    else:
        own = self_hosted_cloud(workload, replica, staff, share=split.self_hosted_share)
        api = cloud_api(workload, price, share=1 - split.self_hosted_share)
        detail = {"mode": "share", "self_hosted_share": split.self_hosted_share, "replicas": own.detail["replicas"]}
    detail |= {"self_hosted": own.monthly, "cloud_api": api.monthly}
    return Option("hybrid", money(own.monthly + api.monthly), detail)


def break_even(workload: Workload, price: ApiPrice, replica: GpuReplica, staff: Staff) -> tuple[int | None, str]:
    """The smallest monthly volume at which self-hosting in the cloud costs no more than the API.

    Self-hosting cost is a staircase: staff plus n replicas, where n replicas serve up to
    capacity(n) requests a month at the utilisation target and the traffic's peak ratio. On the
    step of n replicas the fixed cost F(n) breaks even at F(n) ÷ API cost per request, valid only
    if that volume fits within capacity(n). The first step where it fits gives the answer; if the
    API costs no more per request than the GPUs at full use, no step ever fits.
    """
    api_per_request = api_cost_per_request(workload, price)
    per_replica_month = Decimal(replica.gpus) * HOURS_PER_MONTH * replica.gpu_hourly
    per_replica_capacity = Decimal(monthly_capacity(1, replica, workload))
    if per_replica_capacity <= 0 or api_per_request * per_replica_capacity <= per_replica_month:
        return None, "none within capacity: the API costs no more per request than the GPUs at full use"
    # F(n) <= api × capacity(n)  <=>  staff + n × G <= n × api × c1  <=>  n >= staff / (api × c1 − G)
    replicas = max(
        replica.min_replicas,
        math.ceil(staff.monthly / (api_per_request * per_replica_capacity - per_replica_month)),
    )
    while (
        monthly_capacity(replicas, replica, workload) < (staff.monthly + replicas * per_replica_month) / api_per_request
    ):
        replicas += 1  # integer capacities can leave the closed form one step short
    fixed = staff.monthly + replicas * per_replica_month
    floor = monthly_capacity(replicas - 1, replica, workload) + 1 if replicas > replica.min_replicas else 1
    volume = max(floor, math.ceil(fixed / api_per_request))
    return volume, f"with {replicas} replica(s) of {replica.gpus} GPU(s)"


def estimate(
    *,
    workload: Workload,
    price: ApiPrice,
    replica: GpuReplica,
    staff: Staff,
    server: OnPremServer | None = None,
    split: HybridSplit | None = None,
    monthly_budget: Decimal | None = None,
) -> Estimate:
    options = {
        "cloud_api": cloud_api(workload, price),
        "self_hosted_cloud": self_hosted_cloud(workload, replica, staff),
    }
    if server is not None:
        options["on_premises"] = on_premises(workload, replica, server, staff)
    options["hybrid"] = hybrid(workload, price, replica, staff, split or HybridSplit())
    cheapest = min(options, key=lambda name: (options[name].monthly, name))
    volume, note = break_even(workload, price, replica, staff)
    requests = Decimal(workload.monthly_requests)
    per_thousand = {
        name: (money(option.monthly / requests * 1000) if requests else ZERO) for name, option in options.items()
    }
    gap = {name: money(monthly_budget - option.monthly) for name, option in options.items()} if monthly_budget else None
    return Estimate(options, cheapest, volume, note, per_thousand, gap)


def monthly_capacity(replicas: int, replica: GpuReplica, workload: Workload) -> int:
    """Monthly requests that ``replicas`` serve at the utilisation target, given the traffic's peaks."""
    rps = replica.requests_per_second(workload) * replica.utilisation_target * replicas
    return int(rps * SECONDS_PER_MONTH / workload.peak_ratio)


def _default_burst_share(peak_ratio: Decimal) -> Decimal:
    """Without a measured figure: traffic at the peak rate one tenth of the time, the rest at average."""
    if peak_ratio <= 1:
        return ZERO
    return ((peak_ratio - 1) * Decimal("0.1") / (1 + (peak_ratio - 1) * Decimal("0.1"))).quantize(Decimal("0.0001"))
