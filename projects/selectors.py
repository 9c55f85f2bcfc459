"""Reads on projects and approvals. Visibility always comes from ``tenancy.access``."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BigIntegerField, Case, Exists, OuterRef, Prefetch, Q, Value, When, prefetch_related_objects
from django.db.models.functions import Lower
from django.http import Http404

from accounts.models import User
from core.compiled import CompiledQuery, Parameter
from core.lookups import any_of, json_array_holds
from projects.approval_rules import PLATFORM_ADMIN, Approver, refusal
from projects.models import (
    ApprovalDecision,
    ApprovalRequest,
    DeploymentModel,
    EvidenceLink,
    Project,
    Stage,
    StageTransition,
    TicketReference,
)
from projects.models.summary import MONTHLY_FIELDS, READINESS_FIELDS, STAGE_MODEL_FIELDS
from projects.summaries import ClientFigures, figures_by_client, stored_costliest, stored_totals
from tenancy.access import (
    Action,
    CompiledUnder,
    access_scope,
    get_compiled_for_user_or_404,
    holders,
    reach,
    restrict,
    tenant_roles,
)
from tenancy.models import Membership, Role, Tenant


def tickets_by_key(key: str, *, queryset=None):
    """The ticket links whose key is ``key``, exactly but whatever its case (``ai-42`` finds AI-42,
    ``AI-4`` does not): the database's ``lower()`` on both sides, as the uniqueness constraint
    compares keys, so a lookup and a refused duplicate always agree."""
    queryset = TicketReference.objects.all() if queryset is None else queryset
    return queryset.alias(key_lower=Lower("key")).filter(key_lower=Lower(Value(key.strip())))


def tickets_visible(*, user, key: str = "", system: str = "", tenant: Tenant | None = None):
    """The ticket links of the projects ``user`` may see, found by key (see ``tickets_by_key``),
    system and client; each with its project and tenant."""
    tickets = restrict(TicketReference.objects.all(), user=user, action=Action.VIEW)
    if key:
        tickets = tickets_by_key(key, queryset=tickets)
    if system:
        tickets = tickets.filter(system=system)
    if tenant is not None:
        tickets = tickets.filter(tenant=tenant)
    return tickets.select_related("tenant", "project").order_by("pk")


def project_list(*, user, action: Action = Action.VIEW, tenant: Tenant | None = None):
    """Projects ``user`` may act on, with tenant, lead, environment and pending request: fixed query count."""
    projects = restrict(
        Project.objects.select_related("tenant", "delivery_lead", "environment", "standing"), user=user, action=action
    ).prefetch_related(
        Prefetch(
            "approval_requests",
            queryset=ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING).select_related(
                "requested_by"
            ),
            to_attr="pending_requests",
        )
    )
    if tenant is not None:
        projects = projects.filter(tenant=tenant)
    # By name then id: columns of the project itself, so a page is read through an index
    # (``project_name``, or ``project_tenant_name`` for one client) instead of sorting every row.
    return projects.order_by("name", "pk")


def tenant_list(*, user, action: Action = Action.VIEW):
    return restrict(Tenant.objects.all(), user=user, action=action).order_by("name")


#: How many clients a search-as-you-type field suggests at most.
CLIENT_SUGGESTIONS = 10


def client_suggestions(*, user, text: str) -> list[tuple[str, str]]:
    """The (slug, name) of at most ``CLIENT_SUGGESTIONS`` clients ``user`` can see whose name holds
    ``text`` in any case: those it begins first, then by name. One query."""
    tenants = tenant_list(user=user)
    text = text.strip()
    if text:
        begins = Case(When(name__istartswith=text, then=Value(0)), default=Value(1))
        tenants = tenants.filter(name__icontains=text).alias(begins=begins).order_by("begins", "name")
    return list(tenants.values_list("slug", "name")[:CLIENT_SUGGESTIONS])


def clients_named(*, user, text: str) -> list[int]:
    """The ids of the clients ``user`` can see that ``text`` names: the one whose name or slug it is
    (in any case), or else every one whose name holds it. Empty when none does. One query."""
    text = text.strip()
    rows = list(
        tenant_list(user=user)
        .filter(Q(name__icontains=text) | Q(slug__iexact=text))
        .order_by()
        .values_list("pk", "name", "slug")
    )
    named = [pk for pk, name, slug in rows if text.casefold() in (name.casefold(), slug.casefold())]
    return named or [pk for pk, _, _ in rows]


# The project page's reads, of fixed shapes: their SQL compiled once per connection (``core.compiled``),
# which took more of the page's time than the database took to answer them.
_PROJECT_PAGE = CompiledQuery(
    # The environment with who signed it off: the deployment section shows it (projects.panels).
    lambda: Project.objects.select_related(
        "tenant",
        "delivery_lead",
        "environment__access_approved_by",
        "environment__residency_confirmed_by",
        "profile",
    ).filter(pk=Parameter("pk", BigIntegerField()))
)
_HISTORY = CompiledUnder(
    lambda: StageTransition.objects.select_related("actor", "approval_request__requested_by").order_by(
        "created_at", "pk"
    )
)
_REQUESTS = CompiledUnder(
    lambda: ApprovalRequest.objects.select_related("requested_by", "closed_by", "freeze_override_by").order_by(
        "-created_at", "-pk"
    )
)
_EVIDENCE_LINKS = CompiledUnder(lambda: EvidenceLink.objects.order_by("created_at", "pk"))
_TICKETS = CompiledUnder(lambda: TicketReference.objects.order_by("system", "key"))


#: The largest id a row can have (ids are 64-bit): a larger number in an address names no row.
MAX_ID = 2**63 - 1


def project_for_page(*, user, pk: int) -> Project:
    """The project the project page shows, with its client, lead, profile and environment: 404 if
    there is none or ``user`` may not view it (or the number is beyond any id: SQLite refuses to
    compare one)."""
    if not 0 < pk <= MAX_ID:
        raise Http404("No project matches the given query.")
    return get_compiled_for_user_or_404(_PROJECT_PAGE, user=user, pk=pk)


def evidence_links_of(*, user, project: Project) -> list[EvidenceLink]:
    """``project``'s links to its evidence (designs, tickets, decisions), in the order they were added."""
    return _EVIDENCE_LINKS.rows(user=user, parent=project)


def tickets_of(*, user, project: Project) -> list[TicketReference]:
    """``project``'s ticket links, by system and key."""
    return _TICKETS.rows(user=user, parent=project)


def stage_history(*, user, project: Project) -> list[StageTransition]:
    """``project``'s stage moves, oldest first, with who made each and the request it carried out."""
    return _HISTORY.rows(user=user, parent=project)


def approval_inbox(*, user):
    """Pending requests ``user`` may still decide, soonest to expire first: eligible under the request's
    policy, not yet decided by them, and not their own unless the policy allows it. One query, however
    many requests wait (paginate it; count it with ``.count()``)."""
    return waiting_for(user).select_related("project", "tenant", "requested_by").order_by("expires_at", "pk")


def approval_inbox_count(*, user) -> int:
    """How many requests ``approval_inbox`` holds for ``user``: counted by the database."""
    return waiting_for(user).count()


def may_decide(*, user, request: ApprovalRequest) -> bool:
    """Whether ``request`` waits for ``user``'s decision (the inbox's rule, for one request)."""
    return waiting_for(user).filter(pk=request.pk).exists()


def waiting_for(user):
    """The pending requests ``user`` may see, has not decided, and may decide under each request's
    own policy: ``approval_rules.refusal`` written as one SQL condition on the policies the requests
    carry, so that counting and paging cost the database a filter, not Python a loop over every
    request. ``tests/projects/test_inbox_rule.py`` holds the two to the same answers."""
    if not user.is_authenticated:
        return ApprovalRequest.objects.none()
    return (
        restrict(ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING), user=user)
        .filter(_eligible(user), ~Exists(ApprovalDecision.objects.filter(request=OuterRef("pk"), approver=user)))
        .exclude(Q(requested_by=user) & ~Q(policy__requester_may_approve=True))
    )


def _eligible(user) -> Q:
    """``user`` is named by the request's policy or holds one of the roles it names, in the request's
    tenant: the roles of ``approval_rules.Approver.roles`` (membership, platform admin, or the kind of
    person a per-project grant makes someone outside the tenant)."""
    condition = Q(json_array_holds("policy", "eligible_user_ids", user.pk))
    if user.is_platform_admin:
        condition |= Q(json_array_holds("policy", "eligible_roles", PLATFORM_ADMIN))
    with access_scope():  # the person's roles and grants, read once
        roles_by_tenant = tenant_roles(user)
        tenants_by_role: dict[str, list[int]] = {}
        for tenant_id, role in roles_by_tenant.items():
            tenants_by_role.setdefault(Role(role).value, []).append(tenant_id)
        for role, tenant_ids in tenants_by_role.items():
            condition |= Q(any_of("tenant_id", tenant_ids)) & Q(json_array_holds("policy", "eligible_roles", role))
        if user.is_platform_admin:
            return condition
        for action, role in ((Action.APPROVE, Role.CUSTOMER_APPROVER), (Action.PROMOTE, Role.DELIVERY_LEAD)):
            granted = reach(user, Project, action).object_ids
            if granted:
                condition |= (
                    Q(any_of("project_id", granted))
                    & ~Q(any_of("tenant_id", roles_by_tenant))
                    & Q(json_array_holds("policy", "eligible_roles", role.value))
                )
    return condition


def _decisions() -> Prefetch:
    return Prefetch(
        "decisions",
        queryset=ApprovalDecision.objects.select_related("approver", "relayed_by").order_by("created_at", "pk"),
    )


def _with_decisions(requests):
    return requests.select_related(
        "project", "tenant", "requested_by", "closed_by", "freeze_override_by"
    ).prefetch_related(_decisions())


def project_requests(*, user, project: Project, limit: int | None = None) -> list[ApprovalRequest]:
    """The latest ``limit`` approval requests of ``project`` (all without one), newest first, with
    their decisions and who made them. Each holds ``project`` itself and its client, as given, rather
    than reading them again in the same query."""
    found = _REQUESTS.rows(user=user, parent=project, limit=limit)
    prefetch_related_objects(found, _decisions())
    for item in found:
        item.project = project
        if item.tenant_id == project.tenant_id:
            item.tenant = project.tenant
    return found


def requests_made_by(*, user, status: str = ""):
    """The requests ``user`` made, newest first, with their decisions; ``status`` narrows them."""
    requests = restrict(ApprovalRequest.objects.filter(requested_by=user), user=user)
    if status:
        requests = requests.filter(status=status)
    return _with_decisions(requests).order_by("-created_at", "-pk")


def requests_decided_by(*, user):
    """The requests ``user`` has decided, newest decision first, with every decision on them."""
    mine = ApprovalDecision.objects.filter(request=OuterRef("pk"), approver=user)
    requests = restrict(ApprovalRequest.objects.filter(Exists(mine)), user=user)
    return _with_decisions(requests.annotate(decided_at=mine.values("created_at")[:1])).order_by("-decided_at", "-pk")


def approval_deciders(request: ApprovalRequest) -> list[User]:
    """The people who may still decide ``request``: active, able to see its project (a role in its
    tenant, a grant on it, or platform admins), eligible under the request's policy by the rule the
    decision itself applies (``approval_rules.refusal``, four-eyes included), and not yet decided.
    Four queries, whatever the number of people."""
    project = request.project
    people = list(
        User.objects.filter(Q(pk__in=holders(project, Action.VIEW).values("pk")) | Q(is_platform_admin=True))
        .filter(is_active=True)
        .exclude(pk__in=ApprovalDecision.objects.filter(request=request).values("approver_id"))
        .order_by("pk")
    )
    roles = dict(Membership.objects.filter(tenant_id=request.tenant_id, user__in=people).values_list("user_id", "role"))
    # Grants matter only for people without a role in the tenant (``Approver.roles``).
    granted = User.objects.filter(pk__in=[person.pk for person in people if person.pk not in roles])
    approvable = set(granted.filter(pk__in=holders(project, Action.APPROVE).values("pk")).values_list("pk", flat=True))
    promotable = set(granted.filter(pk__in=holders(project, Action.PROMOTE).values("pk")).values_list("pk", flat=True))
    return [
        person
        for person in people
        if refusal(
            policy=request.policy,
            approver=Approver(
                user_id=person.pk,
                is_platform_admin=person.is_platform_admin,
                membership_role=roles.get(person.pk),
                granted_approve=person.pk in approvable,
                granted_promote=person.pk in promotable,
            ),
            requested_by_id=request.requested_by_id,
        )
        is None
    ]


# --- Portfolio ------------------------------------------------------------------------------------

COST_GROUPS_SHOWN = 8


@dataclass(frozen=True)
class Portfolio:
    """The figures of the portfolio dashboard, for the projects one person may see."""

    projects: int
    by_stage_and_model: dict[str, dict[str, int]]
    by_readiness: dict[str, int]
    monthly_total: Decimal
    estimated_projects: int
    monthly_by_client: list[tuple[str, str, Decimal]]
    monthly_by_hosting: dict[str, Decimal]
    pending_total: int
    pending_oldest: list[ApprovalRequest] = field(default_factory=list)


def portfolio(*, user, tenant: Tenant | None = None, pending_shown: int = 5) -> Portfolio:
    """Counts and cost totals over the visible projects: the summary rows of the clients the person
    sees whole (one row each), plus the projects granted to them one by one, grouped (one query,
    none without such grants); then two queries over the pending requests. The same number of
    queries however many projects and clients there are."""
    visible = reach(user, Project)
    whole = None if visible.everywhere else visible.tenant_ids
    granted = visible.object_ids
    if tenant is not None:
        whole = {tenant.pk} if whole is None or tenant.pk in whole else set()
    total, costliest = ClientFigures("", ""), []
    if whole is None or whole:
        total = ClientFigures("", "", stored_totals(whole))
        costliest = stored_costliest(whole, COST_GROUPS_SHOWN)
    if granted:
        singles = Project.objects.filter(any_of("pk", granted))
        if tenant is not None:
            singles = singles.filter(tenant=tenant)
        for client in figures_by_client(singles).values():
            total.add(client.figures)
            costliest.append(client)
    totals = total.figures
    costliest = sorted(
        (client for client in costliest if client.figures["estimated"]), key=lambda c: (-c.monthly, c.name)
    )[:COST_GROUPS_SHOWN]

    pending = restrict(ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING), user=user)
    if tenant is not None:
        pending = pending.filter(tenant=tenant)
    oldest = list(
        pending.select_related("project", "tenant", "requested_by").order_by("created_at", "pk")[:pending_shown]
    )
    return Portfolio(
        projects=totals["projects"],
        by_stage_and_model={
            stage: {model: totals[STAGE_MODEL_FIELDS[stage, model]] for model in DeploymentModel.values}
            for stage in Stage.values
        },
        by_readiness={status: totals[name] for status, name in READINESS_FIELDS.items()},
        monthly_total=total.monthly,
        estimated_projects=totals["estimated"],
        monthly_by_client=[(client.slug, client.name, client.monthly) for client in costliest],
        monthly_by_hosting={approach: totals[name] for approach, name in MONTHLY_FIELDS.items()},
        pending_total=pending.count(),
        pending_oldest=oldest,
    )


def lead_candidates(project):
    """The people who may lead ``project``, as one query: whoever may promote it through a role in its
    tenant or a grant on it, and whoever leads it now. Service accounts and deactivated people never lead."""
    may_lead = holders(project, Action.PROMOTE).values("pk")
    return (
        User.objects.filter(is_active=True, kind=User.Kind.PERSON)
        .filter(Q(pk__in=may_lead) | Q(pk=project.delivery_lead_id))
        .order_by("first_name", "last_name", "username")
    )


def relay_candidates(project):
    """The people a client's service account may relay a decision for on ``project``: the active
    people who may see it (through a role in its tenant or a grant on it) and platform admins. A
    name outside them is answered as if it did not exist."""
    may_see = holders(project, Action.VIEW).values("pk")
    return User.objects.filter(Q(pk__in=may_see) | Q(is_platform_admin=True), is_active=True, kind=User.Kind.PERSON)
