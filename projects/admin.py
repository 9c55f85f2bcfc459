from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from audit.admin_base import ReadOnlyAdmin, ServiceAdmin
from projects.models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalRequest,
    FreezeWindow,
    Project,
    ProjectGroupObjectPermission,
    ProjectUserObjectPermission,
    RequirementsProfile,
    StageTransition,
)
from projects.services.policies import (
    FREEZE_FIELDS,
    POLICY_FIELDS,
    freeze_window_delete,
    freeze_window_save,
    policy_delete,
    policy_save,
)
from projects.services.projects import EDITABLE_FIELDS, PROFILE_FIELDS, profile_update, project_create, project_update


class GrantInline(admin.TabularInline):
    """Per-project grants, shown here; they are given through ``project_access_grant`` so they are audited."""

    extra = 0
    can_delete = False

    def get_queryset(self, request):
        # Each row's label names its project and the permission's content type: fetch them with
        # the grants, not one query per row.
        return super().get_queryset(request).select_related("content_object", "permission__content_type")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProjectUserPermissionInline(GrantInline):
    model = ProjectUserObjectPermission
    fields = readonly_fields = ["user", "permission"]
    verbose_name = "per-project grant to a user"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class ProjectGroupPermissionInline(GrantInline):
    model = ProjectGroupObjectPermission
    fields = readonly_fields = ["group", "permission"]
    verbose_name = "per-project grant to a group"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("group")


@admin.register(Project)
class ProjectAdmin(ServiceAdmin):
    list_display = ["code", "name", "tenant", "stage", "deployment_model", "hosting_approach", "delivery_lead"]
    list_filter = ["stage", "deployment_model", "hosting_approach", "tenant"]
    search_fields = ["code", "name", "tenant__name"]
    list_select_related = ["tenant", "delivery_lead"]
    autocomplete_fields = ["tenant", "delivery_lead"]
    readonly_fields = ["stage", "stage_before_pause", "stage_changed_at", "deployment_model"]
    inlines = [ProjectUserPermissionInline, ProjectGroupPermissionInline]

    def get_readonly_fields(self, request, obj=None):
        # The tenant is chosen once; stage and deployment model have their own services.
        return [*self.readonly_fields, "tenant", "requirements"] if obj else self.readonly_fields

    @admin.display(description="requirements profile")
    def requirements(self, project):
        profile = RequirementsProfile.objects.filter(project=project).only("pk").first()
        if profile is None:
            return "—"
        url = reverse("admin:projects_requirementsprofile_change", args=[profile.pk])
        return format_html('<a href="{}">Edit the requirements profile</a>', url)

    def has_delete_permission(self, request, obj=None):
        # A project leaves the portfolio by retirement (the stage machine, audited); deleting it
        # here would erase its history with no trace in the audit log.
        return False

    def run_service(self, request, obj, form, change):
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
            return project_update(project=obj, actor=request.user, **fields)
        fields = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS if name in form.cleaned_data}
        return project_create(tenant=form.cleaned_data["tenant"], actor=request.user, **fields)


@admin.register(RequirementsProfile)
class RequirementsProfileAdmin(ServiceAdmin):
    list_display = ["project", "data_sensitivity", "residency", "monthly_requests", "traffic_pattern", "connectivity"]
    list_filter = ["data_sensitivity", "residency", "connectivity", "tenant"]
    list_select_related = ["project"]
    search_fields = ["project__code", "project__name"]
    readonly_fields = ["project", "tenant"]

    def has_add_permission(self, request):
        return False  # created with its project

    def has_delete_permission(self, request, obj=None):
        return False

    def run_service(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in PROFILE_FIELDS}
        return profile_update(project=obj.project, actor=request.user, **fields)


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(ServiceAdmin):
    list_display = [
        "tenant",
        "target_stage",
        "required_approvals",
        "require_client_and_delivery",
        "readiness_gate_required",
        "requester_may_approve",
        "expiry_hours",
    ]
    list_filter = ["tenant", "target_stage"]
    list_select_related = ["tenant"]
    autocomplete_fields = ["tenant", "eligible_users"]

    def run_service(self, request, obj, form, change):
        data = form.cleaned_data
        tenant = obj.tenant if change else data["tenant"]
        fields = {name: data[name] for name in POLICY_FIELDS if name in data and name != "target_stage"}
        return policy_save(
            tenant=tenant,
            actor=request.user,
            target_stage=data.get("target_stage", obj.target_stage),
            eligible_users=list(data.get("eligible_users", [])),
            **fields,
        )

    def get_readonly_fields(self, request, obj=None):
        return ["tenant", "target_stage"] if obj else []

    def delete_service(self, request, obj):
        policy_delete(policy=obj, actor=request.user)


@admin.register(FreezeWindow)
class FreezeWindowAdmin(ServiceAdmin):
    list_display = ["name", "tenant", "kind", "starts_on", "ends_on", "start_weekday", "end_weekday", "is_active"]
    list_filter = ["kind", "is_active", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["name", "tenant__name"]
    autocomplete_fields = ["tenant"]

    def get_readonly_fields(self, request, obj=None):
        return ["tenant"] if obj else []

    def run_service(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: data[name] for name in FREEZE_FIELDS if name in data}
        if change:
            # The form has already written the new values onto ``obj``; the service must see the
            # stored window, or it would record no difference and audit nothing.
            stored = FreezeWindow.objects.get(pk=obj.pk)
            return freeze_window_save(tenant=obj.tenant, actor=request.user, window=stored, **fields)
        return freeze_window_save(tenant=data["tenant"], actor=request.user, **fields)

    def delete_service(self, request, obj):
        freeze_window_delete(window=obj, actor=request.user)


@admin.register(StageTransition)
class StageTransitionAdmin(ReadOnlyAdmin):
    list_display = ["project", "kind", "from_stage", "to_stage", "actor", "approval_request", "created_at"]
    list_filter = ["kind", "to_stage", "tenant"]
    list_select_related = ["project", "actor", "approval_request"]
    search_fields = ["project__code", "project__name", "reason"]
    date_hierarchy = "created_at"


class DecisionInline(admin.TabularInline):
    model = ApprovalDecision
    extra = 0
    can_delete = False
    fields = ["approver", "verdict", "side", "comment", "relayed_by", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("approver", "relayed_by")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "project",
        "from_stage",
        "target_stage",
        "status",
        "requested_by",
        "created_at",
        "expires_at",
        "closed_by",
        "closed_at",
    ]
    list_filter = ["status", "target_stage", "tenant"]
    list_select_related = ["project", "requested_by", "closed_by"]
    search_fields = ["project__code", "project__name", "note"]
    date_hierarchy = "created_at"
    inlines = [DecisionInline]


@admin.register(ApprovalDecision)
class ApprovalDecisionAdmin(ReadOnlyAdmin):
    list_display = ["project", "target_stage", "approver", "verdict", "side", "relayed_by", "created_at"]
    list_filter = ["verdict", "side", "tenant"]
    list_select_related = ["request__project", "approver", "relayed_by"]
    search_fields = ["request__project__code", "approver__username", "comment"]
    date_hierarchy = "created_at"

    @admin.display(description="project", ordering="request__project__code")
    def project(self, decision):
        return decision.request.project

    @admin.display(description="target stage", ordering="request__target_stage")
    def target_stage(self, decision):
        return decision.request.get_target_stage_display()
