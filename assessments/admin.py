from django.contrib import admin

from assessments.cost_plan import PLAN_FIELDS
from assessments.models import (
    ApiModelPrice,
    Assessment,
    CostEstimate,
    CostProfile,
    GateEvidence,
    GpuInstancePrice,
    HardwareProfile,
    Job,
    ProviderCertification,
    TenantCostDefaults,
    TenantDiscount,
    ThroughputProfile,
)
from assessments.services.certifications import provider_certification_record, provider_certification_remove
from assessments.services.cost_plans import cost_plan_update, plan_inputs_from_stored, tenant_cost_defaults_update
from assessments.tasks import price_added
from audit.admin_base import AuditedAdmin, ReadOnlyAdmin, ServiceAdmin


class CatalogAdmin(AuditedAdmin):
    """Platform admins keep the catalog. Dated entries are added, not edited: past estimates cite them.
    Every entry added is audited."""

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class PriceAdmin(CatalogAdmin):
    """A price added here reaches the estimates it concerns like an imported one: the projects it
    affects are recalculated once it commits (at once if in force, else on its date)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        price_added(obj)


@admin.register(ProviderCertification)
class ProviderCertificationAdmin(ServiceAdmin):
    """Recorded, re-checked and removed through the service, as on the catalog page: each change
    re-assesses the projects it concerns."""

    list_display = ["provider_name", "provider", "region", "certification", "verified_on", "source"]
    list_filter = ["certification", "provider"]

    def get_readonly_fields(self, request, obj=None):
        return ["provider", "region", "certification"] if obj else []

    def run_service(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in ("verified_on", "source", "provider_name")}
        for name in ("provider", "region", "certification"):
            fields[name] = getattr(obj, name) if change else form.cleaned_data[name]
        row, _ = provider_certification_record(actor=request.user, **fields)
        return row

    def delete_service(self, request, obj):
        provider_certification_remove(actor=request.user, certification=obj)


@admin.register(ApiModelPrice)
class ApiModelPriceAdmin(PriceAdmin):
    list_display = [
        "provider",
        "model",
        "input_per_mtok",
        "cached_input_per_mtok",
        "output_per_mtok",
        "effective_from",
        "source",
    ]
    list_filter = ["provider"]
    search_fields = ["provider", "model"]
    date_hierarchy = "effective_from"


@admin.register(GpuInstancePrice)
class GpuInstancePriceAdmin(PriceAdmin):
    list_display = [
        "instance_type",
        "gpu_type",
        "gpus",
        "hourly",
        "reserved_hourly",
        "region",
        "effective_from",
        "source",
    ]
    list_filter = ["provider", "gpu_type", "region"]


@admin.register(ThroughputProfile)
class ThroughputProfileAdmin(AuditedAdmin):
    list_display = [
        "size_class",
        "gpu_type",
        "gpus",
        "engine",
        "output_tokens_per_second",
        "latency_target_ms",
        "measured_on",
        "source",
    ]
    list_filter = ["size_class", "gpu_type"]


@admin.register(HardwareProfile)
class HardwareProfileAdmin(AuditedAdmin):
    list_display = ["name", "gpu_type", "gpus", "capital_cost", "kw", "life_months", "as_of", "source"]


@admin.register(TenantDiscount)
class TenantDiscountAdmin(AuditedAdmin):
    """A client's negotiated discount changes its estimates: every addition, change and removal is audited."""

    list_display = ["tenant", "provider", "discount", "valid_from", "note"]
    list_filter = ["provider", "tenant"]
    list_select_related = ["tenant"]


@admin.register(CostProfile)
class CostProfileAdmin(ServiceAdmin):
    list_display = ["project", "api_model", "size_class", "gpu_instance", "hardware_profile", "staff_fte"]
    list_select_related = ["project"]
    search_fields = ["project__code", "api_model"]
    autocomplete_fields = ["project"]
    exclude = ["tenant"]

    def get_readonly_fields(self, request, obj=None):
        return ["project"] if obj else []

    def run_service(self, request, obj, form, change):
        project = obj.project if change else form.cleaned_data["project"]
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in PLAN_FIELDS}
        return cost_plan_update(project=project, actor=request.user, **plan_inputs_from_stored(fields))


@admin.register(TenantCostDefaults)
class TenantCostDefaultsAdmin(ServiceAdmin):
    """A client's defaults behind its projects' cost plans (a blank one: the platform's)."""

    list_display = ["tenant", "api_model", "size_class", "gpu_instance", "staff_loaded_monthly"]
    list_select_related = ["tenant"]

    def get_readonly_fields(self, request, obj=None):
        return ["tenant"] if obj else []

    def run_service(self, request, obj, form, change):
        tenant = obj.tenant if change else form.cleaned_data["tenant"]
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in PLAN_FIELDS}
        return tenant_cost_defaults_update(tenant=tenant, actor=request.user, **plan_inputs_from_stored(fields))


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["project", "target_stage", "status", "recommended_hosting", "recommended_deployment", "created_at"]
    list_filter = ["status", "target_stage", "tenant"]
    list_select_related = ["project"]


@admin.register(CostEstimate)
class CostEstimateAdmin(ReadOnlyAdmin):
    list_display = [
        "project",
        "chosen_monthly",
        "cheapest",
        "cloud_api_monthly",
        "self_hosted_monthly",
        "break_even_requests",
        "created_at",
    ]
    list_filter = ["cheapest", "tenant"]
    list_select_related = ["project"]


@admin.register(GateEvidence)
class GateEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["project", "item", "recorded_by", "recorded_at"]
    list_select_related = ["project", "recorded_by"]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "status", "project", "created_at", "started_at", "finished_at", "chunks_total"]
    list_filter = ["kind", "status"]
    list_select_related = ["project"]
