"""Stage history, approval policies, change freezes, approval requests and decisions."""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.changes import ChangeStamped
from core.moments import OUTSIDE_RANGE, showable_everywhere
from core.validators import ChoiceListValidator
from projects.models.project import Project, Stage
from tenancy.models import Role, TenantOwned


class StageTransition(TenantOwned):
    """One move of a project between stages. Written only by ``projects.services.stages``."""

    class Kind(models.TextChoices):
        PROMOTION = "promotion", "Promotion"
        ROLLBACK = "rollback", "Rollback"
        PAUSE = "pause", "Pause"
        RETIREMENT = "retirement", "Retirement"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_history")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_stage = models.CharField(max_length=32, choices=Stage.choices)
    to_stage = models.CharField(max_length=32, choices=Stage.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    approval_request = models.OneToOneField(
        "ApprovalRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="transition"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    access_via = "project"

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["tenant", "project", "created_at"], name="transition_project_time")]

    def __str__(self):
        return f"{self.project_id}: {self.from_stage} → {self.to_stage}"


#: What someone did to the project in each kind of move, as the timeline and the stage history say it
#: (with the stages' labels): "Lee Lead rolled the project back from Production to Rollout".
MOVE_PHRASES = {
    StageTransition.Kind.PROMOTION: "moved the project from {from_stage} to {to_stage}",
    StageTransition.Kind.ROLLBACK: "rolled the project back from {from_stage} to {to_stage}",
    StageTransition.Kind.PAUSE: "paused the project at the {from_stage} stage",
    StageTransition.Kind.RETIREMENT: "retired the project at the {from_stage} stage",
}


#: Roles a policy may name as eligible, plus the platform admin.
PLATFORM_ADMIN = "platform_admin"
ELIGIBLE_ROLE_CHOICES = [
    (Role.CUSTOMER_ADMIN.value, Role.CUSTOMER_ADMIN.label),
    (Role.CUSTOMER_APPROVER.value, Role.CUSTOMER_APPROVER.label),
    (Role.DELIVERY_LEAD.value, Role.DELIVERY_LEAD.label),
    (PLATFORM_ADMIN, "Platform admin"),
]
DEFAULT_ELIGIBLE_ROLES = [Role.CUSTOMER_APPROVER.value, Role.CUSTOMER_ADMIN.value]
#: Stages a promotion can lead into, hence the stages a policy can be written for.
PROMOTION_TARGETS = [Stage.PROOF_OF_CONCEPT, Stage.PILOT, Stage.ROLLOUT, Stage.PRODUCTION]
PROMOTION_TARGET_CHOICES = [(stage.value, stage.label) for stage in PROMOTION_TARGETS]


validate_eligible_roles = ChoiceListValidator([choice for choice, _ in ELIGIBLE_ROLE_CHOICES], what="roles")


class ApprovalPolicy(TenantOwned):
    """Who must approve a promotion into ``target_stage``; blank target: the tenant's default."""

    target_stage = models.CharField(
        max_length=32,
        choices=PROMOTION_TARGET_CHOICES,
        blank=True,
        help_text="Blank: the tenant's default policy for every stage without its own.",
    )
    required_approvals = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    eligible_roles = models.JSONField(default=list, blank=True, validators=[validate_eligible_roles])
    eligible_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    require_client_and_delivery = models.BooleanField(
        "at least one client-side and one delivery-side approver", default=False
    )
    requester_may_approve = models.BooleanField(
        default=False, help_text="Off (four-eyes): whoever requested a promotion can never approve it."
    )
    readiness_gate_required = models.BooleanField(default=False)
    expiry_hours = models.PositiveIntegerField(default=72, validators=[MinValueValidator(1), MaxValueValidator(2160)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "approval policies"
        ordering = ["tenant_id", "target_stage"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "target_stage"], name="one_policy_per_tenant_and_stage"),
        ]

    def __str__(self):
        return f"Policy for {self.get_target_stage_display() or 'every stage'}"

    def clean(self):
        if not self.eligible_roles and self.pk is None:
            # A policy nobody can satisfy would block every promotion: start from the usual roles.
            self.eligible_roles = list(DEFAULT_ELIGIBLE_ROLES)


class FreezeWindow(TenantOwned, ChangeStamped):
    """A time when promotions into rollout or production are refused, in the tenant's time zone."""

    class Kind(models.TextChoices):
        ONE_OFF = "one_off", "One-off"
        WEEKLY = "weekly", "Weekly"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # One-off: local date-times in the tenant's time zone.
    starts_on = models.DateTimeField(null=True, blank=True, help_text="One-off: start, in the tenant's time zone.")
    ends_on = models.DateTimeField(null=True, blank=True, help_text="One-off: end, in the tenant's time zone.")
    # Weekly: from (weekday, time) to (weekday, time), wrapping over the week's end.
    start_weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    start_time = models.TimeField(null=True, blank=True)
    end_weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant_id", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.kind == self.Kind.ONE_OFF:
            for field in ("starts_on", "ends_on"):
                moment = getattr(self, field)
                if moment is None:
                    errors[field] = ValidationError("A one-off freeze needs a start and an end.", code="required")
                elif not showable_everywhere(moment):
                    # Shown in the tenant's time zone and compared in the database's: both must exist.
                    errors[field] = ValidationError(OUTSIDE_RANGE, code="outside_range")
            if not errors and self.ends_on <= self.starts_on:
                errors["ends_on"] = ValidationError("The end must come after the start.", code="end_before_start")
        elif self.kind == self.Kind.WEEKLY:
            for field in ("start_weekday", "start_time", "end_weekday", "end_time"):
                if getattr(self, field) is None:
                    errors[field] = ValidationError(
                        "A weekly freeze needs a start and an end day and time.", code="required"
                    )
            if not errors and (self.start_weekday, self.start_time) == (self.end_weekday, self.end_time):
                errors["end_time"] = ValidationError("A weekly freeze cannot end when it starts.", code="empty_window")
        if errors:
            raise ValidationError(errors)

    def covers(self, moment: datetime.datetime, time_zone: str) -> bool:
        """Whether the aware ``moment`` falls inside this window, read in ``time_zone``."""
        if not self.is_active:
            return False
        if self.kind == self.Kind.ONE_OFF:
            return self.starts_on <= moment < self.ends_on
        local = moment.astimezone(zoneinfo.ZoneInfo(time_zone))
        minute_of_week = local.weekday() * 1440 + local.hour * 60 + local.minute
        start = self.start_weekday * 1440 + self.start_time.hour * 60 + self.start_time.minute
        end = self.end_weekday * 1440 + self.end_time.hour * 60 + self.end_time.minute
        if start < end:
            return start <= minute_of_week < end
        return minute_of_week >= start or minute_of_week < end


class ApprovalRequest(TenantOwned):
    """A delivery lead's request that the client approve moving a project into ``target_stage``."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="approval_requests")
    from_stage = models.CharField(max_length=32, choices=Stage.choices)
    target_stage = models.CharField(max_length=32, choices=Stage.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    #: The project's key facts when the request was made, so approvers see what was asked.
    snapshot = models.JSONField(default=dict)
    #: The policy as it stood when the request was made: later edits do not move the goalposts.
    policy = models.JSONField(default=dict)
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    freeze_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    freeze_override_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: Its last change (a decision, its closing, a freeze override): the changes feed's order.
    updated_at = models.DateTimeField(auto_now=True)

    access_via = "project"

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"], condition=Q(status="pending"), name="one_pending_request_per_project"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="request_tenant_status"),
            models.Index(fields=["tenant", "updated_at"], name="request_tenant_updated"),
            models.Index(fields=["status", "expires_at"], name="request_status_expiry"),
            # The dashboard's oldest waiting requests, across every client a person sees.
            models.Index(fields=["created_at", "id"], condition=Q(status="pending"), name="request_pending_oldest"),
        ]

    def __str__(self):
        return f"{self.project_id} → {self.target_stage} ({self.status})"

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING


class ApprovalDecision(TenantOwned):
    class Verdict(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"

    class Side(models.TextChoices):
        CLIENT = "client", "Client"
        DELIVERY = "delivery", "Delivery"

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="decisions")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    side = models.CharField(max_length=8, choices=Side.choices)
    comment = models.TextField(blank=True)
    #: The service account (e.g. a ticketing tool) that relayed this person's decision, if any.
    relayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    access_via = "request"

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "approver"], name="one_decision_per_approver"),
        ]

    def __str__(self):
        return f"{self.approver_id} {self.verdict}s {self.request_id}"
