"""The cost comparison chart: costs over volume against the engine, the chart's geometry, and the
project page showing it (or saying why it cannot)."""

from dataclasses import replace
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import charts
from assessments.catalog import prices_import
from assessments.charts import cost_chart, engine_inputs
from assessments.cost_curve import cost_curve
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
from assessments.models import CostEstimate, CostProfile
from assessments.services.estimates import Catalog, cost_inputs, estimates_recalculate
from assessments.services.loading import projects_for_evaluation
from projects.models import RequirementsProfile

GPT_4O_MINI = ApiPrice(input=D("0.15"), output=D("0.60"))  # 0.0001725 a request at 550 in / 150 out
A10G_8B = GpuReplica(
    gpus=1, prefill_tokens_per_second=D("2200"), decode_tokens_per_second=D("600"), utilisation_target=D("1")
)
# 550 in / 2,200 + 150 out / 600 = 0.25 + 0.25 = 0.5 s a request: 2 requests/s, as 300 output tokens/s at 150 out.
G5 = CloudInstance(gpus=1, hourly=D("1.006"))
SERVER = OnPremServer(capital_cost=D("80000"), gpus=4, kw=D("2.4"), colocation_per_kw_month=D("184"))
NO_STAFF = Staff()
SPLIT = HybridSplit(self_hosted_share=D("0.5"))


def workload(requests=1_000_000, **fields):
    return Workload(monthly_requests=requests, input_tokens=550, output_tokens=150, **fields)


def at(curve, requests):
    return next(point.monthly for point in curve.points if point.monthly_requests == requests)


# --- Costs over volume ------------------------------------------------------------------------


def test_every_point_of_the_curve_is_the_engines_cost_at_that_volume():
    staff = Staff(fte=D("0.5"), loaded_monthly_cost=D("2000"))
    curve = cost_curve(
        workload=workload(), price=GPT_4O_MINI, replica=A10G_8B, instance=G5, split=SPLIT, staff=staff, server=SERVER
    )
    assert len(curve.points) > 60
    for point in curve.points:
        volume = workload(point.monthly_requests)
        assert point.monthly == {
            "cloud_api": cloud_api(volume, GPT_4O_MINI).monthly,
            "self_hosted_cloud": self_hosted_cloud(volume, A10G_8B, G5, staff).monthly,
            "on_premises": on_premises(volume, A10G_8B, SERVER, staff).monthly,
            "hybrid": hybrid(volume, GPT_4O_MINI, A10G_8B, G5, staff, SPLIT).monthly,
        }
    # And to the cent by hand: 1,000,000 × 0.0001725 = 172.50; one replica 734.38 + 1,000 staff.
    assert at(curve, 1_000_000) == {
        "cloud_api": D("172.50"),
        "self_hosted_cloud": D("1734.38"),
        "on_premises": at(curve, 1_000_000)["on_premises"],
        # half the traffic on one own replica (734.38 + 1,000) and half on the API (86.25)
        "hybrid": D("1820.63"),
    }
    assert at(curve, 0)["cloud_api"] == D("0.00")


def test_the_curve_spans_twice_the_larger_of_the_volume_and_the_break_even():
    # Break-even with no staff: 734.38 / 0.0001725 → 4,257,276 requests (test_costs works it by hand).
    small = cost_curve(
        workload=workload(1_000_000), price=GPT_4O_MINI, replica=A10G_8B, instance=G5, split=SPLIT, staff=NO_STAFF
    )
    assert (small.break_even_requests, small.break_even_monthly) == (4_257_276, {"self_hosted_cloud": D("734.38")})
    assert small.top == 8_514_552
    assert (small.points[0].monthly_requests, small.points[-1].monthly_requests) == (0, 8_514_552)
    large = cost_curve(
        workload=workload(10_000_000), price=GPT_4O_MINI, replica=A10G_8B, instance=G5, split=SPLIT, staff=NO_STAFF
    )
    assert large.top == 20_000_000
    assert {1_000_000, 4_257_276} <= {point.monthly_requests for point in small.points}


def test_the_break_even_point_is_where_self_hosting_first_costs_no_more():
    curve = cost_curve(
        workload=workload(), price=GPT_4O_MINI, replica=A10G_8B, instance=G5, split=SPLIT, staff=NO_STAFF
    )
    on = at(curve, 4_257_276)
    assert on["self_hosted_cloud"] <= on["cloud_api"] == curve.break_even_monthly["self_hosted_cloud"] == D("734.38")
    below = at(curve, curve.top * 30 // 60)  # 4,257,276, the break-even itself, is sample 30 of 60
    assert below == on
    earlier = at(curve, curve.top * 29 // 60)  # 4,115,367: 709.90 against one replica's 734.38
    assert earlier["cloud_api"] == D("709.90") < earlier["self_hosted_cloud"] == D("734.38")


def test_the_self_hosted_staircase_rises_between_two_neighbouring_volumes():
    # 300 tokens/s ÷ 150 = 2 requests/s at full use: one replica serves 5,256,000 a month.
    curve = cost_curve(
        workload=workload(),
        price=GPT_4O_MINI,
        replica=A10G_8B,
        instance=G5,
        split=SPLIT,
        staff=NO_STAFF,
        top=12_000_000,
    )
    assert at(curve, 5_256_000)["self_hosted_cloud"] == D("734.38")
    assert at(curve, 5_256_001)["self_hosted_cloud"] == D("1468.76")
    assert at(curve, 10_512_000)["self_hosted_cloud"] == D("1468.76")
    assert at(curve, 10_512_001)["self_hosted_cloud"] == D("2203.14")


def test_the_staircase_edge_is_the_engines_even_where_its_capacity_figure_rounds_short():
    # 290 ÷ 150 × 0.7 × 2,628,000 ÷ 1.5 = 2,371,040 a replica exactly; the decimal quotient falls a hair short.
    # 550 / 1,100 + 150 / 8,700 = 1/2 + 1/58 = 15/29 s a request: 290 ÷ 150 a second, as 290 output tokens/s.
    replica = GpuReplica(
        gpus=1, prefill_tokens_per_second=D("1100"), decode_tokens_per_second=D("8700"), utilisation_target=D("0.7")
    )
    peaky = workload(peak_ratio=D("1.5"))
    curve = cost_curve(
        workload=peaky, price=GPT_4O_MINI, replica=replica, instance=G5, split=SPLIT, staff=NO_STAFF, top=5_000_000
    )
    assert self_hosted_cloud(replace(peaky, monthly_requests=2_371_040), replica, G5, NO_STAFF).detail["replicas"] == 1
    assert at(curve, 2_371_040)["self_hosted_cloud"] == D("734.38")
    assert at(curve, 2_371_041)["self_hosted_cloud"] == D("1468.76")
    assert at(curve, 4_742_081)["self_hosted_cloud"] == D("2203.14")


def test_steps_too_fine_to_draw_are_sampled_not_listed():
    tiny = GpuReplica(
        gpus=1, prefill_tokens_per_second=D("550"), decode_tokens_per_second=D("1"), utilisation_target=D("1")
    )
    curve = cost_curve(
        workload=workload(100_000_000),
        price=GPT_4O_MINI,
        replica=tiny,
        instance=G5,
        split=SPLIT,
        staff=NO_STAFF,
        samples=60,
    )
    assert len(curve.points) <= 61 + 2
    for point in curve.points:
        volume = workload(point.monthly_requests)
        assert point.monthly["self_hosted_cloud"] == self_hosted_cloud(volume, tiny, G5, NO_STAFF).monthly


def test_without_a_break_even_the_curve_spans_twice_the_volume_or_one_replicas_reach():
    cheap = ApiPrice(input=D("0.05"), output=D("0.10"))
    curve = cost_curve(
        workload=workload(3_000_000),
        price=cheap,
        replica=A10G_8B,
        instance=G5,
        split=SPLIT,
        staff=NO_STAFF,
        server=SERVER,
    )
    assert (curve.break_even_requests, curve.break_even_monthly, curve.top) == (None, {}, 6_000_000)
    assert "none within capacity" in curve.break_evens["self_hosted_cloud"].note
    assert "none within capacity" in curve.break_evens["on_premises"].note
    idle = cost_curve(workload=workload(0), price=cheap, replica=A10G_8B, instance=G5, split=SPLIT, staff=NO_STAFF)
    assert idle.top == 2 * 5_256_000


# --- Geometry ---------------------------------------------------------------------------------


def record(requests=1_000_000, *, server=False, **price):
    """Inputs as a stored estimate keeps them: decimals as text."""
    return {
        "workload": {
            "monthly_requests": requests,
            "input_tokens": 550,
            "output_tokens": 150,
            "cached_share": "0.00",
            "peak_ratio": "1",
        },
        "price": {"input": "0.15", "output": "0.60", "cached_input": None, "discount": "0"} | price,
        "replica": {
            "gpus": 1,
            "prefill_tokens_per_second": "2200",
            "decode_tokens_per_second": "600",
            "utilisation_target": "1",
            "min_replicas": 1,
        },
        "instance": {"gpus": 1, "hourly": "1.006"},
        "staff": {"fte": "0", "loaded_monthly_cost": "0"},
        "server": {"capital_cost": "80000", "gpus": 4, "kw": "2.4", "colocation_per_kw_month": "184"}
        if server
        else None,
        "split": {"mode": "share", "self_hosted_share": "0.5", "burst_share": None},
        "server_replica": None,
        "cloud": True,
        "monthly_budget": None,
        "sources": {},
    }


def chart_for(inputs):
    return cost_chart(estimate=CostEstimate(inputs=inputs))


def x_of(requests, end):
    return round(charts.LEFT + requests / end * (charts.RIGHT - charts.LEFT), 1)


def test_stored_inputs_read_back_into_the_engines_dataclasses():
    inputs = engine_inputs(record())
    assert inputs["workload"] == workload(peak_ratio=D("1"))
    assert inputs["price"] == GPT_4O_MINI
    assert inputs["replica"] == A10G_8B
    assert engine_inputs(record(server=True))["server"] == SERVER
    assert inputs["server"] is None
    assert engine_inputs({"workload": {}}) is None
    assert engine_inputs({"price": {"input": "not a number"}}) is None


def test_axes_are_round_and_labelled_in_requests_and_money():
    chart = chart_for(record())
    # Twice the break-even (4,257,276) is 8,514,552: the axis runs to 10M in steps of 2M.
    assert [tick.label for tick in chart.x_ticks] == ["0", "2M", "4M", "6M", "8M", "10M"]
    assert [tick.position for tick in chart.x_ticks] == [x_of(n * 2_000_000, 10_000_000) for n in range(6)]
    assert chart.x_ticks[-1].position == charts.RIGHT
    assert chart.y_ticks[0].label == "$0"
    assert chart.y_ticks[0].position == charts.BOTTOM
    assert chart.y_ticks[-1].position == charts.TOP
    assert all(tick.label.startswith("$") for tick in chart.y_ticks)


def test_one_line_per_option_told_apart_by_dash_as_well_as_colour():
    chart = chart_for(record(server=True))
    assert [line.label for line in chart.lines] == ["Cloud API", "Self-hosted in cloud", "On premises", "Hybrid"]
    assert len({line.dash for line in chart.lines}) == 4
    assert len({line.colour for line in chart.lines}) == 4
    api = chart.lines[0].points.split()
    assert api[0] == f"{float(charts.LEFT)},{float(charts.BOTTOM)}"  # nothing at no traffic
    assert api[-1].startswith(f"{float(charts.RIGHT)},")
    assert [line.key for line in chart_for(record()).lines] == ["cloud_api", "self_hosted_cloud", "hybrid"]


def test_the_break_even_and_the_projects_volume_are_marked_where_they_fall():
    chart = chart_for(record(1_000_000))
    assert chart.current.x == x_of(1_000_000, 10_000_000)
    assert chart.current.label == "Now: 1,000,000 a month"
    assert chart.break_even.x == x_of(4_257_276, 10_000_000)
    y_top = D(chart.y_ticks[-1].label.removeprefix("$").replace(",", ""))
    assert chart.break_even.y == round(charts.BOTTOM - float(D("734.38") / y_top) * (charts.BOTTOM - charts.TOP), 1)
    assert chart.break_even.label == "Break-even: 4,257,276 a month"
    # Labelled below and to the right, clear of the API rising through the point.
    assert (chart.break_even.label_x, chart.break_even.label_y) == (chart.break_even.x + 10, chart.break_even.y + 22)
    assert chart.break_even.anchor == "start"
    assert chart.summary.startswith(
        "Self-hosting in the cloud becomes cheaper than the cloud API from 4,257,276 requests a month"
    )
    assert "$734.38" in chart.summary


def test_the_numbers_table_holds_the_ticks_the_volume_now_and_the_break_even():
    chart = chart_for(record(1_000_000, server=False))
    rows = {row.requests: row for row in chart.rows}
    assert list(rows) == [
        "0",
        "1,000,000",
        "2,000,000",
        "4,000,000",
        "4,257,276",
        "6,000,000",
        "8,000,000",
        "10,000,000",
    ]
    assert rows["1,000,000"].note == "the project's volume now"
    # Hybrid: half the traffic on one own replica (734.38) and half on the API: 500,000 × 0.0001725 = 86.25
    assert rows["1,000,000"].monthly == ("$172.50", "$734.38", "$820.63")
    assert rows["1,000,000"].cheapest == "Cloud API"
    assert rows["4,257,276"].note == "break-even"
    # Hybrid: 734.38 + 2,128,638 × 0.0001725 = 734.38 + 367.19
    assert rows["4,257,276"].monthly == ("$734.38", "$734.38", "$1,101.57")
    assert rows["4,257,276"].cheapest == "Cloud API and Self-hosted in cloud"
    # Hybrid: 5M on one own replica (it serves 5,256,000) + 5M × 0.0001725 = 734.38 + 862.50
    assert rows["10,000,000"].monthly == ("$1,725.00", "$1,468.76", "$1,596.88")
    assert rows["10,000,000"].cheapest == "Self-hosted in cloud"


def test_without_a_break_even_the_summary_says_the_api_stays_cheaper():
    chart = chart_for(record(3_000_000, input="0.05", output="0.10"))
    assert chart.break_even is None
    assert chart.summary.startswith("The cloud API stays cheaper than self-hosting in the cloud at every volume shown")
    assert "6,000,000" in chart.summary


def test_where_the_api_is_cheaper_again_past_the_break_even_is_said():
    # No staff: one replica breaks even at 4,257,276; the second (from 5,256,001) costs 1,468.76,
    # which the API reaches only at 1,468.76 ÷ 0.0001725 = 8,514,550.7 → 8,514,551.
    chart = chart_for(record(1_000_000))
    assert chart.summary.endswith(
        "Past that, the API is cheaper again just after self-hosting needs another instance: "
        "from 5,256,001 to 8,514,550 requests a month."
    )
    rows = {row.requests: row for row in chart.rows}
    assert rows["6,000,000"].cheapest == "Cloud API"
    # Staff of 1,000 a month: break-even on the 6th step (31,340,754); the 7th to 11th steps each start
    # with the API cheaper, the 7th from 31,536,001 until (1,000 + 7 × 734.38) ÷ 0.0001725 → 35,598,029.
    staffed = chart_for(record(1_000_000) | {"staff": {"fte": "1", "loaded_monthly_cost": "1000"}})
    assert "from 31,340,754 requests a month" in staffed.summary
    assert "from 31,536,001 to 35,598,028 requests a month, and in 4 more such ranges up to" in staffed.summary
    # A price at which self-hosting stays cheaper once it is: nothing more to say.
    steady = chart_for(record(1_000_000, input="1.50", output="6.00"))
    assert steady.break_even is not None
    assert "cheaper again" not in steady.summary


def test_no_estimate_or_unreadable_inputs_give_no_chart():
    assert cost_chart(estimate=None) is None
    assert chart_for({"workload": {"monthly_requests": 1}}) is None


# --- On the project page ----------------------------------------------------------------------

PRICES = {"openai:gpt-4o-mini": (D("0.15"), D("0.075"), D("0.60")), "openai:gpt-4o": (D("2.50"), D("1.25"), D("10"))}


@pytest.fixture
def estimated(project):
    """The project on gpt-4o at 1M requests a month, estimated by the service from the catalog."""
    prices_import(prices=PRICES, source="test prices")
    CostProfile.objects.create(tenant=project.tenant, project=project, api_model="openai:gpt-4o")
    RequirementsProfile.objects.filter(project=project).update(
        monthly_requests=1_000_000, avg_input_tokens=550, avg_output_tokens=150, cached_input_percent=0
    )
    assert estimates_recalculate([project.pk])["stored"] == 1
    return CostEstimate.objects.get(project=project)


@pytest.mark.django_db
def test_the_stored_inputs_reproduce_the_stored_estimate(estimated, project):
    inputs = engine_inputs(estimated.inputs)
    result = estimate(**inputs)
    assert result.options["cloud_api"].monthly == estimated.cloud_api_monthly
    assert result.options["self_hosted_cloud"].monthly == estimated.self_hosted_monthly
    # The 8 × H100 server, sized on its own figure (test_cost_model_worked works this one by hand).
    assert result.options["on_premises"].monthly == estimated.on_premises_monthly == D("27754.71")
    assert result.break_even_requests == estimated.break_even_requests
    fresh, _ = cost_inputs(projects_for_evaluation([project.pk])[0], Catalog([project]))
    assert {name: inputs[name] for name in inputs} == {name: fresh[name] for name in inputs}


@pytest.mark.django_db
def test_the_project_page_shows_the_chart_with_its_break_even(client, people, project, estimated):
    client.force_login(people["viewer"])
    response = client.get(reverse("project-detail", args=[project.pk]))
    body = response.content.decode()
    assert response.context["cost_chart"] is not None
    assert '<figure class="cost-chart">' in body
    assert '<svg viewBox="0 0 640 360" role="img" aria-labelledby="cost-chart-caption cost-chart-summary"' in body
    assert '<figcaption id="cost-chart-caption">' in body
    # gpt-4o at 550 in / 150 out: 0.002875 a request; two instances and half a person: 8,968.76 → 3,119,569.
    assert estimated.break_even_requests == 3_119_569
    assert (
        '<p id="cost-chart-summary" class="cost-chart-summary">Self-hosting in the cloud becomes cheaper than '
        "the cloud API from 3,119,569 requests a month" in body
    )
    assert "Break-even: 3,119,569 a month" in body
    assert "Now: 1,000,000 a month" in body
    # Owned: half a person + the spare 8 × H100 server + one serving: 7,500 + 2 × 10,127.3568
    # = 27,754.7136 ÷ 0.002875 = 9,653,813.4 → 9,653,814.
    assert "Break-even, on premises: 9,653,814 a month" in body
    # The API, in the cloud, on premises, hybrid: on the wide drawing and on the narrow one for phones.
    assert body.count('<polyline class="cost-chart-line') == 2 * 4
    assert 'class="cost-chart-wide"' in body
    assert 'class="cost-chart-narrow"' in body
    assert "<details" in body
    assert '<th scope="row">3,119,569 <small>(break-even)</small></th>' in body


@pytest.mark.django_db
def test_the_project_page_says_when_the_api_stays_cheaper(client, people, project, estimated):
    CostProfile.objects.filter(project=project).update(api_model="openai:gpt-4o-mini")
    assert estimates_recalculate([project.pk])["stored"] == 1
    client.force_login(people["viewer"])
    body = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert "The cloud API stays cheaper than self-hosting in the cloud at every volume shown" in body
    assert "Break-even:" not in body


@pytest.mark.django_db
def test_without_an_estimate_the_page_has_a_sentence_instead_of_a_chart(client, people, project):
    client.force_login(people["viewer"])
    response = client.get(reverse("project-detail", args=[project.pk]))
    body = response.content.decode()
    assert response.context["cost_chart"] is None
    assert "No cost estimate yet, so no cost comparison chart either." in body
    assert '<figure class="cost-chart">' not in body


@pytest.mark.django_db
def test_the_chart_costs_the_project_page_no_query(client, people, project, tenant):
    client.force_login(people["lead"])
    url = reverse("project-detail", args=[project.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as without:
        client.get(url)
    prices_import(prices=PRICES, source="test prices")
    for requests in (1_000_000, 2_000_000, 3_000_000):
        RequirementsProfile.objects.filter(project=project).update(monthly_requests=requests)
        estimates_recalculate([project.pk])
    with CaptureQueriesContext(connection) as charted:
        response = client.get(url)
    assert response.context["cost_chart"] is not None
    assert CostEstimate.objects.filter(project=project).count() == 3
    assert len(charted.captured_queries) == len(without.captured_queries)


@pytest.mark.django_db
def test_another_tenants_project_and_its_chart_are_not_found(client, people, project, estimated):
    client.force_login(people["outsider"])
    response = client.get(reverse("project-detail", args=[project.pk]))
    assert response.status_code == 404
    assert "cost-chart" not in response.content.decode()


def test_money_labels_of_any_size_fit_left_of_the_axis():
    # gpt-4o-like prices at 500M requests a month: figures in the millions of USD a month.
    chart = chart_for(record(500_000_000, input="2.50", output="10.00"))
    longest = max(len(tick.label) for tick in chart.y_ticks)
    assert longest >= len("$1,000,000")
    assert all("," in tick.label for tick in chart.y_ticks[1:])  # thousands separators, never raw
    # Each label ends 8 units left of the axis; at the chart's widest character it still starts inside.
    assert chart.left - 8 - longest * charts.CHARACTER_WIDTH >= 0
    assert all(line.points.split()[0].startswith(f"{float(chart.left)},") for line in chart.lines)


# --- The narrow drawing, for phones -----------------------------------------------------------

#: What a 375 px phone screen leaves the drawing: the page's padding (2 × 16 px), the chart's
#: (2 × 8 px) and its border (2 × 1 px). The browser test measures it (tests/browser/test_narrow_screens.py).
PHONE_DRAWING_PX = 375 - 32 - 16 - 2


def extent(marker):
    """Where a marker's label runs, left to right, at the chart's generous character width."""
    width = charts.CHARACTER_WIDTH * max(len(line) for line in marker.lines)
    return (
        (marker.label_x, marker.label_x + width)
        if marker.anchor == "start"
        else (marker.label_x - width, marker.label_x)
    )


def test_the_narrow_drawing_keeps_its_text_readable_on_a_phone():
    # The wide drawing shown 325 px across would draw its 13-unit text about 6.6 px high.
    assert charts.FONT_SIZE * PHONE_DRAWING_PX / charts.WIDE.width < 7
    assert charts.FONT_SIZE * PHONE_DRAWING_PX / charts.NARROW.width >= 12
    chart = chart_for(record(1_000_000, server=True))
    assert (chart.narrow.width, chart.narrow.height) == (charts.NARROW.width, charts.NARROW.height)
    # Same volumes on both axes, in fewer units.
    assert [tick.label for tick in chart.narrow.x_ticks] == [tick.label for tick in chart.x_ticks]
    assert [tick.label for tick in chart.narrow.y_ticks] == [tick.label for tick in chart.y_ticks]
    assert chart.narrow.x_ticks[-1].position == charts.NARROW.right


@pytest.mark.parametrize(
    "inputs",
    [
        record(1_000_000, server=True),
        record(60_000_000, server=True),  # the volume now far right of the break-evens
        record(500_000_000, input="2.50", output="10.00"),  # millions of dollars a month
        record(3_000_000, input="0.05", output="0.10"),  # no break-even
    ],
)
def test_every_label_of_either_drawing_stays_inside_it(inputs):
    chart = chart_for(inputs)
    for drawing in (chart, chart.narrow):
        for marker in (drawing.current, *drawing.break_evens):
            left, right = extent(marker)
            assert left >= 0, (drawing.width, marker)
            assert right <= drawing.width, (drawing.width, marker)
            assert 0 < marker.label_y <= drawing.height
        longest = max(len(tick.label) for tick in drawing.y_ticks)
        assert drawing.left - 8 - longest * charts.CHARACTER_WIDTH >= 0
        gaps = [b.position - a.position for a, b in zip(drawing.x_ticks, drawing.x_ticks[1:], strict=False)]
        assert min(gaps) > charts.CHARACTER_WIDTH * max(len(tick.label) for tick in drawing.x_ticks)


def test_a_long_break_even_label_is_split_after_its_colon_where_room_is_short():
    chart = chart_for(record(1_000_000, server=True))
    owned = next(marker for marker in chart.narrow.break_evens if "on premises" in marker.label)
    assert owned.lines[0] == "Break-even, on premises:"
    assert owned.lines[1].endswith(" a month")
    # The wide drawing has the room for one line.
    assert len(next(marker for marker in chart.break_evens if "on premises" in marker.label).lines) == 1


def test_the_numbers_table_labels_each_figure_with_its_option():
    row = chart_for(record(1_000_000)).rows[1]
    assert row.cells == (("Cloud API", "$172.50"), ("Self-hosted in cloud", "$734.38"), ("Hybrid", "$820.63"))
