"""The cost engine against figures worked by hand (see ../shared/data/cost-reference.md)."""

from dataclasses import astuple, replace
from decimal import Decimal as D

import pytest

from assessments.costs import (
    ApiPrice,
    CloudInstance,
    GpuReplica,
    HybridSplit,
    OnPremServer,
    Staff,
    Workload,
    api_cost_per_request,
    break_even_cloud,
    cloud_api,
    estimate,
    hybrid,
    on_premises,
    self_hosted_cloud,
)

GPT_4O_MINI = ApiPrice(input=D("0.15"), output=D("0.60"), cached_input=D("0.075"))
A10G_8B = GpuReplica(
    gpus=1, prefill_tokens_per_second=D("2200"), decode_tokens_per_second=D("600"), utilisation_target=D("1")
)
# 550 in / 2,200 + 150 out / 600 = 0.25 + 0.25 = 0.5 s a request: 2 requests/s, as 300 output tokens/s at 150 out.
G5 = CloudInstance(gpus=1, hourly=D("1.006"))
NO_STAFF = Staff()


def test_worked_check_of_the_cost_reference():
    # 8B on one A10G at 300 tokens/s, 150 output tokens a request: 2 requests/s at full load.
    workload = Workload(monthly_requests=5_256_000, input_tokens=550, output_tokens=150)
    own = self_hosted_cloud(workload, A10G_8B, G5, NO_STAFF)
    assert own.detail["replicas"] == 1
    assert own.capacity == 5_256_000  # 2 × 730 × 3600
    assert own.monthly == D("734.38")  # 1.006 × 730, one g5.xlarge
    assert (own.monthly / workload.monthly_requests).quantize(D("0.00001")) == D("0.00014")
    # gpt-4o-mini at 550 in / 150 out: 550 × 0.15 / 1e6 + 150 × 0.60 / 1e6 = 0.0001725
    assert api_cost_per_request(workload, ApiPrice(input=D("0.15"), output=D("0.60"))) == D("0.0001725")


def test_cloud_api_with_cached_input_and_discount():
    workload = Workload(monthly_requests=1_000_000, input_tokens=1000, output_tokens=200, cached_share=D("0.4"))
    price = ApiPrice(input=D("2.50"), output=D("10.00"), cached_input=D("1.25"), discount=D("0.10"))
    # per request: (1000 × (0.6 × 2.50 + 0.4 × 1.25) + 200 × 10) / 1e6 = (2000 + 2000) / 1e6 = 0.004
    # × 0.9 discount = 0.0036; × 1,000,000 requests = 3,600.00
    assert cloud_api(workload, price).monthly == D("3600.00")


# 500 = 0.1 s of prefill + 200 / 2,000 = 0.1 s of decode → 5 requests/s a replica.
H100_PAIR = GpuReplica(
    gpus=2, prefill_tokens_per_second=D("5000"), decode_tokens_per_second=D("2000"), utilisation_target=D("0.6")
)
P5 = CloudInstance(gpus=8, hourly=D("55.04"))


def test_self_hosted_replicas_from_peak_prefill_decode_and_utilisation_on_whole_instances():
    # 10.512M requests/month = 4 rps average; peak ratio 3 → 12 rps.
    workload = Workload(monthly_requests=10_512_000, input_tokens=500, output_tokens=200, peak_ratio=D("3"))
    # a replica: 5 rps × 0.6 = 3 usable rps → ceil(12 / 3) = 4 replicas × 2 GPUs = 8 GPUs = one p5.48xlarge
    staff = Staff(fte=D("0.5"), loaded_monthly_cost=D("16000"))
    option = self_hosted_cloud(workload, H100_PAIR, P5, staff)
    assert (option.detail["replicas"], option.detail["instances"]) == (4, 1)
    # 1 instance × 730 h × 55.04 = 40,179.20; + 8,000 staff = 48,179.20
    assert option.monthly == D("48179.20")
    assert option.total_36_months == D("1734451.20")
    # 13 rps at peak needs a 5th replica: a second instance is rented whole, 4 replicas of it idle.
    more = self_hosted_cloud(replace(workload, monthly_requests=11_388_000), H100_PAIR, P5, staff)
    assert (more.detail["replicas"], more.detail["instances"], more.monthly) == (8, 2, D("88358.40"))


def test_minimum_replicas_apply_at_low_volume():
    workload = Workload(monthly_requests=1000, input_tokens=500, output_tokens=100)
    replica = GpuReplica(gpus=1, prefill_tokens_per_second=D("5000"), decode_tokens_per_second=D("500"), min_replicas=2)
    assert (
        self_hosted_cloud(workload, replica, CloudInstance(gpus=1, hourly=D("0.8048")), NO_STAFF).detail["instances"]
        == 2
    )


def test_on_premises_amortisation_power_colocation_maintenance_staff_with_a_spare():
    workload = Workload(monthly_requests=10_512_000, input_tokens=500, output_tokens=200, peak_ratio=D("3"))
    replica = H100_PAIR
    server = OnPremServer(
        capital_cost=D("300000"),
        gpus=8,
        kw=D("10.2"),
        life_months=60,
        pue=D("1.4"),
        price_per_kwh=D("0.12"),
        average_load=D("0.6"),
        colocation_per_kw_month=D("184"),
        maintenance_share_per_year=D("0.10"),
        spare_servers=1,
    )
    staff = Staff(fte=D("1"), loaded_monthly_cost=D("16000"))
    option = on_premises(workload, replica, server, staff)
    # 4 replicas × 2 GPUs = 8 GPUs = 1 server + 1 spare = 2 servers
    assert option.detail["servers"] == 2
    assert option.amortisation == D("10000.00")  # 600,000 / 60
    # 20.4 kW × 1.4 × 730 × 0.12 × 0.6 = 1,501.1136
    assert option.detail["power"] == D("1501.11")
    assert option.detail["colocation"] == D("3753.60")  # 20.4 × 184
    assert option.detail["maintenance"] == D("5000.00")  # 600,000 × 0.10 / 12
    # running: 1,501.1136 + 3,753.60 + 5,000 + 16,000 staff = 26,254.7136; + 10,000 amortisation
    assert option.monthly == D("36254.71")
    assert option.running_monthly == D("26254.71")
    # 600,000 upfront + 36 × 26,254.71 running = 1,545,169.56 (the upfront is what amortisation spreads:
    # adding 36 × the monthly view to it, 1,905,169.56, paid for the servers one and a half times)
    assert option.upfront == D("600000.00")
    assert option.total_36_months == D("1545169.56")


def test_hybrid_by_share_and_by_base_and_burst():
    workload = Workload(monthly_requests=5_256_000, input_tokens=550, output_tokens=150, peak_ratio=D("2"))
    price = ApiPrice(input=D("0.15"), output=D("0.60"))
    by_share = hybrid(workload, price, A10G_8B, G5, NO_STAFF, HybridSplit(self_hosted_share=D("0.5")))
    # own: half the peak (2 rps) → 1 replica = 734.38; API: 2.628M × 0.0001725 = 453.33
    assert by_share.detail["self_hosted"] == D("734.38")
    assert by_share.detail["cloud_api"] == D("453.33")
    assert by_share.monthly == D("1187.71")
    burst = hybrid(
        workload, price, A10G_8B, G5, NO_STAFF, HybridSplit(D("0.5"), mode="base_and_burst", burst_share=D("0.2"))
    )
    # own capacity for the average 2 rps → 1 replica; 20% of requests to the API: 1,051,200 × 0.0001725
    assert burst.detail["cloud_api"] == D("181.33")
    assert burst.monthly == D("915.71")


def exact_costs(requests, price, staff):
    """Unrounded monthly costs (self-hosted, API) at ``requests`` a month on A10G_8B."""
    workload = Workload(monthly_requests=requests, input_tokens=550, output_tokens=150)
    own = self_hosted_cloud(workload, A10G_8B, G5, staff)
    return own.detail["instances"] * G5.monthly + staff.monthly, requests * api_cost_per_request(workload, price)


def assert_break_even_exact(volume, price, staff):
    own, api = exact_costs(volume, price, staff)
    assert own <= api
    own, api = exact_costs(volume - 1, price, staff)
    assert own > api


def test_break_even_matches_the_staircase_at_the_capacity_boundary():
    # One A10G replica: capacity 5,256,000 requests/month; costs 734.38 a month.
    workload = Workload(monthly_requests=1, input_tokens=550, output_tokens=150)
    price = ApiPrice(input=D("0.15"), output=D("0.60"))  # 0.0001725 a request
    volume, note = astuple(break_even_cloud(workload, price, A10G_8B, G5, NO_STAFF))[1:]
    # 1.006 × 730 / 0.0001725 = 4,257,275.4 → 4,257,276 requests, within one replica's capacity
    assert volume == 4_257_276
    assert note == "with 1 instance(s) of 1 GPU(s)"
    assert_break_even_exact(volume, price, NO_STAFF)


def test_break_even_past_the_first_step_lands_on_a_step_boundary():
    # With staff of 1,000/month, one replica (capacity 5,256,000) would need 10,054,000 requests: too many.
    workload = Workload(monthly_requests=1, input_tokens=550, output_tokens=150)
    price = ApiPrice(input=D("0.15"), output=D("0.60"))
    staff = Staff(fte=D("1"), loaded_monthly_cost=D("1000"))
    volume, note = astuple(break_even_cloud(workload, price, A10G_8B, G5, staff))[1:]
    # n >= 1000 / (0.0001725 × 5,256,000 − 734.38) = 1000 / 172.28 → 6 replicas;
    # F(6) = 5,406.28 → 31,340,754 requests (above 5 replicas' 26,280,000)
    assert note == "with 6 instance(s) of 1 GPU(s)"
    assert volume == 31_340_754
    assert_break_even_exact(volume, price, staff)


def test_no_break_even_when_the_api_is_cheaper_than_the_gpus_at_full_use():
    workload = Workload(monthly_requests=1, input_tokens=550, output_tokens=150)
    cheap = ApiPrice(input=D("0.05"), output=D("0.10"))
    assert astuple(break_even_cloud(workload, cheap, A10G_8B, G5, NO_STAFF)) == (
        "self_hosted_cloud",
        None,
        "none within capacity: the API costs no more per request than the GPUs at full use",
    )


def test_estimate_cheapest_cost_per_thousand_and_budget_gap():
    workload = Workload(monthly_requests=1_000_000, input_tokens=550, output_tokens=150)
    result = estimate(
        workload=workload,
        price=ApiPrice(input=D("0.15"), output=D("0.60")),
        replica=A10G_8B,
        instance=G5,
        staff=NO_STAFF,
        split=HybridSplit(self_hosted_share=D("0.5")),
        monthly_budget=D("500"),
    )
    assert result.options["cloud_api"].monthly == D("172.50")
    assert result.cheapest == "cloud_api"
    assert result.cost_per_1000_requests["cloud_api"] == D("0.17")
    assert result.budget_gap["cloud_api"] == D("327.50")
    assert result.budget_gap["self_hosted_cloud"] == D("-234.38")
    assert set(result.options) == {"cloud_api", "self_hosted_cloud", "hybrid"}


@pytest.mark.parametrize("requests", [0, 1, 10**9])
def test_money_is_decimal_everywhere(requests):
    workload = Workload(monthly_requests=requests, input_tokens=550, output_tokens=150)
    result = estimate(
        workload=workload,
        price=GPT_4O_MINI,
        replica=A10G_8B,
        instance=G5,
        staff=NO_STAFF,
        split=HybridSplit(self_hosted_share=D("0.5")),
    )
    for option in result.options.values():
        assert isinstance(option.monthly, D)
