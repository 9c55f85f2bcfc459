"""What the readiness engine reads from beyond the project's own rows: the latest cost estimate,
through one adapter, and the certifications the catalog records for the providers each option
would hand the data to."""

from decimal import Decimal

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.fields.json import KT

from assessments import costs, readiness
from assessments.cost_plan import PLATFORM_COST_DEFAULTS
from assessments.models import CostEstimate, ProviderCertification
from assessments.readiness.facts import CLOUD_API, HYBRID, ON_PREMISES, SELF_HOSTED_CLOUD, SELF_HOSTING
from core.lookups import any_of

#: The API model of a project whose plan names none.
DEFAULT_API_MODEL = PLATFORM_COST_DEFAULTS["api_model"]


def cost_facts(*, upfront: dict, break_evens: dict, break_even_requests: int | None) -> readiness.CostFacts:
    """The adapter between the cost engine and the readiness engine: ``upfront`` maps each option
    priced to what it costs upfront (hardware bought); ``break_evens`` each self-hosted option to
    its break-even volume against the API (None: none within capacity). The hybrid option, being
    self-hosted in part, is judged by the cloud self-hosting break-even; an estimate stored before
    per-option break-evens gives its one volume for every self-hosted option."""
    break_even = {}
    for option in SELF_HOSTING:
        if option not in upfront:
            continue
        if break_evens:
            own = option if option in break_evens else "self_hosted_cloud"
            break_even[option] = break_evens.get(own)
        else:
            break_even[option] = break_even_requests
    return readiness.CostFacts(
        break_even=break_even, upfront={name: Decimal(str(value or 0)) for name, value in upfront.items()}
    )


def cost_facts_of_estimate(estimate: costs.Estimate) -> readiness.CostFacts:
    return cost_facts(
        upfront={name: option.upfront for name, option in estimate.options.items()},
        break_evens={name: found.requests for name, found in estimate.break_evens.items()},
        break_even_requests=estimate.break_even_requests,
    )


#: Each option's typed monthly column on an estimate: set exactly when the estimate priced the option.
MONTHLY_COLUMNS = {
    CLOUD_API: "cloud_api_monthly",
    SELF_HOSTED_CLOUD: "self_hosted_monthly",
    ON_PREMISES: "on_premises_monthly",
    HYBRID: "hybrid_monthly",
}


def stored_cost_facts(estimate_ids) -> dict[int, readiness.CostFacts]:
    """Estimate id → its cost facts, read from the stored documents in one query: the few numbers
    the readiness engine reads (each option's upfront cost and break-even), taken out of the
    documents by the database rather than whole documents decoded here."""
    ids = [pk for pk in estimate_ids if pk]
    if not ids:
        return {}
    columns = {}
    for option in MONTHLY_COLUMNS:
        columns[f"upfront_{option}"] = KT(f"result__options__{option}__upfront")
        # Estimates stored before options carried their upfront cost kept it in the option's detail.
        columns[f"detail_upfront_{option}"] = KT(f"result__options__{option}__detail__upfront")
    for option in SELF_HOSTING:
        columns[f"break_even_{option}"] = KT(f"result__break_evens__{option}__requests")
        columns[f"has_break_even_{option}"] = ExpressionWrapper(
            Q(result__break_evens__has_key=option), output_field=BooleanField()
        )
    rows = (
        CostEstimate.objects.filter(any_of("pk", ids))
        .annotate(**columns)
        .values("pk", "break_even_requests", *MONTHLY_COLUMNS.values(), *columns)
    )
    facts = {}
    for row in rows:
        upfront, break_evens = {}, {}
        for option, monthly in MONTHLY_COLUMNS.items():
            if row[monthly] is not None:
                upfront[option] = _text(row[f"upfront_{option}"]) or _text(row[f"detail_upfront_{option}"])
        for option in SELF_HOSTING:
            if row[f"has_break_even_{option}"]:
                found = _text(row[f"break_even_{option}"])
                break_evens[option] = int(found) if found is not None else None
        facts[row["pk"]] = cost_facts(
            upfront=upfront, break_evens=break_evens, break_even_requests=row["break_even_requests"]
        )
    return facts


def _text(value: str | None) -> str | None:
    """A document's value as text, JSON's null as None: SQLite's ``->>`` answers null as the text
    'null' where PostgreSQL answers SQL NULL."""
    return None if value is None or value == "null" else value


class Certifications:
    """The catalog's provider certifications, loaded once for a batch: provider → (name,
    {region casefolded, "" for every region: certification codes})."""

    def __init__(self):
        self.providers: dict[str, tuple[str, dict[str, set[str]]]] = {}
        for provider, name, region, code in ProviderCertification.objects.values_list(
            "provider", "provider_name", "region", "certification"
        ):
            _, regions = self.providers.setdefault(provider, (name, {}))
            regions.setdefault(region.casefold(), set()).add(code)

    def held(self, provider: str, regions) -> frozenset[str]:
        """What ``provider`` holds in every one of ``regions`` (no regions: provider-wide only)."""
        if provider not in self.providers:
            return frozenset()
        _, by_region = self.providers[provider]
        everywhere = by_region.get("", set())
        wanted = [region.casefold() for region in regions if region]
        if not wanted:
            return frozenset(everywhere)
        return frozenset(set.intersection(*(everywhere | by_region.get(region, set()) for region in wanted)))

    def name(self, provider: str) -> str:
        return self.providers[provider][0] if provider in self.providers else provider.capitalize()

    def providers_for(self, project, *, api_model: str, environment) -> tuple[readiness.ProviderFacts, ...]:
        """The outside provider of each option that hands data to one: the API model's provider
        for the cloud API and the hybrid's API route (in the residency region, where one is
        required); the client's cloud account for GPUs in the cloud, or an unrecorded provider."""
        profile = project.profile
        api = (api_model or DEFAULT_API_MODEL).split(":", 1)[0]
        api_regions = [profile.residency_region] if profile.residency != "none" and profile.residency_region else []
        api_held = self.held(api, api_regions)
        api_name = self.name(api)
        if environment is not None and environment.kind == "cloud_account" and environment.provider:
            cloud = readiness.ProviderFacts(
                SELF_HOSTED_CLOUD,
                environment.provider,
                self.name(environment.provider),
                self.held(environment.provider, environment.regions),
            )
        else:
            cloud = readiness.ProviderFacts(SELF_HOSTED_CLOUD, "", "a cloud provider the project does not record")
        return (
            readiness.ProviderFacts(CLOUD_API, api, api_name, api_held),
            cloud,
            readiness.ProviderFacts(HYBRID, api, api_name, api_held),
        )
