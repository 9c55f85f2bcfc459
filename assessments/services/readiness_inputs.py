"""What the readiness engine reads from beyond the project's own rows: the latest cost estimate,
through one adapter, and the certifications the catalog records for the providers each option
would hand the data to."""

from decimal import Decimal

from assessments import costs, readiness
from assessments.cost_plan import PLATFORM_COST_DEFAULTS
from assessments.models import CostEstimate, ProviderCertification
from assessments.readiness.facts import CLOUD_API, HYBRID, SELF_HOSTED_CLOUD, SELF_HOSTING

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


def stored_cost_facts(estimate_ids) -> dict[int, readiness.CostFacts]:
    """Estimate id → its cost facts, read from the stored documents in one query."""
    rows = CostEstimate.objects.filter(pk__in=[pk for pk in estimate_ids if pk]).values_list(
        "pk", "result__options", "result__break_evens", "result__break_even_requests"
    )
    return {
        pk: cost_facts(
            upfront={
                name: option.get("upfront", (option.get("detail") or {}).get("upfront"))
                for name, option in (options or {}).items()
            },
            break_evens={name: (found or {}).get("requests") for name, found in (break_evens or {}).items()},
            break_even_requests=break_even,
        )
        for pk, options, break_evens, break_even in rows
    }


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
