"""Six projects worked by hand through the cost model of docs/cost-model.md, matched to the cent,
and the loader choosing the figures, servers and hybrid split the model says it should.

Shared figures (docs/cost-model.md, reference catalog):
- H = 730 hours a month; a month has 730 × 3600 = 2,628,000 seconds.
- 8B on 1 × A10G (vLLM 0.4.3): prefill 2,187.50, decode 564.31 tokens/s.
- 8B on 1 × H100 (vLLM 0.5.4 FP8, the conservative of the two unlabelled figures): prefill
  61,843.75, decode 3,400 tokens/s.
- 70B on 2 × H100 (NIM 1.8, concurrency 25, first token 0.69 s): prefill 12,195.12, decode 1,273.66.
- g5.xlarge: 1 × A10G, USD 1.006 an hour → 734.38 a month. p5.48xlarge: 8 × H100, USD 55.04 an
  hour → 40,179.20 a month, rented whole.
- 8 × H100 server: USD 300,000, 10.2 kW, 60 months of life.
- gpt-4o-mini USD 0.15 / 0.60 per million tokens in / out; gpt-4o 2.50 / 10.00.
- Utilisation target 0.7 throughout.
"""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from assessments.catalog import prices_import
from assessments.costs import (
    ApiPrice,
    CloudInstance,
    GpuReplica,
    HybridSplit,
    OnPremServer,
    Staff,
    Workload,
    estimate,
)
from assessments.models import CostEstimate, CostProfile
from assessments.services.estimates import estimates_recalculate
from deployments.services import routing_rules_replace
from projects.models import Project, RequirementsProfile

A10G_8B = GpuReplica(gpus=1, prefill_tokens_per_second=D("2187.50"), decode_tokens_per_second=D("564.31"))
H100_8B = GpuReplica(gpus=1, prefill_tokens_per_second=D("61843.75"), decode_tokens_per_second=D("3400"))
H100_70B = GpuReplica(gpus=2, prefill_tokens_per_second=D("12195.12"), decode_tokens_per_second=D("1273.66"))
G5 = CloudInstance(gpus=1, hourly=D("1.006"))
P5 = CloudInstance(gpus=8, hourly=D("55.04"))
MINI = ApiPrice(input=D("0.15"), output=D("0.60"))
GPT_4O = ApiPrice(input=D("2.50"), output=D("10.00"))
HALF_ENGINEER = Staff(fte=D("0.5"), loaded_monthly_cost=D("15000"))
# PUE 1.4, USD 0.12 per kWh, average load 0.6, maintenance 10% a year: the engine's defaults.
H100_SERVER = {
    "capital_cost": D("300000"),
    "gpus": 8,
    "kw": D("10.2"),
    "life_months": 60,
    "colocation_per_kw_month": D("184"),
}


def test_1_low_volume_api():
    # 200,000 requests a month, 550 in / 150 out, peak 1.5 × average, gpt-4o-mini, 8B on A10G.
    # API: 550 × 0.15 / 1e6 + 150 × 0.60 / 1e6 = 0.0000825 + 0.00009 = 0.0001725 a request
    #      × 200,000 = 34.50 a month; 36 months = 1,242.00.
    # A replica: 550 / 2,187.50 = 0.2514286 s + 150 / 564.31 = 0.2658113 s = 0.5172399 s a request
    #      → 1.93334 requests/s, × 0.7 = 1.35334 usable. Peak: 200,000 / 2,628,000 × 1.5 = 0.1142/s
    #      → 1 replica → 1 g5.xlarge = 734.38, + 0.5 × 15,000 staff = 8,234.38; 36 months = 296,437.68.
    # It serves 1.35334 × 2,628,000 / 1.5 = 2,371,046 a month.
    # Break-even: one instance at full use serves 2,371,046 × 0.0001725 = 409.01 of API traffic,
    #      less than the 734.38 it costs: none within capacity.
    result = estimate(
        workload=Workload(200_000, 550, 150, peak_ratio=D("1.5")),
        price=MINI,
        replica=A10G_8B,
        instance=G5,
        staff=HALF_ENGINEER,
        split=HybridSplit(self_hosted_share=D("0.5")),
    )
    api, own = result.options["cloud_api"], result.options["self_hosted_cloud"]
    assert (api.monthly, api.total_36_months) == (D("34.50"), D("1242.00"))
    assert (own.monthly, own.total_36_months, own.capacity) == (D("8234.38"), D("296437.68"), 2_371_046)
    assert own.detail["instances"] == 1
    assert result.cheapest == "cloud_api"
    assert result.break_even_requests is None
    assert result.break_evens["self_hosted_cloud"].note.startswith("none within capacity")


def test_2_high_volume_long_documents_pay_for_their_prefill():
    # 20,000,000 requests a month of 3,000 in / 300 out, peak 1.2, gpt-4o-mini, 8B on A10G.
    # API: (3,000 × 0.15 + 300 × 0.60) / 1e6 = 0.00063 a request × 20M = 12,600.00.
    # A replica: 3,000 / 2,187.50 = 1.3714286 s + 300 / 564.31 = 0.5316227 s = 1.9030513 s
    #      → 0.525472/s, × 0.7 = 0.367830. (Output alone would have said 1.88/s: the prompt is 72%
    #      of the GPU time.) Peak: 20M / 2,628,000 × 1.2 = 9.13242/s → 24.83 → 25 replicas.
    # 25 g5.xlarge × 734.38 = 18,359.50 + 7,500 staff = 25,859.50.
    result = estimate(
        workload=Workload(20_000_000, 3000, 300, peak_ratio=D("1.2")),
        price=MINI,
        replica=A10G_8B,
        instance=G5,
        staff=HALF_ENGINEER,
        split=HybridSplit(self_hosted_share=D("0.5")),
    )
    assert result.options["cloud_api"].monthly == D("12600.00")
    own = result.options["self_hosted_cloud"]
    assert own.detail["instances"] == 25
    assert own.detail["instances_cost"] == D("18359.50")
    assert own.monthly == D("25859.50")
    assert result.cheapest == "cloud_api"
    assert result.break_even_requests is None


def test_3_steady_high_volume_chat_on_whole_eight_gpu_instances():
    # 50,000,000 requests a month of 1,000 in / 250 out, peak 1.2, gpt-4o, 70B on 2 × H100 at the
    # NIM figure (first token 0.69 s, within the project's 2 s), 2 engineers.
    # API: (1,000 × 2.50 + 250 × 10) / 1e6 = 0.005 × 50M = 250,000.00.
    # A replica: 1,000 / 12,195.12 = 0.0820000 s + 250 / 1,273.66 = 0.1962847 s = 0.2782847 s
    #      → 3.593442/s, × 0.7 = 2.515409. Peak: 50M / 2,628,000 × 1.2 = 22.83105/s → 9.08 → 10.
    # A p5.48xlarge holds 8 ÷ 2 = 4 replicas: 3 instances (12 replicas), rented whole:
    #      3 × 40,179.20 = 120,537.60 + 30,000 staff = 150,537.60. (Per GPU: 20 × 2 × 6.88 × 730 would
    #      have said 100,448, a price no cloud sells.)
    # Break-even: staff 30,000 + 1 instance 40,179.20 = 70,179.20 ÷ 0.005 = 14,035,840 requests,
    #      within one instance's 4 × 2.515409 × 2,628,000 / 1.2 = 22,035,0xx.
    result = estimate(
        workload=Workload(50_000_000, 1000, 250, peak_ratio=D("1.2")),
        price=GPT_4O,
        replica=H100_70B,
        instance=P5,
        staff=Staff(fte=D("2"), loaded_monthly_cost=D("15000")),
        split=HybridSplit(self_hosted_share=D("0.5")),
    )
    own = result.options["self_hosted_cloud"]
    assert result.options["cloud_api"].monthly == D("250000.00")
    assert (own.detail["instances"], own.detail["replicas"], own.detail["gpu_hours"]) == (3, 12, 17520)
    assert own.monthly == D("150537.60")
    assert own.total_36_months == D("5419353.60")
    assert result.cheapest == "self_hosted_cloud"
    assert result.break_even_requests == 14_035_840
    assert result.break_evens["self_hosted_cloud"].note == "with 1 instance(s) of 8 GPU(s)"


def test_4_hybrid_priced_from_its_routing_rules():
    # 10,000,000 requests a month, 550 in / 150 out, peak 2, gpt-4o, 8B on A10G. Routing rules:
    # health data (70%) to self-hosted models, all other traffic (30%) to the API.
    # API part: 30% × 10M = 3,000,000 × (550 × 2.50 + 150 × 10) / 1e6 = 3M × 0.002875 = 8,625.00.
    # Own part: 70% of the peak, 10M / 2,628,000 × 2 × 0.7 = 5.32725/s ÷ 1.35334 = 3.94 → 4 g5.xlarge
    #      = 2,937.52 + 7,500 staff = 10,437.52. Hybrid: 19,062.52.
    # (The old hidden 50/50 would have priced 5M on the API, 14,375.00, and 3 instances.)
    result = estimate(
        workload=Workload(10_000_000, 550, 150, peak_ratio=D("2")),
        price=GPT_4O,
        replica=A10G_8B,
        instance=G5,
        staff=HALF_ENGINEER,
        split=HybridSplit(self_hosted_share=D("0.7")),
    )
    mixed = result.options["hybrid"]
    assert mixed.detail["cloud_api"] == D("8625.00")
    assert (mixed.detail["instances"], mixed.detail["self_hosted"]) == (4, D("10437.52"))
    assert mixed.monthly == D("19062.52")


def test_5_on_premises_with_a_spare_server_counts_its_capital_once():
    # 300,000,000 requests a month, 800 in / 200 out, peak 1.5, gpt-4o, 8B on H100 (the conservative
    # 3,400 tokens/s, not TensorRT-LLM's 20,188), one engineer, N+1.
    # A replica: 800 / 61,843.75 = 0.0129358 s + 200 / 3,400 = 0.0588235 s = 0.0717594 s → 13.9355/s,
    #      × 0.7 = 9.75485. Peak: 300M / 2,628,000 × 1.5 = 171.2329/s → 17.55 → 18 replicas.
    # 8 a server → 3 serving servers + 1 spare = 4. Upfront 4 × 300,000 = 1,200,000.
    # Amortisation 1,200,000 / 60 = 20,000.00 a month.
    # Power 40.8 kW × 1.4 × 730 × 0.12 × 0.6 = 3,002.2272; colocation 40.8 × 184 = 7,507.20;
    #      maintenance 1,200,000 × 10% / 12 = 10,000.00; staff 15,000 → running 35,509.4272 → 35,509.43.
    # Monthly view: 35,509.4272 + 20,000 = 55,509.43. 36-month view: 1,200,000 + 36 × 35,509.43
    #      = 2,478,339.48 (not 1,200,000 + 36 × 55,509.43 = 3,198,339.48, which pays for the servers twice).
    # Break-even with owned servers: fixed = staff 15,000 + the spare's 10,127.3568 (5,000 + 750.5568
    #      + 1,876.80 + 2,500) = 25,127.3568; + one serving server = 35,254.7136 ÷ 0.004 = 8,813,678.4
    #      → 8,813,679. With rented p5s: 15,000 + 40,179.20 = 55,179.20 ÷ 0.004 = 13,794,800.
    result = estimate(
        workload=Workload(300_000_000, 800, 200, peak_ratio=D("1.5")),
        price=GPT_4O,
        replica=H100_8B,
        instance=P5,
        staff=Staff(fte=D("1"), loaded_monthly_cost=D("15000")),
        split=HybridSplit(self_hosted_share=D("0.5")),
        server=OnPremServer(**H100_SERVER, spare_servers=1),
    )
    owned = result.options["on_premises"]
    assert (owned.detail["serving_servers"], owned.detail["spare_servers"], owned.detail["servers"]) == (3, 1, 4)
    assert owned.upfront == D("1200000.00")
    assert owned.amortisation == D("20000.00")
    assert (owned.detail["power"], owned.detail["colocation"], owned.detail["maintenance"]) == (
        D("3002.23"),
        D("7507.20"),
        D("10000.00"),
    )
    assert owned.running_monthly == D("35509.43")
    assert owned.monthly == D("55509.43")
    assert owned.total_36_months == D("2478339.48")
    assert result.break_evens["on_premises"].requests == 8_813_679
    assert result.break_evens["self_hosted_cloud"].requests == 13_794_800
    assert result.break_even_requests == 8_813_679
    assert result.cheapest == "on_premises"


def test_6_a_site_without_cloud_access_is_costed_on_owned_servers_only():
    # Offline site: 2,000,000 requests a month, 1,500 in / 400 out, peak 2, 70B on 2 × H100, no spare.
    # A replica: 1,500 / 12,195.12 = 0.1230000 s + 400 / 1,273.66 = 0.3140556 s = 0.4370556 s
    #      → 2.288038/s, × 0.7 = 1.601627. Peak 2M / 2,628,000 × 2 = 1.52207/s → 1 replica → 1 server.
    # Upfront 300,000; amortisation 5,000.00; power 10.2 × 1.4 × 730 × 0.12 × 0.6 = 750.5568;
    #      colocation 1,876.80; maintenance 2,500.00; staff 15,000 → running 20,127.3568 → 20,127.36.
    # Monthly view 25,127.36; 36-month view 300,000 + 36 × 20,127.36 = 1,024,584.96. No API to break even with.
    result = estimate(
        workload=Workload(2_000_000, 1500, 400, peak_ratio=D("2")),
        price=None,
        replica=H100_70B,
        instance=None,
        staff=Staff(fte=D("1"), loaded_monthly_cost=D("15000")),
        split=None,
        server=OnPremServer(**H100_SERVER),
        cloud=False,
    )
    assert set(result.options) == {"on_premises"}
    owned = result.options["on_premises"]
    assert (owned.detail["servers"], owned.detail["replicas"]) == (1, 4)
    assert (owned.monthly, owned.running_monthly, owned.amortisation) == (D("25127.36"), D("20127.36"), D("5000.00"))
    assert owned.total_36_months == D("1024584.96")
    assert result.cheapest == "on_premises"
    assert (result.break_evens, result.break_even_requests) == ({}, None)


# --- The loader picks what the model says -----------------------------------------------------


@pytest.fixture
def catalog(db):
    prices_import(
        prices={"openai:gpt-4o-mini": (D("0.15"), None, D("0.60")), "openai:gpt-4o": (D("2.50"), None, D("10"))},
        source="hand-worked prices",
    )


def _profile(project, **fields):
    RequirementsProfile.objects.filter(project=project).update(**fields)


@pytest.mark.django_db
def test_the_hybrid_estimate_reads_the_routing_rules_share(project, people, catalog):
    # Project 4 through the service: the rules send 70% to self-hosted models, the plan says 50%.
    _profile(project, monthly_requests=10_000_000, avg_input_tokens=550, avg_output_tokens=150, peak_ratio=D("2"))
    CostProfile.objects.create(tenant=project.tenant, project=project, api_model="openai:gpt-4o")
    Project.objects.filter(pk=project.pk).update(hosting_approach="hybrid")
    project.refresh_from_db()
    routing_rules_replace(
        project=project,
        actor=people["engineer"],
        rules=[
            {"condition_kind": "data_class", "data_class": "health", "destination": "self_hosted", "share_percent": 70},
            {
                "condition_kind": "traffic",
                "traffic_condition": "other",
                "destination": "cloud_api",
                "api_model": "openai:gpt-4o",
                "share_percent": 30,
            },
        ],
    )
    estimates_recalculate([project.pk])
    stored = CostEstimate.objects.get(project=project)
    assert stored.hybrid_monthly == D("19062.52")
    assert stored.chosen_monthly == D("19062.52")
    assert stored.inputs["split"]["self_hosted_share"] == "0.70"
    assert stored.inputs["sources"]["hybrid_split"] == "routing rules"


@pytest.mark.django_db
def test_on_premises_uses_the_server_of_the_chosen_gpu_and_its_own_figure(project, catalog):
    # The plan rents p5.48xlarge (H100): the on-premises option is the 8 × H100 server, sized on the
    # H100 figure, never the first server in the catalog. Project 5's workload, to the cent.
    _profile(
        project,
        monthly_requests=300_000_000,
        avg_input_tokens=800,
        avg_output_tokens=200,
        peak_ratio=D("1.5"),
        latency_target_ms=None,
        latency_need="batch",
    )
    CostProfile.objects.create(
        tenant=project.tenant,
        project=project,
        api_model="openai:gpt-4o",
        gpu_instance="p5.48xlarge",
        staff_fte=D("1"),
        staff_loaded_monthly=D("15000"),
    )
    estimates_recalculate([project.pk])
    stored = CostEstimate.objects.get(project=project)
    assert stored.inputs["sources"]["hardware"]["name"] == "8 × H100 SXM server"
    assert stored.inputs["server_replica"]["decode_tokens_per_second"] == "3400.00"  # not 20,188.46
    assert stored.on_premises_monthly == D("55509.43")
    assert stored.result["options"]["on_premises"]["total_36_months"] == "2478339.48"
    assert stored.result["break_evens"]["on_premises"]["requests"] == 8_813_679
    assert "amortisation left out" in stored.result["views"]["total_36_months"]


@pytest.mark.django_db
def test_without_a_server_of_the_chosen_gpu_on_premises_is_sized_on_the_server_it_uses(project, catalog):
    # g5.xlarge (A10G) and no A10G server in the catalog: the 8 × H100 server, the only one with a
    # figure for an 8B model, sized on its own H100 figure (conservative: 3,400, not 20,188) — never
    # on the A10G's. 1,000,000 requests a month at 550 / 150, peak 1.5: 1 replica → 1 serving server
    # + 1 spare (N+1, the plan's default) = 2 servers.
    # A server a month: amortisation 5,000 + power 750.5568 + colocation 1,876.80 + maintenance 2,500
    #      = 10,127.3568; + 0.5 × 15,000 staff: 7,500 + 2 × 10,127.3568 = 27,754.7136 → 27,754.71.
    # 36 months: 600,000 upfront + 36 × (27,754.71 − 10,000 amortisation) = 600,000 + 639,169.56.
    _profile(project, monthly_requests=1_000_000, avg_input_tokens=550, avg_output_tokens=150, peak_ratio=D("1.5"))
    CostProfile.objects.create(tenant=project.tenant, project=project)
    estimates_recalculate([project.pk])
    stored = CostEstimate.objects.get(project=project)
    assert stored.inputs["sources"]["hardware"]["name"] == "8 × H100 SXM server"
    assert stored.inputs["replica"]["decode_tokens_per_second"] == "564.31"  # the cloud option's A10G
    assert stored.inputs["server_replica"]["decode_tokens_per_second"] == "3400.00"  # the server's H100
    assert stored.on_premises_monthly == D("27754.71")
    assert stored.result["options"]["on_premises"]["total_36_months"] == "1239169.56"


@pytest.mark.django_db
def test_an_offline_site_is_estimated_on_its_named_server_only(project, catalog):
    # Project 6 through the service.
    _profile(
        project,
        monthly_requests=2_000_000,
        avg_input_tokens=1500,
        avg_output_tokens=400,
        peak_ratio=D("2"),
        connectivity="offline",
        latency_target_ms=2000,
    )
    CostProfile.objects.create(
        tenant=project.tenant,
        project=project,
        size_class="70b",
        hardware_profile="8 × H100 SXM server",
        on_premises_redundancy="none",
        staff_fte=D("1"),
        staff_loaded_monthly=D("15000"),
    )
    Project.objects.filter(pk=project.pk).update(hosting_approach="on_premises")
    estimates_recalculate([project.pk])
    stored = CostEstimate.objects.get(project=project)
    assert (stored.cloud_api_monthly, stored.self_hosted_monthly, stored.hybrid_monthly) == (None, None, None)
    assert stored.on_premises_monthly == stored.chosen_monthly == D("25127.36")
    assert stored.cheapest == "on_premises"
    assert stored.break_even_requests is None


@pytest.mark.django_db
def test_an_offline_site_no_server_can_serve_is_refused_naming_the_field(project, catalog):
    _profile(project, connectivity="offline")
    CostProfile.objects.create(tenant=project.tenant, project=project, size_class="405b")
    result = estimates_recalculate([project.pk])
    assert result["stored"] == 0
    assert result["failed"][project.pk] == [
        "A site without cloud access runs on owned servers: the catalog has none that runs a 405b model; "
        "name one in the cost plan."
    ]
    assert not CostEstimate.objects.filter(project=project).exists()


@pytest.mark.django_db
def test_the_project_page_says_which_view_each_figure_is_and_draws_every_option(client, people, project, catalog):
    # Project 5 on the page: both views, formatted, the break-evens in sentences, all four lines.
    _profile(
        project,
        monthly_requests=300_000_000,
        avg_input_tokens=800,
        avg_output_tokens=200,
        peak_ratio=D("1.5"),
        latency_target_ms=None,
        latency_need="batch",
    )
    CostProfile.objects.create(
        tenant=project.tenant,
        project=project,
        api_model="openai:gpt-4o",
        gpu_instance="p5.48xlarge",
        staff_fte=D("1"),
        staff_loaded_monthly=D("15000"),
    )
    estimates_recalculate([project.pk])
    client.force_login(people["viewer"])
    body = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert "A month: the running cost, plus the amortisation of owned servers over their life." in body
    assert "36 months: what is paid upfront plus 36 months of running cost." in body
    owned = (
        '<tr><th scope="row">On premises <small>(cheapest)</small></th>'
        '<td class="number" data-label="A month">$55,509.43</td>'
        '<td class="number" data-label="of which amortisation">$20,000.00</td>'
        '<td class="number" data-label="Upfront">$1,200,000.00</td>'
        '<td class="number" data-label="36 months">$2,478,339.48</td></tr>'
    )
    assert owned in body
    assert "Owned servers on premises costs no more than the cloud API from 8,813,679 requests a month" in body
    assert "Self-hosting in the cloud costs no more than the cloud API from 13,794,800 requests a month" in body
    assert "8813679" not in body
    assert body.count('<polyline class="cost-chart-line') == 2 * 4  # the wide drawing and the narrow one
    assert 'class="cost-chart-line cost-chart-line-hybrid"' in body
    assert 'class="cost-chart-line cost-chart-line-on_premises"' in body
