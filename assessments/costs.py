"""The cost engine: monthly cost of every hosting option for one project, in ``Decimal``.

Pure: plain dataclasses in, plain dataclasses out, no ORM. A thin service loads prices from the
catalog and the project's profile, calls ``estimate`` and stores the result with its inputs.
Every formula, with its units and the sources of its figures, is in docs/cost-model.md.

Notation: H = 730 hours a month; λ = requests per second (average = monthly requests / (H × 3600),
peak = average × peak ratio).
"""

import functools
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

HOURS_PER_MONTH = Decimal("730")
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
MILLION = Decimal("1000000")
CENT = Decimal("0.01")
MONTHS_OF_TCO = 36
ZERO = Decimal("0")
SELF_HOSTED = ("self_hosted_cloud", "on_premises")


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
    """One serving replica of the chosen model on the chosen GPU: how many GPUs it runs on, and
    the rates one replica reads prompts (prefill) and writes answers (decode) at, in tokens per
    second summed over the requests it serves at once, at a load that meets the latency need."""

    gpus: int
    prefill_tokens_per_second: Decimal
    decode_tokens_per_second: Decimal
    utilisation_target: Decimal = Decimal("0.7")
    min_replicas: int = 1

    def seconds_per_request(self, workload: Workload) -> Decimal:
        """Replica-seconds one request takes: input ÷ prefill rate + output ÷ decode rate."""
        return _seconds_per_request(
            workload.input_tokens, workload.output_tokens, self.prefill_tokens_per_second, self.decode_tokens_per_second
        )

    def requests_per_second(self, workload: Workload) -> Decimal:
        return _requests_per_second(
            workload.input_tokens, workload.output_tokens, self.prefill_tokens_per_second, self.decode_tokens_per_second
        )


def _seconds_per_request(input_tokens: int, output_tokens: int, prefill: Decimal, decode: Decimal) -> Decimal:
    return Decimal(input_tokens) / prefill + Decimal(output_tokens) / decode


# An estimate asks a replica's rate a dozen times (sizing, capacity, break-evens, the chart's curve):
# worked out once per distinct workload shape and figure. Pure, so caching cannot go stale.
@functools.lru_cache(maxsize=4096)
def _requests_per_second(input_tokens: int, output_tokens: int, prefill: Decimal, decode: Decimal) -> Decimal:
    seconds = _seconds_per_request(input_tokens, output_tokens, prefill, decode)
    if seconds <= 0:
        raise ValueError("A request must take some GPU time: give it input or output tokens.")
    return 1 / seconds


@dataclass(frozen=True)
class CloudInstance:
    """What a cloud rents: a whole instance of ``gpus`` GPUs at ``hourly`` USD an instance-hour."""

    gpus: int
    hourly: Decimal

    @property
    def monthly(self) -> Decimal:
        return self.hourly * HOURS_PER_MONTH


@dataclass(frozen=True)
class Staff:
    fte: Decimal = ZERO
    loaded_monthly_cost: Decimal = ZERO

    @property
    def monthly(self) -> Decimal:
        return self.fte * self.loaded_monthly_cost


@dataclass(frozen=True)
class OnPremServer:
    """Owned hardware: a server's price, GPUs, power draw and the facility around it.
    ``spare_servers``: bought beyond those that serve the load, for availability (N+1)."""

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
    spare_servers: int = 0

    @property
    def amortisation(self) -> Decimal:
        return self.capital_cost / self.life_months

    @property
    def power(self) -> Decimal:
        return self.kw * self.pue * HOURS_PER_MONTH * self.price_per_kwh * self.average_load

    @property
    def colocation(self) -> Decimal:
        return self.kw * self.colocation_per_kw_month

    @property
    def maintenance(self) -> Decimal:
        return self.capital_cost * self.maintenance_share_per_year / 12

    @property
    def running(self) -> Decimal:
        """One server's monthly cost of running, without its amortisation."""
        return self.power + self.colocation + self.maintenance


@dataclass(frozen=True)
class HybridSplit:
    """Hybrid either by share (``self_hosted_share`` of traffic on own capacity, as the project's
    routing rules send it) or base-and-burst (own capacity for the average load, the part of
    traffic above it to the API)."""

    self_hosted_share: Decimal
    mode: str = "share"  # "share" or "base_and_burst"
    #: Base-and-burst: the share of monthly requests that arrive above the average rate.
    burst_share: Decimal | None = None


@dataclass(frozen=True)
class Option:
    """One option's cost. ``monthly`` is the monthly view: running cost plus, for owned hardware,
    its amortisation. ``total_36_months`` is the cash view: what is paid upfront plus 36 months of
    running cost, amortisation left out (the upfront payment is what it spreads)."""

    name: str
    monthly: Decimal
    detail: dict = field(default_factory=dict)
    #: Monthly requests the sized capacity can serve (None: unlimited, as an API).
    capacity: int | None = None
    upfront: Decimal = ZERO
    amortisation: Decimal = ZERO

    @property
    def running_monthly(self) -> Decimal:
        return self.monthly - self.amortisation

    @property
    def total_36_months(self) -> Decimal:
        return self.upfront + MONTHS_OF_TCO * self.running_monthly


@dataclass(frozen=True)
class BreakEven:
    """The smallest monthly volume at which a self-hosted option costs no more than the API (the
    monthly view), or None with the reason."""

    option: str
    requests: int | None
    note: str


@dataclass(frozen=True)
class Estimate:
    options: dict[str, Option]
    cheapest: str
    break_evens: dict[str, BreakEven]
    cost_per_1000_requests: dict[str, Decimal]
    budget_gap: dict[str, Decimal] | None

    @property
    def break_even_requests(self) -> int | None:
        """The lowest volume from which some self-hosted option beats the API; None if none does."""
        volumes = [b.requests for b in self.break_evens.values() if b.requests is not None]
        return min(volumes, default=None)

    @property
    def break_even_note(self) -> str:
        return "; ".join(f"{name}: {b.note}" for name, b in self.break_evens.items())


def api_cost_per_request(workload: Workload, price: ApiPrice) -> Decimal:
    cached_price = price.cached_input if price.cached_input is not None else price.input
    input_cost = Decimal(workload.input_tokens) * (
        (1 - workload.cached_share) * price.input + workload.cached_share * cached_price
    )
    output_cost = Decimal(workload.output_tokens) * price.output
    return (input_cost + output_cost) / MILLION * (1 - price.discount)


def cloud_api(workload: Workload, price: ApiPrice, share: Decimal = Decimal("1"), *, detailed: bool = True) -> Option:
    """The API's cost for ``share`` of the requests. ``detailed`` False: the monthly cost alone (the
    chart's curve asks it at every volume it draws), which is the same figure."""
    per_request = api_cost_per_request(workload, price)
    requests = Decimal(workload.monthly_requests) * share
    monthly = money(requests * per_request)
    if not detailed:
        return Option("cloud_api", monthly)
    return Option("cloud_api", monthly, {"per_request": per_request, "requests": requests})


def replicas_needed(peak_rps: Decimal, replica: GpuReplica, workload: Workload) -> int:
    usable = replica.requests_per_second(workload) * replica.utilisation_target
    if usable <= 0:
        raise ValueError("A replica must serve a positive number of requests per second.")
    return max(replica.min_replicas, math.ceil(peak_rps / usable))


def replicas_per_unit(replica: GpuReplica, unit_gpus: int) -> int:
    """Replicas a rented instance or an owned server holds: a replica does not span two of them."""
    per_unit = unit_gpus // replica.gpus
    if per_unit < 1:
        raise ValueError(f"A replica needs {replica.gpus} GPUs; the instance or server has {unit_gpus}.")
    return per_unit


def units_needed(peak_rps: Decimal, replica: GpuReplica, workload: Workload, unit_gpus: int) -> int:
    """Whole instances (or serving servers) for the peak: replicas packed, a unit bought whole."""
    return math.ceil(replicas_needed(peak_rps, replica, workload) / replicas_per_unit(replica, unit_gpus))


def self_hosted_cloud(
    workload: Workload,
    replica: GpuReplica,
    instance: CloudInstance,
    staff: Staff,
    share: Decimal = Decimal("1"),
    *,
    detailed: bool = True,
) -> Option:
    """Rented instances for ``share`` of the peak, and the staff. ``detailed`` False: as ``cloud_api``."""
    per_unit = replicas_per_unit(replica, instance.gpus)
    instances = units_needed(workload.peak_rps * share, replica, workload, instance.gpus)
    instance_cost = instances * instance.monthly
    monthly = money(instance_cost + staff.monthly)
    if not detailed:
        return Option("self_hosted_cloud", monthly)
    return Option(
        "self_hosted_cloud",
        monthly,
        {
            "instances": instances,
            "instance_gpus": instance.gpus,
            "replicas": instances * per_unit,
            "gpu_hours": instances * instance.gpus * HOURS_PER_MONTH,
            "instances_cost": money(instance_cost),
            "staff": money(staff.monthly),
        },
        capacity=monthly_capacity(instances * per_unit, replica, workload),
    )


def on_premises(
    workload: Workload, replica: GpuReplica, server: OnPremServer, staff: Staff, *, detailed: bool = True
) -> Option:
    """Owned servers for the peak, with the spares, the facility and the staff. ``detailed`` False:
    as ``cloud_api``."""
    per_unit = replicas_per_unit(replica, server.gpus)
    serving = units_needed(workload.peak_rps, replica, workload, server.gpus)
    # The spares are in the fixed part, so only the serving servers are counted here.
    total = _on_premises_fixed(server, staff) + serving * (server.amortisation + server.running)
    if not detailed:
        return Option("on_premises", money(total))
    servers = serving + server.spare_servers
    amortisation = money(server.amortisation * servers)
    return Option(
        "on_premises",
        money(total),
        {
            "servers": servers,
            "serving_servers": serving,
            "spare_servers": server.spare_servers,
            "gpus": servers * server.gpus,
            "replicas": serving * per_unit,
            "power": money(server.power * servers),
            "colocation": money(server.colocation * servers + server.facility_monthly),
            "maintenance": money(server.maintenance * servers),
            "staff": money(staff.monthly),
        },
        capacity=monthly_capacity(serving * per_unit, replica, workload),
        upfront=money(server.capital_cost * servers),
        amortisation=amortisation,
    )


def hybrid(
    workload: Workload,
    price: ApiPrice,
    replica: GpuReplica,
    instance: CloudInstance,
    staff: Staff,
    split: HybridSplit,
    *,
    detailed: bool = True,
) -> Option:
    """Own capacity in the cloud for part of the traffic, the API for the rest. ``detailed`` False:
    as ``cloud_api``."""
    if split.mode == "base_and_burst":
        # Own capacity sized for the average rate; what arrives above it overflows to the API.
        base = Workload(
            workload.monthly_requests, workload.input_tokens, workload.output_tokens, workload.cached_share, Decimal(1)
        )
        burst = split.burst_share if split.burst_share is not None else _default_burst_share(workload.peak_ratio)
        own = self_hosted_cloud(base, replica, instance, staff, detailed=detailed)
        api = cloud_api(workload, price, share=burst, detailed=detailed)
        detail = {"mode": "base_and_burst", "burst_share": burst}
    else:
        own = self_hosted_cloud(workload, replica, instance, staff, share=split.self_hosted_share, detailed=detailed)
        api = cloud_api(workload, price, share=1 - split.self_hosted_share, detailed=detailed)
        detail = {"mode": "share", "self_hosted_share": split.self_hosted_share}
    if not detailed:
        return Option("hybrid", own.monthly + api.monthly)
    detail |= {
        "instances": own.detail["instances"],
        "replicas": own.detail["replicas"],
        "self_hosted": own.monthly,
        "cloud_api": api.monthly,
    }
    return Option("hybrid", own.monthly + api.monthly, detail)


def estimate(
    *,
    workload: Workload,
    price: ApiPrice | None,
    replica: GpuReplica | None,
    instance: CloudInstance | None,
    staff: Staff,
    split: HybridSplit | None,
    server: OnPremServer | None = None,
    server_replica: GpuReplica | None = None,
    cloud: bool = True,
    monthly_budget: Decimal | None = None,
) -> Estimate:
    """Every option's cost. ``server_replica``: the replica on the owned server's GPUs (default:
    ``replica``). ``cloud`` False: a site that cannot reach any cloud, where only owned servers
    count (and ``price``, ``instance`` and ``split`` may be None)."""
    server_replica = server_replica or replica
    options, break_evens = {}, {}
    if cloud:
        options["cloud_api"] = cloud_api(workload, price)
        options["self_hosted_cloud"] = self_hosted_cloud(workload, replica, instance, staff)
        options["hybrid"] = hybrid(workload, price, replica, instance, staff, split)
        break_evens["self_hosted_cloud"] = break_even_cloud(workload, price, replica, instance, staff)
    if server is not None:
        options["on_premises"] = on_premises(workload, server_replica, server, staff)
        if cloud:
            break_evens["on_premises"] = break_even_on_premises(workload, price, server_replica, server, staff)
    if not options:
        raise ValueError("Without cloud access an estimate needs an on-premises server.")
    cheapest = min(options, key=lambda name: (options[name].monthly, name))
    requests = Decimal(workload.monthly_requests)
    per_thousand = {
        name: (money(option.monthly / requests * 1000) if requests else ZERO) for name, option in options.items()
    }
    gap = {name: money(monthly_budget - option.monthly) for name, option in options.items()} if monthly_budget else None
    return Estimate(options, cheapest, break_evens, per_thousand, gap)


def break_even_cloud(
    workload: Workload, price: ApiPrice, replica: GpuReplica, instance: CloudInstance, staff: Staff
) -> BreakEven:
    """Against self-hosting in the cloud: staff fixed, a step per rented instance."""
    return _staircase_break_even(
        "self_hosted_cloud", workload, price, replica, instance.gpus, staff.monthly, instance.monthly, "instance"
    )


def break_even_on_premises(
    workload: Workload, price: ApiPrice, replica: GpuReplica, server: OnPremServer, staff: Staff
) -> BreakEven:
    """Against owned servers (monthly view, amortisation in): staff, facility and the spares
    fixed, a step per serving server."""
    per_server = server.amortisation + server.running
    return _staircase_break_even(
        "on_premises", workload, price, replica, server.gpus, _on_premises_fixed(server, staff), per_server, "server"
    )


def monthly_capacity(replicas: int, replica: GpuReplica, workload: Workload) -> int:
    """Monthly requests that ``replicas`` serve at the utilisation target, given the traffic's peaks."""
    rps = replica.requests_per_second(workload) * replica.utilisation_target * replicas
    return int(rps * SECONDS_PER_MONTH / workload.peak_ratio)


def last_volume_served(units: int, replica: GpuReplica, workload: Workload, unit_gpus: int) -> int:
    """The largest monthly volume ``units`` instances (or serving servers) serve, as
    ``units_needed`` decides it (``monthly_capacity`` truncates, so step to the exact edge)."""

    def needed(volume):
        return units_needed(workload_at(workload, volume).peak_rps, replica, workload, unit_gpus)

    edge = monthly_capacity(units * replicas_per_unit(replica, unit_gpus), replica, workload)
    while needed(edge + 1) <= units:
        edge += 1
    while edge > 0 and needed(edge) > units:
        edge -= 1
    return edge


def _staircase_break_even(option, workload, price, replica, unit_gpus, fixed, per_unit, unit_name) -> BreakEven:
    """Self-hosting costs ``fixed`` plus ``per_unit`` for each of the n units the volume needs: a
    staircase. On the step of n units it costs no more than the API from ``(fixed + n × per_unit) ÷
    API cost per request``, valid if that volume needs n units. The first step where it does gives
    the answer; if the API costs no more per request than a unit at full use, no step ever does."""
    api_per_request = api_cost_per_request(workload, price)
    per_unit_capacity = (
        replica.requests_per_second(workload)
        * replica.utilisation_target
        * replicas_per_unit(replica, unit_gpus)
        * SECONDS_PER_MONTH
        / workload.peak_ratio
    )
    if api_per_request <= 0 or api_per_request * per_unit_capacity <= per_unit:
        return BreakEven(
            option, None, "none within capacity: the API costs no more per request than the GPUs at full use"
        )
    first = max(1, units_needed(ZERO, replica, workload, unit_gpus))
    # fixed + n × per_unit <= n × api × capacity  <=>  n >= fixed ÷ (api × capacity − per_unit)
    units = max(first, math.ceil(fixed / (api_per_request * per_unit_capacity - per_unit)) - 1)
    per_unit_replicas = replicas_per_unit(replica, unit_gpus)
    while True:
        crossing = math.ceil((fixed + units * per_unit) / api_per_request)
        # The exact step edges (``last_volume_served``) are worked out only where the crossing is
        # near one: ``monthly_capacity`` is within a request of the edge.
        floor = 0
        if units > first:
            below = monthly_capacity((units - 1) * per_unit_replicas, replica, workload)
            floor = 0 if crossing > below + 2 else last_volume_served(units - 1, replica, workload, unit_gpus) + 1
        volume = max(floor, crossing)
        edge = monthly_capacity(units * per_unit_replicas, replica, workload)
        if volume < edge - 2 or volume <= last_volume_served(units, replica, workload, unit_gpus):
            return BreakEven(option, volume, f"with {units} {unit_name}(s) of {unit_gpus} GPU(s)")
        units += 1


def _on_premises_fixed(server: OnPremServer, staff: Staff) -> Decimal:
    """What owned servers cost a month whatever the volume: staff, facility, and the spares."""
    return staff.monthly + server.facility_monthly + server.spare_servers * (server.amortisation + server.running)


def workload_at(workload: Workload, monthly_requests: int) -> Workload:
    return Workload(
        monthly_requests, workload.input_tokens, workload.output_tokens, workload.cached_share, workload.peak_ratio
    )


def _default_burst_share(peak_ratio: Decimal) -> Decimal:
    """Without a measured figure: traffic at the peak rate one tenth of the time, the rest at average."""
    if peak_ratio <= 1:
        return ZERO
    return ((peak_ratio - 1) * Decimal("0.1") / (1 + (peak_ratio - 1) * Decimal("0.1"))).quantize(Decimal("0.0001"))
