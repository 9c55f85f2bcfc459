"""The price catalog: importing API prices from genai-prices, and reading current prices.

A re-import records a changed price as a new dated entry and never edits an old one, so every
past estimate stays explainable by the prices it saw.
"""

from dataclasses import dataclass
from decimal import Decimal

import genai_prices
from django.db import transaction
from django.utils import timezone
from genai_prices.data_snapshot import get_snapshot

from assessments.certification_catalog import load_certifications
from assessments.models import (
    ApiModelPrice,
    GpuInstancePrice,
    HardwareProfile,
    ProviderCertification,
    ThroughputProfile,
)
from assessments.reference import load_reference


@dataclass(frozen=True)
class ImportResult:
    created: int
    unchanged: int
    changed_keys: frozenset[str]


def bundled_prices(today=None) -> dict[str, tuple[Decimal, Decimal | None, Decimal]]:
    """``provider:model`` → (input, cached input, output) USD per million tokens, as in force ``today``."""
    today = today or timezone.now().date()
    prices = {}
    for provider in get_snapshot().providers:
        for model in provider.models:
            price = _price_in_force(model.prices, today)
            if price is None:
                continue
            values = (_base(price.input_mtok), _base(price.cache_read_mtok), _base(price.output_mtok))
            if values[0] is None or values[2] is None:
                continue
            prices[f"{provider.id}:{model.id}"] = values
    return prices


@transaction.atomic
def prices_import(*, prices: dict | None = None, source: str | None = None, now=None) -> ImportResult:
    """Record every price that is new or differs from the latest entry for its model. Idempotent."""
    now = now or timezone.now()
    prices = bundled_prices(now.date()) if prices is None else prices
    source = source or f"genai-prices {genai_prices.__version__} (bundled data)"
    latest = latest_prices(keys=None, at=now)
    new_rows, changed = [], set()
    for key, given in sorted(prices.items()):
        input_price, cached, output_price = (_base(price) for price in given)
        current = latest.get(key)
        if current is not None and (current.input_per_mtok, current.cached_input_per_mtok, current.output_per_mtok) == (
            input_price,
            cached,
            output_price,
        ):
            continue
        provider, model = key.split(":", 1)
        new_rows.append(
            ApiModelPrice(
                provider=provider,
                model=model,
                input_per_mtok=input_price,
                cached_input_per_mtok=cached,
                output_per_mtok=output_price,
                effective_from=now,
                source=source,
            )
        )
        if current is not None:
            changed.add(key)
    ApiModelPrice.objects.bulk_create(new_rows, ignore_conflicts=True)
    return ImportResult(created=len(new_rows), unchanged=len(prices) - len(new_rows), changed_keys=frozenset(changed))


def latest_prices(*, keys=None, at=None) -> dict[str, ApiModelPrice]:
    """The price in force at ``at`` (now by default) for each ``provider:model`` (all, or the given
    keys), in one query: an entry dated later waits its turn."""
    entries = ApiModelPrice.objects.order_by("provider", "model", "-effective_from", "-pk")
    entries = entries.filter(effective_from__lte=at or timezone.now())
    if keys is not None:
        pairs = [key.split(":", 1) for key in keys if ":" in key]
        if not pairs:
            return {}
        entries = entries.filter(model__in={model for _, model in pairs}, provider__in={p for p, _ in pairs})
    latest = {}
    for entry in entries:
        latest.setdefault(entry.key, entry)
    if keys is not None:
        latest = {key: entry for key, entry in latest.items() if key in set(keys)}
    return latest


def _price_in_force(prices, today):
    if not isinstance(prices, list):
        return prices
    chosen = None
    for conditional in prices:
        start = getattr(conditional.constraint, "start_date", None)
        if conditional.constraint is None or (start is not None and start <= today):
            chosen = conditional.prices
    return chosen


PRICE_PLACES = Decimal("0.000001")  # the price columns' six decimal places


def _base(value):
    """A price as stored: rounded to the column's places, so float leftovers (0.18000000000000002)
    compare equal to the stored value and a re-import records no false change."""
    if value is None:
        return None
    return Decimal(str(getattr(value, "base", value))).quantize(PRICE_PLACES)


@transaction.atomic
def reference_catalog_load() -> None:
    """Load the shipped GPU prices, throughput and hardware profiles and the providers'
    certifications (migrations do it too). Idempotent."""
    load_reference(GpuInstancePrice, ThroughputProfile, HardwareProfile)
    load_certifications(ProviderCertification)
