from django.contrib import admin

from deployments.models import CustomerCloudEnvironment, RoutingRule
from deployments.services import ENVIRONMENT_FIELDS, environment_update


class ReadOnlyAdmin(admin.ModelAdmin):
    """Operators read these here; changes go through the services (project pages and API), which
    enforce the sign-off and routing rules and write the audit log."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CustomerCloudEnvironment)
class CustomerCloudEnvironmentAdmin(admin.ModelAdmin):
    """Operators may correct an environment's facts; the service applies the sign-off rules and audits.
    Sign-offs themselves are the client's to give, so they are read-only here."""

    fields = [
        *ENVIRONMENT_FIELDS,
        "access_approved_by",
        "access_approved_at",
        "residency_confirmed_by",
        "residency_confirmed_at",
    ]
    readonly_fields = ["access_approved_by", "access_approved_at", "residency_confirmed_by", "residency_confirmed_at"]
    list_display = ["project", "tenant", "provider", "account_id", "access_approved_at", "residency_confirmed_at"]
    list_filter = ["provider", "network_isolation", "tenant"]
    list_select_related = ["project", "tenant"]
    search_fields = ["project__code", "project__name", "tenant__name", "account_id"]

    def has_add_permission(self, request):
        return False  # an environment is created with its project's switch to customer cloud

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        environment_update(
            project=obj.project,
            actor=request.user,
            **{name: form.cleaned_data[name] for name in form.changed_data if name in ENVIRONMENT_FIELDS},
        )


@admin.register(RoutingRule)
class RoutingRuleAdmin(ReadOnlyAdmin):
    list_display = [
        "project",
        "tenant",
        "position",
        "condition_kind",
        "data_class",
        "traffic_condition",
        "destination",
        "api_model",
        "share_percent",
    ]
    list_filter = ["destination", "condition_kind", "tenant"]
    list_select_related = ["project", "tenant"]
    search_fields = ["project__code", "project__name", "tenant__name", "api_model"]
