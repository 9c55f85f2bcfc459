"""Properties of the cost model that hold for any inputs: costs rise with volume, the 36-month
total counts owned hardware once, and a reported break-even is where the two cost curves cross."""

from dataclasses import replace
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.costs import (
    ApiPrice,
    CloudInstance,
    GpuReplica,
    HybridSplit,
    OnPremServer,
    Staff,
    Workload,
    cloud_api,
    estimate,
    hybrid,
    on_premises,
    self_hosted_cloud,
)

money = st.decimals(min_value=D("0.01"), max_value=D("100"), places=2)
rates = st.decimals(min_value=D("50"), max_value=D("50000"), places=2)


@st.composite
def projects(draw):
    replica_gpus = draw(st.sampled_from([1, 2, 4]))
    workload = Workload(
        monthly_requests=draw(st.integers(min_value=0, max_value=10**9)),
        input_tokens=draw(st.integers(min_value=1, max_value=20_000)),
        output_tokens=draw(st.integers(min_value=0, max_value=4_000)),
        cached_share=draw(st.decimals(min_value=0, max_value=1, places=2)),
        peak_ratio=draw(st.decimals(min_value=1, max_value=10, places=2)),
    )
    return {
        "workload": workload,
        "price": ApiPrice(input=draw(money), output=draw(money), cached_input=None),
        "replica": GpuReplica(
            gpus=replica_gpus,
            prefill_tokens_per_second=draw(rates),
            decode_tokens_per_second=draw(rates),
            utilisation_target=draw(st.decimals(min_value=D("0.1"), max_value=1, places=2)),
            min_replicas=draw(st.integers(min_value=1, max_value=3)),
        ),
        "instance": CloudInstance(
            gpus=replica_gpus * draw(st.sampled_from([1, 2, 4])),
            hourly=draw(st.decimals(min_value=D("0.1"), max_value=D("100"), places=3)),
        ),
        "staff": Staff(fte=draw(st.decimals(min_value=0, max_value=3, places=1)), loaded_monthly_cost=D("15000")),
        "split": HybridSplit(self_hosted_share=draw(st.decimals(min_value=0, max_value=1, places=2))),
        "server": OnPremServer(
            capital_cost=draw(st.decimals(min_value=1000, max_value=500_000, places=0)),
            gpus=replica_gpus * draw(st.sampled_from([1, 2, 4])),
            kw=draw(st.decimals(min_value=D("0.5"), max_value=D("12"), places=1)),
            life_months=draw(st.sampled_from([36, 48, 60, 72])),
            colocation_per_kw_month=D("184"),
            spare_servers=draw(st.integers(min_value=0, max_value=1)),
        ),
    }


@settings(max_examples=200, deadline=None)
@given(projects(), st.integers(min_value=0, max_value=10**9))
def test_every_option_costs_no_less_at_a_higher_volume(inputs, more):
    lower = estimate(**inputs)
    higher = estimate(
        **inputs
        | {"workload": replace(inputs["workload"], monthly_requests=inputs["workload"].monthly_requests + more)}
    )
    for name, option in lower.options.items():
        assert higher.options[name].monthly >= option.monthly, name
        assert higher.options[name].total_36_months >= option.total_36_months, name


@settings(max_examples=200, deadline=None)
@given(projects())
def test_the_36_month_total_counts_owned_hardware_once(inputs):
    for option in estimate(**inputs).options.values():
        # Cash view: upfront + 36 × running cost; the amortisation is in the monthly view only.
        assert option.total_36_months == option.upfront + 36 * (option.monthly - option.amortisation)
        assert option.running_monthly + option.amortisation == option.monthly
    owned = estimate(**inputs).options["on_premises"]
    servers = owned.detail["servers"]
    server = inputs["server"]
    assert owned.upfront == server.capital_cost * servers
    assert abs(owned.amortisation - server.capital_cost * servers / server.life_months) <= D("0.005")
    # Over a 36-month life the two views agree to within rounding: the purchase counted once.
    if server.life_months == 36:
        assert abs(owned.total_36_months - 36 * owned.monthly) <= D("0.36")


def _cost(name, inputs, volume):
    at = replace(inputs["workload"], monthly_requests=volume)
    if name == "self_hosted_cloud":
        return self_hosted_cloud(at, inputs["replica"], inputs["instance"], inputs["staff"]).monthly
    return on_premises(at, inputs["replica"], inputs["server"], inputs["staff"]).monthly


@settings(max_examples=300, deadline=None)
@given(projects(), st.data())
def test_a_reported_break_even_is_where_the_cost_curves_cross(inputs, data):
    result = estimate(**inputs)
    for name, found in result.break_evens.items():
        if found.requests is None:
            continue
        volume = found.requests

        def api(v):
            return cloud_api(replace(inputs["workload"], monthly_requests=v), inputs["price"]).monthly

        # At the break-even self-hosting costs no more than the API; one request fewer, no less.
        assert _cost(name, inputs, volume) <= api(volume), name
        if volume > 0:
            assert _cost(name, inputs, volume - 1) >= api(volume - 1), name
        # And nowhere below it is self-hosting the cheaper one.
        below = data.draw(st.integers(min_value=0, max_value=max(volume - 1, 0)))
        if below < volume:
            assert _cost(name, inputs, below) >= api(below), name


@settings(max_examples=200, deadline=None)
@given(projects(), st.sampled_from(["share", "base_and_burst"]))
def test_an_options_monthly_cost_alone_is_the_detailed_options_figure(inputs, mode):
    """The chart's curve asks each option for its monthly cost alone (``detailed=False``) at every
    volume it draws: the same figure as the full option, for every option and hybrid mode."""
    workload, price, replica, instance, staff = (
        inputs[name] for name in ("workload", "price", "replica", "instance", "staff")
    )
    split = replace(inputs["split"], mode=mode)
    pairs = [
        (cloud_api(workload, price, detailed=False), cloud_api(workload, price)),
        (
            self_hosted_cloud(workload, replica, instance, staff, detailed=False),
            self_hosted_cloud(workload, replica, instance, staff),
        ),
        (
            on_premises(workload, replica, inputs["server"], staff, detailed=False),
            on_premises(workload, replica, inputs["server"], staff),
        ),
        (
            hybrid(workload, price, replica, instance, staff, split, detailed=False),
            hybrid(workload, price, replica, instance, staff, split),
        ),
    ]
    for alone, detailed in pairs:
        assert (alone.name, alone.monthly) == (detailed.name, detailed.monthly)
        assert alone.detail == {}
        assert detailed.detail
