"""The portfolio's figures per client: read from the clients' summary rows, or computed from projects.

``ClientSummary`` rows are kept by the database (``projects.models.summary``); ``figures_by_client``
computes the same figures from a set of projects, for the projects someone was granted one by one
(outside the clients they see whole) and as the from-scratch reference the rows are tested against.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, NullIf

from core.lookups import any_of
from projects.models.summary import (
    COUNT_FIELDS,
    FIGURE_FIELDS,
    MONTHLY_FIELDS,
    NOT_ASSESSED,
    READINESS_FIELDS,
    STAGE_MODEL_FIELDS,
    ClientSummary,
)


@dataclass
class ClientFigures:
    """One client's figures (``FIGURE_FIELDS``) over the projects counted."""

    slug: str
    name: str
    figures: dict = field(default_factory=lambda: empty_figures())

    @property
    def monthly(self) -> Decimal:
        return sum((self.figures[name] for name in MONTHLY_FIELDS.values()), Decimal("0"))

    def add(self, figures: dict) -> None:
        for name in FIGURE_FIELDS:
            self.figures[name] += figures[name]


def empty_figures() -> dict:
    return dict.fromkeys(COUNT_FIELDS, 0) | {name: Decimal("0") for name in MONTHLY_FIELDS.values()}


def figures_by_client(projects) -> dict[int, ClientFigures]:
    """Each client's figures over ``projects`` (a queryset of them): one grouped query."""
    status = Coalesce(NullIf("standing__readiness_status", Value("")), Value(NOT_ASSESSED))
    rows = (
        projects.annotate(readiness=status)
        .values(
            "tenant_id", "tenant__slug", "tenant__name", "stage", "deployment_model", "readiness", "hosting_approach"
        )
        .annotate(
            n=Count("pk"),
            costed=Count("pk", filter=Q(standing__chosen_monthly__isnull=False)),
            monthly=Sum("standing__chosen_monthly"),
        )
        .order_by()
    )
    clients: dict[int, ClientFigures] = {}
    for row in rows:
        client = clients.setdefault(row["tenant_id"], ClientFigures(row["tenant__slug"], row["tenant__name"]))
        figures, n = client.figures, row["n"]
        figures["projects"] += n
        figures[STAGE_MODEL_FIELDS[row["stage"], row["deployment_model"]]] += n
        figures[READINESS_FIELDS[row["readiness"]]] += n
        figures["estimated"] += row["costed"]
        if row["costed"]:
            figures[MONTHLY_FIELDS[row["hosting_approach"]]] += row["monthly"]
    return clients


def stored_summaries(tenant_ids: Iterable[int] | None = None):
    """The clients' summary rows: every client's, or those of ``tenant_ids``."""
    rows = ClientSummary.objects.all()
    return rows if tenant_ids is None else rows.filter(any_of("tenant_id", tenant_ids))


def stored_figures(tenant_ids: Iterable[int] | None = None) -> dict[int, ClientFigures]:
    """The clients' summary rows as ``ClientFigures``, by client: one query."""
    return {
        row["tenant_id"]: ClientFigures(row["tenant__slug"], row["tenant__name"], {n: row[n] for n in FIGURE_FIELDS})
        for row in stored_summaries(tenant_ids).values("tenant_id", "tenant__slug", "tenant__name", *FIGURE_FIELDS)
    }


def stored_totals(tenant_ids: Iterable[int] | None = None) -> dict:
    """The figures summed over the clients' rows: one query, one row."""
    sums = stored_summaries(tenant_ids).aggregate(**{name: Sum(name) for name in FIGURE_FIELDS})
    return {name: value if (value := sums[name]) is not None else zero for name, zero in empty_figures().items()}


def stored_costliest(tenant_ids: Iterable[int] | None, count: int) -> list[ClientFigures]:
    """The ``count`` clients with the highest monthly cost among their estimated projects, highest
    first (then by name): one query of ``count`` rows."""
    monthly = sum((F(name) for name in MONTHLY_FIELDS.values()), Value(Decimal("0")))
    rows = (
        stored_summaries(tenant_ids)
        .filter(estimated__gt=0)
        .annotate(monthly=ExpressionWrapper(monthly, output_field=DecimalField()))
        .order_by("-monthly", "tenant__name")
        .values("tenant__slug", "tenant__name", *MONTHLY_FIELDS.values(), "estimated")[:count]
    )
    return [
        ClientFigures(
            row["tenant__slug"],
            row["tenant__name"],
            empty_figures() | {name: row[name] for name in [*MONTHLY_FIELDS.values(), "estimated"]},
        )
        for row in rows
    ]
