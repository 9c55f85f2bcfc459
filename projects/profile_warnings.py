"""Figures in a requirements profile that are possible but unusual: worth a second look before an
assessment or a cost estimate leans on them.

What is impossible is refused by the model's validators (``projects.models.profile``); what is
merely borderline is only warned, here, in one place: the questionnaire's side panel, the project
page and the API's profile read all ask ``profile_warnings``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

#: A billion requests a month is about 385 a second around the clock: more than one provider region
#: usually grants one customer without a negotiated quota.
BUSY_REGION_REQUESTS = 1_000_000_000
#: Above 20, capacity sized for the peak idles over 95% of the time; such a figure is more often a
#: peak count mistaken for a ratio.
HIGH_PEAK_RATIO = Decimal("20")
#: Prompt caches rarely serve more than 90% of the input: above it the API's cost is likely understated.
HIGH_CACHED_PERCENT = Decimal("90")
#: Most models stop one response between 4,000 and 16,000 tokens: an average above 8,000 is often a total.
LONG_OUTPUT_TOKENS = 8_000
#: Beyond most models' context window (128,000 to 200,000 tokens): only a few long-context models take it.
LONG_INPUT_TOKENS = 200_000


@dataclass(frozen=True)
class ProfileWarning:
    #: The profile field the warning is about.
    field: str
    #: A stable code for integrations.
    code: str
    message: str


@dataclass(frozen=True)
class Threshold:
    field: str
    code: str
    limit: int | Decimal
    #: What the code means, for the API's documentation.
    means: str
    #: The warning's words for the figure given.
    message: Callable[[int | Decimal], str]


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


THRESHOLDS = (
    Threshold(
        "monthly_requests",
        "busy_region",
        BUSY_REGION_REQUESTS,
        "Volume above what one provider region usually serves one customer",
        lambda requests: (
            f"{requests:,} requests a month is about {requests // (30 * 24 * 3600):,} a second around "
            "the clock: more than one provider region usually serves one customer without a negotiated quota. Check "
            "the figure, and plan quota and capacity with the provider."
        ),
    ),
    Threshold(
        "peak_ratio",
        "high_peak_ratio",
        HIGH_PEAK_RATIO,
        "Peak-to-average ratio above 20",
        lambda ratio: (
            f"Peaks {_plain(ratio)} times the average leave capacity sized for the peak idle nearly all "
            "the time. Check that this is the busiest hour against the average hour, not a count of requests."
        ),
    ),
    Threshold(
        "cached_input_percent",
        "high_cached_share",
        HIGH_CACHED_PERCENT,
        "Cached share of input above 90%",
        lambda cached: (
            f"{_plain(cached)}% of the input from the prompt cache is more than caches usually reach: "
            "the cloud API's cost may be understated."
        ),
    ),
    Threshold(
        "avg_output_tokens",
        "long_output",
        LONG_OUTPUT_TOKENS,
        "Output tokens per request above 8,000",
        lambda tokens: (
            f"{tokens:,} output tokens on average is longer than most models write in one response: "
            "check it is the average per request, not a total."
        ),
    ),
    Threshold(
        "avg_input_tokens",
        "long_input",
        LONG_INPUT_TOKENS,
        "Input tokens per request above 200,000",
        lambda tokens: (
            f"{tokens:,} input tokens a request is beyond most models' context window: only a few "
            "long-context models take it."
        ),
    ),
)
CODES = {threshold.code: threshold.means for threshold in THRESHOLDS}


def profile_warnings(profile) -> list[ProfileWarning]:
    """The borderline figures of ``profile`` (saved or not), each with what to check. A figure
    that is missing or not a number is not judged here: its field's own error says why."""
    found = []
    for threshold in THRESHOLDS:
        value = getattr(profile, threshold.field)
        is_number = isinstance(value, int | Decimal) and not isinstance(value, bool)
        if is_number and value > threshold.limit:
            found.append(ProfileWarning(threshold.field, threshold.code, threshold.message(value)))
    return found
