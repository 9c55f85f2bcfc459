"""Price catalog, cost inputs, stored assessments and estimates, gate evidence and background jobs."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from assessments.readiness.certifications import CERTIFICATIONS
from core.changes import ChangeStamped
from deployments.models import CustomerCloudEnvironment
from projects.models import Project
from tenancy.models import Tenant, TenantOwned

USD = {"max_digits": 14, "decimal_places": 6}


SHARE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


# --- Price catalog ----------------------------------------------------------------------------


class ApiModelPrice(models.Model):
    """One dated price of one API model. Never edited: a changed price is a new row."""

    provider = models.CharField(max_length=64)
    model = models.CharField(max_length=128)
    input_per_mtok = models.DecimalField("input, USD per million tokens", **USD)
    cached_input_per_mtok = models.DecimalField("cached input, USD per million tokens", null=True, blank=True, **USD)
    output_per_mtok = models.DecimalField("output, USD per million tokens", **USD)
    effective_from = models.DateTimeField()
    source = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider", "model", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "model", "effective_from"], name="api_price_once_per_date"),
        ]
        indexes = [models.Index(fields=["provider", "model", "-effective_from"], name="api_price_latest")]

    def __str__(self):
        return f"{self.key} from {self.effective_from:%Y-%m-%d}"

    @property
    def key(self):
        return f"{self.provider}:{self.model}"


class GpuInstancePrice(models.Model):
    provider = models.CharField(max_length=32, default="aws")
    instance_type = models.CharField(max_length=64)
    gpu_type = models.CharField(max_length=32)
    gpus = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    region = models.CharField(max_length=32, default="us-east-1")
    hourly = models.DecimalField("on demand, USD per hour", **USD)
    reserved_hourly = models.DecimalField("reserved, USD per hour", null=True, blank=True, **USD)
    effective_from = models.DateField()
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["provider", "instance_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "instance_type", "region", "effective_from"], name="gpu_price_once_per_date"
            ),
        ]

    def __str__(self):
        return f"{self.instance_type} ({self.gpus} × {self.gpu_type}) {self.hourly}/h"

    @property
    def gpu_hourly(self) -> Decimal:
        return self.hourly / self.gpus

    @property
    def provider_label(self) -> str:
        """The cloud provider as the pages name it ("AWS"); the catalog's key where it has no label."""
        return dict(CustomerCloudEnvironment.Provider.choices).get(self.provider, self.provider)


class ThroughputProfile(models.Model):
    """What one replica of a model size class serves on a GPU, at a latency target: the published
    output rate at the measured input/output mix, and the prefill and decode rates the cost engine
    uses (derived from it as docs/cost-model.md explains)."""

    size_class = models.CharField(max_length=16, help_text="e.g. 8b, 70b")
    gpu_type = models.CharField(max_length=32)
    gpus = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    engine = models.CharField(max_length=64)
    output_tokens_per_second = models.DecimalField(
        "published output tokens per second", max_digits=10, decimal_places=2
    )
    measured_input_tokens = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: not published.")
    measured_output_tokens = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: not published.")
    prefill_tokens_per_second = models.DecimalField(
        "prefill (input) tokens per second",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Input tokens one replica reads a second; blank: the figure cannot size replicas.",
    )
    decode_tokens_per_second = models.DecimalField(
        "decode (output) tokens per second",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Output tokens one replica writes a second, over the requests it serves at once.",
    )
    latency_target_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="The latency at which the figure was measured; blank: saturated."
    )
    measured_on = models.DateField()
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["size_class", "gpu_type", "latency_target_ms"]

    def __str__(self):
        return f"{self.size_class} on {self.gpus} × {self.gpu_type}: {self.output_tokens_per_second} tok/s"

    @property
    def sizes_replicas(self) -> bool:
        return self.prefill_tokens_per_second is not None and self.decode_tokens_per_second is not None


class HardwareProfile(models.Model):
    """An on-premises server: its price, GPUs and power draw."""

    name = models.CharField(max_length=100, unique=True)
    gpu_type = models.CharField(max_length=32)
    gpus = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    capital_cost = models.DecimalField(max_digits=14, decimal_places=2)
    kw = models.DecimalField("power draw (kW)", max_digits=8, decimal_places=2)
    life_months = models.PositiveSmallIntegerField(default=60)
    as_of = models.DateField()
    source = models.CharField(max_length=200)

    def __str__(self):
        return self.name


class TenantDiscount(TenantOwned):
    """A tenant's negotiated discount with an API provider (0..1)."""

    provider = models.CharField(max_length=64)
    discount = models.DecimalField(max_digits=5, decimal_places=4, validators=SHARE)
    valid_from = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["tenant_id", "provider", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "provider", "valid_from"], name="discount_once_per_date"),
        ]


class ProviderCertification(ChangeStamped):
    """One certification or agreement a hosting provider holds, in one region or in all of them.

    What the readiness engine checks a regulated project's provider against: the regulations ask
    for certifications (``readiness.certifications``), and only those recorded here count as
    verified. ``provider`` uses the catalog's keys: API providers as in model keys (``openai``,
    ``anthropic``) and cloud providers as environments name them (``aws``, ``azure``, ``gcp``).
    """

    provider = models.CharField(max_length=64)
    provider_name = models.CharField(max_length=100)
    region = models.CharField(max_length=64, blank=True, help_text="Blank: every region of the provider.")
    certification = models.CharField(max_length=16, choices=list(CERTIFICATIONS.items()))
    verified_on = models.DateField()
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["provider", "region", "certification"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "region", "certification"], name="provider_certification_once"),
        ]

    def __str__(self):
        return f"{self.provider_name}: {self.get_certification_display()} ({self.region or 'every region'})"


# --- Per-project cost inputs ------------------------------------------------------------------


class HybridMode(models.TextChoices):
    SHARE = "share", "By share of traffic"
    BASE_AND_BURST = "base_and_burst", "Base load own, bursts to the API"


class Redundancy(models.TextChoices):
    NONE = "none", "No spare: an outage waits for the repair"
    N_PLUS_ONE = "n_plus_one", "One spare server (N+1), for availability"


class CostPlanFields(models.Model):
    """The fields of a cost plan. Each may be left blank: a project's blank field falls back to its
    tenant's default, and a tenant's blank default to the platform's (``services.cost_plans``)."""

    HybridMode = HybridMode

    api_model = models.CharField(max_length=200, blank=True, help_text="provider:model")
    size_class = models.CharField(max_length=16, blank=True)
    gpu_instance = models.CharField(max_length=64, blank=True)
    hardware_profile = models.CharField(max_length=100, blank=True)
    utilisation_target = models.DecimalField(
        max_digits=4, decimal_places=3, null=True, blank=True, validators=SHARE, help_text="0..1"
    )
    min_replicas = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    staff_fte = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    staff_loaded_monthly = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    hybrid_mode = models.CharField(max_length=16, choices=HybridMode.choices, blank=True)
    hybrid_self_hosted_share = models.DecimalField(
        max_digits=4, decimal_places=3, null=True, blank=True, validators=SHARE, help_text="0..1"
    )
    electricity_per_kwh = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    colocation_per_kw_month = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    pue = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    on_premises_redundancy = models.CharField(max_length=16, choices=Redundancy.choices, blank=True)

    class Meta:
        abstract = True


class CostProfile(CostPlanFields, TenantOwned):
    """A project's cost plan: how it would be served under each option (which API model, which
    GPUs, which staff). Changed through ``services.cost_plans.cost_plan_update`` only."""

    Redundancy = Redundancy

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="cost_profile")

    access_via = "project"

    class Meta:
        indexes = [models.Index(fields=["api_model"], name="cost_profile_api_model")]

    def __str__(self):
        return f"Cost plan of project {self.project_id}"


class TenantCostDefaults(CostPlanFields, TenantOwned):
    """A tenant's defaults for its projects' cost plans (e.g. its usual GPU instance or staff cost)."""

    tenant = models.OneToOneField(Tenant, on_delete=models.PROTECT, related_name="cost_defaults")

    class Meta:
        verbose_name_plural = "tenant cost defaults"

    def __str__(self):
        return f"Cost defaults of {self.tenant}"


# --- Results ----------------------------------------------------------------------------------


class Job(ChangeStamped):
    """One requested background run, so people and integrations can follow its progress."""

    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", "Readiness assessment"
        COST = "cost", "Cost recalculation"
        PRICE_FAN_OUT = "price_fan_out", "Recalculation after a price change"
        COST_DEFAULTS = "cost_defaults", "Recalculation after a change of a client's cost defaults"
        CERTIFICATIONS = "certifications", "Re-assessment after a change of a provider's certifications"
        NIGHTLY = "nightly", "Nightly re-run"
        PRICE_IMPORT = "price_import", "Price import"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    parameters = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    #: Chunks of work this job was split into; it is done when every chunk has finished.
    chunks_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    access_via = "project"

    # How many chunks a run was split into is the runner's bookkeeping, not shown: no change to list.
    unlisted_changes = frozenset({"chunks_total"})

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["tenant", "project", "-created_at"], name="job_project_recent"),
            models.Index(fields=["tenant", "updated_at"], name="job_tenant_updated"),  # the feed
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"


class JobChunk(models.Model):
    """One finished chunk of a job. Recording it twice is a no-op, so redelivered chunks count once."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    result = models.JSONField(default=dict)
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="job_chunk_once")]

    def __str__(self):
        return f"Chunk {self.index} of job {self.job_id}"


class Assessment(TenantOwned):
    """A stored readiness assessment, with the inputs it saw."""

    class Status(models.TextChoices):
        READY = "ready", "Ready"
        AT_RISK = "at_risk", "At risk"
        BLOCKED = "blocked", "Blocked"

    # The history's two indexes lead with these columns: single-column indexes would only slow the
    # recalculation's inserts (docs/performance.md).
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_index=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assessments", db_index=False)
    target_stage = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices)
    recommended_hosting = models.CharField(max_length=32)
    recommended_deployment = models.CharField(max_length=32)
    inputs = models.JSONField()
    inputs_digest = models.CharField(max_length=64)
    result = models.JSONField()
    #: The assessment this one replaced as the project's latest (0: the first); see CostEstimate.
    supersedes = models.BigIntegerField(default=0)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    access_via = "project"

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "project", "-created_at"], name="assessment_latest")]
        constraints = [models.UniqueConstraint(fields=["project", "supersedes"], name="assessment_history_is_a_line")]


class CostEstimate(TenantOwned):
    """A stored cost estimate, with the prices and inputs it saw."""

    # Indexed by the history's two indexes, which lead with them (see Assessment).
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_index=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="cost_estimates", db_index=False)
    #: Blank for an option the project cannot have: the cloud ones at a site without cloud access,
    #: on premises without a server of the chosen GPU in the catalog.
    cloud_api_monthly = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    self_hosted_monthly = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    on_premises_monthly = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    hybrid_monthly = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    chosen_monthly = models.DecimalField(max_digits=16, decimal_places=2)
    cheapest = models.CharField(max_length=32)
    break_even_requests = models.BigIntegerField(null=True, blank=True)
    #: The catalog rows the estimate was priced from: a price change fans out to the projects whose
    #: latest estimate used a row of the changed entry (``selectors.projects_affected_by_prices``).
    api_price = models.ForeignKey(ApiModelPrice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    gpu_price = models.ForeignKey(GpuInstancePrice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    #: The cost plan it used, field by field, with where each value came from (project, tenant, platform).
    plan = models.JSONField(default=dict)
    inputs = models.JSONField()
    inputs_digest = models.CharField(max_length=64)
    result = models.JSONField()
    #: The estimate this one replaced as the project's latest (0: the project's first). Unique per
    #: project, so the history is one line: two overlapping runs that both read the same latest
    #: estimate cannot both store a successor.
    supersedes = models.BigIntegerField(default=0)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    access_via = "project"

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "project", "-created_at"], name="estimate_latest")]
        constraints = [models.UniqueConstraint(fields=["project", "supersedes"], name="estimate_history_is_a_line")]


class GateEvidence(TenantOwned):
    """What satisfies one stage-gate checklist item of a project.

    It counts while it is current (not withdrawn), not past its expiry date, and, for an item the
    client has to confirm (``readiness.gates.CLIENT_ACCEPTED``), once a client-side admin or
    approver has accepted it. Withdrawn evidence is kept, with who withdrew it and when: at most
    one current piece of evidence per item.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="gate_evidence")
    item = models.CharField(max_length=48)
    note = models.TextField(help_text="What the evidence is, in a sentence or two.")
    url = models.URLField(max_length=500, blank=True)
    reference = models.CharField(
        max_length=200, blank=True, help_text="A document reference, e.g. a contract clause or a ticket."
    )
    expires_on = models.DateField(null=True, blank=True, help_text="After this day the evidence no longer counts.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    access_via = "project"

    class Meta:
        ordering = ["item", "-recorded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "item"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_current_evidence_per_gate_item",
            )
        ]

    def __str__(self):
        return f"Evidence for {self.item}"

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None


class ProjectStanding(TenantOwned):
    """Where a project stands now: its latest assessment and cost estimate, one row per project.

    Kept by the services that store assessments and estimates, in the same transaction, so that
    portfolio pages and lists read one row per project instead of searching each project's history.
    """

    # Indexed by ``standing_tenant_readiness``, which leads with it.
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_index=False)
    project = models.OneToOneField(Project, on_delete=models.CASCADE, primary_key=True, related_name="standing")
    assessment = models.ForeignKey(Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    readiness_status = models.CharField(max_length=8, choices=Assessment.Status.choices, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    assessment_digest = models.CharField(max_length=64, blank=True)
    estimate = models.ForeignKey(CostEstimate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    chosen_monthly = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    cheapest = models.CharField(max_length=32, blank=True)
    break_even_requests = models.BigIntegerField(null=True, blank=True)
    estimated_at = models.DateTimeField(null=True, blank=True)
    estimate_digest = models.CharField(max_length=64, blank=True)

    access_via = "project"

    class Meta:
        indexes = [models.Index(fields=["tenant", "readiness_status"], name="standing_tenant_readiness")]

    def __str__(self):
        return f"standing of project {self.project_id}"
