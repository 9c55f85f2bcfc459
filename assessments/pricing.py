"""Which catalog price an estimate uses: the rules of time and place, on plain rows (no queries).

- Time: a price waits its turn. An API price carries a moment and is in force from it; a GPU
  price carries a day and is in force from that day in the client's time zone. The latest entry
  in force wins.
- Place: a project run in the client's cloud account (customer cloud) is priced by the provider
  and regions of that environment, when recorded: a GPU price of another provider or region is
  not its price. The first of the environment's regions that has a price wins. A project that
  names neither is priced at the cheapest region in force. When the catalog has no price where
  the project runs, the estimate is priced at the nearest one (same provider, else any) and says
  so (``gpu_price_fallback_note``), rather than leaving the project without an estimate.
"""

import datetime
from dataclasses import dataclass

#: Providers that name a GPU price list ("other" and blank name none).
PRICED_PROVIDERS = frozenset({"aws", "azure", "gcp", "oci"})


@dataclass(frozen=True)
class Place:
    """Where a project's GPUs would run: a provider (None: any) and regions in order (empty: any)."""

    provider: str | None = None
    regions: tuple[str, ...] = ()

    def admits(self, provider: str, region: str) -> bool:
        if self.provider is not None and provider != self.provider:
            return False
        return not self.regions or region in self.regions

    def describe(self) -> str:
        parts = []
        if self.provider:
            parts.append(f"from {self.provider.upper()}")
        if self.regions:
            parts.append(f"in {', '.join(self.regions)}")
        return " ".join(parts)


ANYWHERE = Place()


def place_of(*, customer_cloud: bool, provider: str | None, regions) -> Place:
    """The place a project names: its customer-cloud environment's provider and regions."""
    if not customer_cloud:
        return ANYWHERE
    return Place(
        provider=provider if provider in PRICED_PROVIDERS else None,
        regions=tuple(regions or ()),
    )


def gpu_price_choose(rows, *, place: Place, today: datetime.date):
    """The GPU price row for one instance type (``rows``: its catalog entries, any order), or None.

    Per provider and region, the latest entry dated ``today`` or earlier; of those the place
    admits, the one in the first listed region, else the cheapest (then the lowest id).
    """
    in_force = {}
    for row in rows:
        if row.effective_from > today or not place.admits(row.provider, row.region):
            continue
        current = in_force.get((row.provider, row.region))
        if current is None or (row.effective_from, row.pk) > (current.effective_from, current.pk):
            in_force[(row.provider, row.region)] = row
    if not in_force:
        return None
    order = {region: index for index, region in enumerate(place.regions)}
    return min(in_force.values(), key=lambda row: (order.get(row.region, 0), row.hourly, row.pk))


def gpu_price_nearest(rows, *, place: Place, today: datetime.date):
    """``gpu_price_choose``, and when nothing is priced where the project runs, the nearest price
    in force: the same provider in any region, else anywhere. Returns (row or None, note or None)."""
    chosen = gpu_price_choose(rows, place=place, today=today)
    if chosen is not None or place == ANYWHERE:
        return chosen, None
    for nearer in (Place(provider=place.provider), ANYWHERE):
        chosen = gpu_price_choose(rows, place=nearer, today=today)
        if chosen is not None:
            return chosen, gpu_price_fallback_note(chosen, place)
    return None, None


def gpu_price_fallback_note(row, place: Place) -> str:
    return (
        f"No {row.instance_type} price in the catalog {place.describe()}: priced at "
        f"{row.provider.upper()} {row.region} instead."
    )
