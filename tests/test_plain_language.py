"""No page speaks in code (issue 17): every page a person reads, rendered with the demo portfolio as
the demo's people, shows labels and sentences, never an event code, a field name, an enum value
where its label belongs, or Python's None, True and False.

The pages come from the URLconf: a named page that is neither walked here (``PAGES``) nor set aside
with its reason (``NOT_WALKED``) fails ``test_every_page_is_walked_or_set_aside``, so a new page is
not silently skipped. Codes stay where integrations read them: the API and the CSV export.
"""

import datetime
import io
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

# --- What a person sees of a page -----------------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text of a page as a person reads it: text nodes only, not tags, attribute values, scripts
    or styles. ``<code>`` holds what a person copies or types (a project's code, a header name, a
    token's first characters): it is meant to be read as it is."""

    HIDDEN = {"script", "style", "code", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(body: str) -> str:
    parser = _VisibleText()
    parser.feed(body)
    parser.close()
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


# --- What counts as code ------------------------------------------------------------------------

#: ``project.stage_changed``: a dotted event code with a snake_case part.
DOTTED_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+_[a-z_]+\b")
#: ``monthly_requests``, ``proof_of_concept``: an identifier, not a word.
SNAKE_CASE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
#: A web address shown as its own link text (``urlize``).
WEB_ADDRESS = re.compile(r"https?://\S+")
#: Python's values printed as they are.
PYTHON_VALUES = re.compile(r"\b(?:None|True|False)\b")


def _event_codes() -> set[str]:
    """Every event code the product has: the audit log's actions and the webhook event types."""
    from audit.models import AuditEvent
    from webhooks.models import WebhookEventType

    return set(WebhookEventType.values) | set(AuditEvent.objects.values_list("action", flat=True).distinct())


def _coded_words() -> dict[str, str]:
    """A code written with spaces for underscores, in words its label does not use: ``change
    technical`` (a right), ``cloud api`` (for "Cloud API / PaaS"), ``self hosted cloud``; or an
    acronym's code in lower case (``aws`` for "AWS"). Maps each to the label it stands in for. From
    every choice of the product's models and its rights."""
    from tenancy.access import ACTION_LABELS

    pairs = [(str(action), label) for action, label in ACTION_LABELS.items()]
    for model in apps.get_models():
        if model._meta.app_label not in PRODUCT_APPS:
            continue
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                pairs.append((str(value), str(label)))
    for choices in _subclasses(models.Choices):  # those kept in lists too: regulations, data categories
        if choices.__module__.split(".")[0] in PRODUCT_APPS:
            pairs += [(str(value), str(label)) for value, label in choices.choices]
    coded = {}
    for value, label in pairs:
        spaced = value.replace("_", " ")
        # Words the label itself says ("on premises" in "Self-hosted on premises") are plain English.
        if "_" in value and spaced not in label and spaced not in label[:1].lower() + label[1:]:
            coded[spaced] = label
        # An acronym in lower case: "aws" for "AWS", "hipaa" for "HIPAA".
        elif value.isalpha() and value.islower() and label == value.upper():
            coded[value] = label
    return coded


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


#: The product's own apps: the rooms at the top of this repository, without the demo and benchmark tooling.
PRODUCT_APPS = {
    config.label
    for config in apps.get_app_configs()
    if Path(config.path).parent == settings.BASE_DIR and config.label != "tooling"
}


class CodeFinder:
    def __init__(self):
        self.event_codes = _event_codes()
        self.coded_words = _coded_words()
        self._coded = re.compile(
            r"\b(?:" + "|".join(re.escape(words) for words in sorted(self.coded_words, key=len, reverse=True)) + r")\b"
        )

    def __call__(self, text: str) -> list[str]:
        """Each piece of code in ``text``, said with what it is and where it stands. Web addresses
        are what a person follows or copies, as they are."""
        text = WEB_ADDRESS.sub("", text)
        found = []
        for code in self.event_codes:
            for match in re.finditer(rf"(?<![\w.]){re.escape(code)}(?![\w])", text):
                found.append(f"event code {code!r} in {_around(text, match)}")
        for pattern, what in (
            (DOTTED_CODE, "dotted code"),
            (SNAKE_CASE, "identifier"),
            (PYTHON_VALUES, "Python value"),
        ):
            for match in pattern.finditer(text):
                found.append(f"{what} {match.group()!r} in {_around(text, match)}")
        for match in self._coded.finditer(text):
            label = self.coded_words[match.group()]
            found.append(f"code {match.group()!r} where its label “{label}” belongs, in {_around(text, match)}")
        return sorted(set(found))


def _around(text: str, match) -> str:
    return f"“…{text[max(0, match.start() - 60) : match.end() + 60]}…”"


# --- The pages ----------------------------------------------------------------------------------

#: Every page a person reads, by URL name: the path arguments of each one to render (one call per
#: set of arguments), and query strings to render it with beside the plain page.
PAGES = {
    **dict.fromkeys(
        (
            "home",
            "project-list",
            "project-client-suggestions",
            "project-new",
            "inbox",
            "my-requests",
            "notifications",
            "personal-settings",
            "settings",
            "catalog",
            "catalog-gpus",
            "catalog-hardware",
            "catalog-certifications",
        ),
        lambda d: [{}],  # nothing in their path
    ),
    "catalog-price-history": lambda d: [{"provider": d["price"].provider, "model": d["price"].model}],
    "catalog-certification-remove": lambda d: [{"pk": d["certification"].pk}],
    "catalog-import-status": lambda d: [{"pk": d["import_job"].pk}],
    "tenant-detail": lambda d: [{"slug": tenant.slug} for tenant in d["tenants"]],
    "project-detail": lambda d: [{"pk": project.pk} for project in d["projects"]],
    "project-edit": lambda d: [{"pk": project.pk} for project in d["projects"]],
    "project-profile": lambda d: [{"pk": project.pk} for project in d["projects"]],
    # The questionnaire's side panel, as it first draws (the saved answers).
    "project-requirements-consequences": lambda d: [{"pk": project.pk} for project in d["projects"]],
    "project-access": lambda d: [{"pk": project.pk} for project in d["projects"]],
    "project-evidence": lambda d: [{"pk": d["busy"].pk}],
    "project-tickets": lambda d: [{"pk": d["busy"].pk}],
    "project-cost-plan": lambda d: [{"pk": d["busy"].pk}],
    "project-deployment-model": lambda d: [{"pk": project.pk} for project in d["projects"]],
    "project-environment": lambda d: [{"pk": project.pk} for project in d["cloud_projects"]],
    "project-routing": lambda d: [{"pk": project.pk} for project in d["hybrid_projects"]],
    "project-routing-row": lambda d: [{"pk": d["hybrid_projects"][0].pk, "index": 2}],
    "job-status": lambda d: [{"pk": job.pk} for job in d["jobs"]],
    "settings-tenant": lambda d: [{"slug": tenant.slug} for tenant in d["tenants"]],
    "settings-members": lambda d: [{"slug": tenant.slug} for tenant in d["tenants"]],
    "settings-member-change": lambda d: [{"slug": d["tenant"].slug, "pk": d["membership"].pk}],
    "settings-member-remove": lambda d: [{"slug": d["tenant"].slug, "pk": d["membership"].pk}],
    "settings-service-accounts": lambda d: [{"slug": d["tenant"].slug}],
    "settings-token-new": lambda d: [{"slug": d["tenant"].slug, "pk": d["service_account"].pk}],
    "settings-token-revoke": lambda d: [{"slug": d["tenant"].slug, "pk": d["token"].pk}],
    "settings-policies": lambda d: [{"slug": tenant.slug} for tenant in d["tenants"]],
    "settings-policy-new": lambda d: [{"slug": d["tenant"].slug}],
    "settings-policy-edit": lambda d: [{"slug": d["tenant"].slug, "pk": policy.pk} for policy in d["policies"]],
    "settings-policy-delete": lambda d: [{"slug": d["tenant"].slug, "pk": d["policies"][0].pk}],
    "settings-freezes": lambda d: [{"slug": tenant.slug} for tenant in d["tenants"]],
    "settings-freeze-new": lambda d: [{"slug": d["tenant"].slug}],
    "settings-freeze-edit": lambda d: [{"slug": d["tenant"].slug, "pk": window.pk} for window in d["windows"]],
    "settings-freeze-delete": lambda d: [{"slug": d["tenant"].slug, "pk": d["windows"][0].pk}],
    "settings-webhooks": lambda d: [{"slug": d["tenant"].slug}],
    "settings-webhook-new": lambda d: [{"slug": d["tenant"].slug}],
    "settings-webhook-edit": lambda d: [{"slug": d["tenant"].slug, "pk": d["endpoint"].pk}],
    "settings-webhook-delete": lambda d: [{"slug": d["tenant"].slug, "pk": d["endpoint"].pk}],
    "settings-webhook-rotate": lambda d: [{"slug": d["tenant"].slug, "pk": d["endpoint"].pk}],
    "settings-webhook-deliveries": lambda d: [{"slug": d["tenant"].slug, "pk": d["endpoint"].pk}],
    "settings-cost-defaults": lambda d: [{"slug": tenant.slug} for tenant in d["tenants"]],
}
#: Pages read again with these query strings (tabs and filters that change what they say).
QUERIES = {
    "inbox": ["tab=decided"],
    "my-requests": [f"status={status}" for status in ("pending", "approved", "rejected", "cancelled", "expired")],
    "notifications": ["show=unread"],
    "project-list": ["stage=pilot", "pending=true", "hosting_approach=hybrid", "tenant=lotus", "tenant=nobody"],
    "project-client-suggestions": ["tenant=lo"],
}
#: Named URLs that are no page a person reads, and why.
NOT_WALKED = {
    "login": "the sign-in page, read before the demo's people are signed in: walked by test_the_sign_in_page",
    "logout": "answers POST only",
    "health-live": "a probe for the orchestrator, not a person",
    "health-ready": "a probe for the orchestrator, not a person",
    # Answer POST only; what they say comes back as a message on a page walked here, or as the job
    # fragment that job-status and catalog-import-status render.
    "notifications-read-all": "answers POST only",
    "notification-read": "answers POST only",
    "decide": "answers POST only",
    "freeze-override": "answers POST only",
    "project-promotion": "answers POST only",
    "project-stage-move": "answers POST only",
    "project-evaluate": "answers POST only (the job fragment is job-status's)",
    "project-evidence-remove": "answers POST only",
    "project-ticket-remove": "answers POST only",
    "project-access-revoke": "answers POST only",
    "project-sign-off": "answers POST only",
    "gate-evidence-record": "answers POST only (re-draws the project page's readiness, walked there)",
    "gate-evidence-accept": "answers POST only (re-draws the project page's readiness, walked there)",
    "gate-evidence-withdraw": "answers POST only (re-draws the project page's readiness, walked there)",
    "catalog-import": "answers POST only (the job fragment is catalog-import-status's)",
    "settings-delivery-redeliver": "answers POST only",
}
#: Namespaces that are not the product's pages: the operators' Django admin.
OTHER_NAMESPACES = {"admin"}


def _named_pages(resolver=None, namespace=None):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner in OTHER_NAMESPACES or str(entry.pattern).startswith("api/"):
                continue  # the API speaks in codes on purpose
            yield from _named_pages(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name and not str(entry.pattern).startswith("api/"):
            yield entry.name


def test_every_page_is_walked_or_set_aside():
    names = set(_named_pages())
    assert names - set(PAGES) - set(NOT_WALKED) == set(), "a page nobody checks: add it to PAGES or NOT_WALKED"
    assert (set(PAGES) | set(NOT_WALKED)) - names == set(), "listed here but no longer a URL"
    assert not set(PAGES) & set(NOT_WALKED)


# --- The demo, busy -----------------------------------------------------------------------------


@pytest.fixture
def demo(settings):
    """The demo portfolio as ``make run`` loads it, then a day's work on it so that every kind of
    sentence has something to say: assessments and estimates, jobs in every state, moves back,
    evidence, tickets, grants, a rejection, a cancellation, a webhook with deliveries, a token."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # nothing is sent; the endpoint only has to be accepted
    from assessments.jobs import chunk_run, job_request, job_run, job_split
    from assessments.models import ApiModelPrice, Job
    from assessments.services.certifications import provider_certification_record
    from assessments.services.cost_plans import cost_plan_update
    from assessments.services.evaluation import evaluate_many
    from assessments.services.gates import evidence_accept, evidence_record
    from assessments.tasks import price_import_request, recalculate_costs
    from deployments.services import environment_update
    from projects.models import ApprovalPolicy, ApprovalRequest, FreezeWindow, Project
    from projects.services.access import project_access_grant
    from projects.services.approvals import approval_decide, approval_request_cancel
    from projects.services.projects import evidence_add, profile_update, project_update, ticket_link
    from projects.services.stages import project_pause, project_retire, project_rollback
    from tenancy.models import Membership, Role, Tenant
    from tenancy.services import service_account_create, token_issue
    from webhooks import services as webhooks
    from webhooks.models import WebhookEndpoint

    call_command("seed_demo", stdout=io.StringIO())
    people = {name: User.objects.get(username=name) for name in ("admin", "lead")}
    people |= {
        name: User.objects.get(username=name)
        for name in ("meridian-approver", "meridian-admin", "lotus-admin", "lotus-approver", "monsoon-admin")
    }
    projects = {project.code: project for project in Project.objects.select_related("tenant")}
    evaluate_many([project.pk for project in projects.values()])

    lead, admin = people["lead"], people["admin"]
    camp, social, insight = projects["LOT-CAMP"], projects["LOT-SOCIAL"], projects["LOT-INSIGHT"]
    dispute, kyc = projects["MER-DISPUTE"], projects["MER-KYC"]
    # Moves back, with reasons.
    project_rollback(project=camp, actor=lead, to_stage="rollout", reason="Festival traffic doubled the error rate")
    project_retire(project=insight, actor=lead, reason="Folded into the campaign dashboard")
    project_pause(project=kyc, actor=lead, reason="Waiting for the regulator's reply")
    # What a project's edits leave in the timeline.
    project_update(project=camp, actor=lead, description="Personalised festival cards, now with video.")
    profile_update(project=camp, actor=lead, monthly_requests=600_000, avg_output_tokens=250, peak_ratio=Decimal(10))
    environment_update(project=dispute, actor=admin, change_process_reference="Meridian CAB, twice weekly")
    cost_plan_update(project=camp, actor=lead, staff_fte=Decimal("0.5"))
    evidence_add(project=camp, actor=lead, kind="case_study", title="Festival campaign case study")
    ticket_link(project=camp, actor=lead, system="jira", key="LOT-42", url="https://tickets.example.com/LOT-42")
    accepted = evidence_record(project=dispute, actor=lead, item="data_classified", note="Classified with the DPO")
    evidence_accept(evidence=accepted, actor=people["meridian-admin"])
    evidence_record(project=social, actor=lead, item="data_classified", note="Only public comments are read")
    evidence_record(project=social, actor=lead, item="provider_terms_verified", note="OpenAI enterprise terms")
    evidence_record(project=dispute, actor=lead, item="monitoring", note="Dashboards in Grafana")
    outsider = User.objects.create_user(username="eng-ana", first_name="Ana", last_name="Silva")
    project_access_grant(project=camp, user=outsider, role=Role.ENGINEER, actor=admin)
    # Requests that ended otherwise than approved.
    pending = {request.project.code: request for request in ApprovalRequest.objects.filter(status="pending")}
    approval_decide(
        request=pending["LOT-SOCIAL"],
        actor=people["lotus-approver"],
        verdict="reject",
        comment="The reply tone guide is not signed off",
    )
    approval_request_cancel(request=pending["COR-SUBS"], actor=admin)
    approval_decide(request=pending["MER-DISPUTE"], actor=people["meridian-admin"], verdict="approve")
    # Jobs in every state: done, failed, running in parts, queued.
    done = job_request(kind=Job.Kind.COST, task=recalculate_costs, project=camp, requested_by=lead)
    job_run(done.pk, lambda job: {"estimates": 1})
    failed = job_request(kind=Job.Kind.ASSESSMENT, task=recalculate_costs, project=camp, requested_by=lead)
    with pytest.raises(ZeroDivisionError):
        job_run(failed.pk, lambda job: 1 / 0)
    parts = job_request(kind=Job.Kind.PRICE_FAN_OUT, task=recalculate_costs, project=camp)
    job_split(parts.pk, [[camp.pk]] * 10)
    for index in range(3):
        chunk_run(parts.pk, index, lambda: {"estimates": 1})
    queued = job_request(kind=Job.Kind.COST, task=recalculate_costs, project=dispute, requested_by=lead)
    # The catalog: a certification and an import waiting for the queue.
    certification, _ = provider_certification_record(
        actor=admin,
        provider="openai",
        certification="soc2",
        region="",
        verified_on=datetime.date(2026, 11, 2),
        source="https://trust.openai.com/",
    )
    import_job = price_import_request(actor=admin)
    # A client's settings with something in every list.
    tenant = Tenant.objects.get(slug="lotus")
    endpoint = webhooks.endpoint_save(
        tenant=tenant,
        actor=people["lotus-admin"],
        url="http://127.0.0.1:9/hook",
        description="Ticketing inbound hook",
        event_types=["project.stage_changed", "approval.requested"],
    )
    webhooks.publish(tenant_id=tenant.pk, event_type="project.stage_changed", data={"project": camp.code})
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, consecutive_failures=5, disabled_reason="5 deliveries in a row failed"
    )
    account = service_account_create(tenant=tenant, username="lotus-ticketing", role=Role.CUSTOMER_VIEWER, actor=admin)
    token = token_issue(user=account, actor=people["lotus-admin"], name="Ticketing", scopes=["read", "approve"])[0]
    return {
        "people": people,
        "projects": list(projects.values()),
        "busy": camp,
        "cloud_projects": [p for p in projects.values() if p.deployment_model == "customer_cloud"],
        "hybrid_projects": [p for p in projects.values() if p.hosting_approach == "hybrid"],
        "tenants": list(Tenant.objects.all()),
        "tenant": tenant,
        "membership": Membership.objects.get(tenant=tenant, user=people["lotus-approver"]),
        "service_account": account,
        "token": token,
        "policies": list(ApprovalPolicy.objects.filter(tenant=tenant)),
        "windows": list(FreezeWindow.objects.filter(tenant=tenant)),
        "endpoint": endpoint,
        "jobs": [done, failed, parts, queued],
        "certification": certification,
        "import_job": import_job,
        "price": ApiModelPrice.objects.order_by("provider", "model").first(),
    }


#: The demo's people whose pages are read: a delivery lead, a client's approver and admin, and the
#: platform admin who sees every client, the catalog and every setting.
READERS = ("lead", "meridian-approver", "lotus-admin", "admin")


def test_no_page_shows_a_code_to_a_person(client, demo):
    find = CodeFinder()
    findings, shown = [], set()
    for username in READERS:
        client.force_login(demo["people"][username])
        for name, arguments in PAGES.items():
            for kwargs in arguments(demo):
                path = reverse(name, kwargs=kwargs)
                for url in [path, *(f"{path}?{query}" for query in QUERIES.get(name, []))]:
                    response = client.get(url, follow=True)
                    assert response.status_code in {200, 403, 404}, (username, url, response.status_code)
                    if response.status_code != 200:
                        continue
                    shown.add(name)
                    for finding in find(visible_text(response.content.decode())):
                        findings.append(f"{username} at {url}: {finding}")
    assert set(PAGES) - shown == set(), "pages nobody could read: the walk proves nothing about them"
    assert findings == [], "\n".join(findings)


def test_the_sign_in_page(client):
    assert CodeFinder()(visible_text(client.get(reverse("login")).content.decode())) == []


# --- The finder finds --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        "<li>Lee Lead: project stage_changed → proof_of_concept</li>",
        "<li>project.stage_changed</li>",
        "<li>approval.requested</li>",
        "<dd>Your access: view, change, change technical, promote</dd>",
        "<p>Recommended hosting: cloud api models.</p>",
        "<p>Changed the requirements (monthly_requests).</p>",
        "<dd>None</dd>",
        "<td>False</td>",
        "<td>self hosted cloud</td>",
        "<td>aws, us-east-1</td>",
    ],
)
def test_the_finder_finds_code(page):
    assert CodeFinder()(visible_text(page)), page


@pytest.mark.parametrize(
    "page",
    [
        '<a href="/projects/?stage=proof_of_concept" class="stage-proof_of_concept">Proof of concept</a>',
        "<script>const kind = 'project.stage_changed';</script><p>Moved to proof of concept.</p>",
        "<p>Token <code>sg_ab12_…</code>, header <code>X-Stagegate-Signature-256</code></p>",
        "<p>Recommended hosting: Cloud API / PaaS. Runs as a managed application in the cloud API.</p>",
        "<p>Nothing here needs you: it is true that nothing is false, and none of it is none.</p>",
        "<td>Checked at https://aws.amazon.com/compliance/services_in_scope/</td>",
    ],
)
def test_the_finder_leaves_words_alone(page):
    assert CodeFinder()(visible_text(page)) == [], page
