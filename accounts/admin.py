from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import AuditEvent, Membership, Tenant, User
from accounts.service_admin import ReadOnlyAdmin, ServiceAdmin
from accounts.services import membership_grant, membership_revoke, tenant_create


@admin.register(Tenant)
class TenantAdmin(ServiceAdmin):
    """New clients are created through ``tenant_create``, so the creation is audited."""

    list_display = ["name", "slug", "industry", "residency_region", "time_zone", "is_active"]
    list_filter = ["industry", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request, obj=None):
        # Everything a client owns points at its tenant; a client leaves by being made inactive.
        return False

    def run_service(self, request, obj, form, change):
        if change:
            # There is no service for editing a client's details yet: they are saved as entered.
            obj.save()
            return obj
        data = form.cleaned_data
        return tenant_create(
            name=data["name"],
            slug=data["slug"],
            industry=data["industry"],
            regulations=data["regulations"],
            residency_region=data["residency_region"],
            time_zone=data["time_zone"],
            actor=request.user,
        )


@admin.register(User)
class StagegateUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "kind", "is_platform_admin", "is_active"]
    list_filter = ["kind", "is_platform_admin", "is_staff", "is_active"]
    fieldsets = (*UserAdmin.fieldsets, ("Stagegate", {"fields": ["kind", "is_platform_admin"]}))


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    """Tenant-wide roles, granted and revoked through the services so every change is audited."""

    list_display = ["user", "tenant", "role", "all_projects"]
    list_filter = ["role", "all_projects", "tenant"]
    search_fields = ["user__username", "tenant__name"]
    list_select_related = ["user", "tenant"]
    autocomplete_fields = ["user", "tenant"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "tenant"] if obj else []

    def run_service(self, request, obj, form, change):
        data = form.cleaned_data
        return membership_grant(
            tenant=obj.tenant if change else data["tenant"],
            user=obj.user if change else data["user"],
            role=data["role"],
            all_projects=data["all_projects"],
            actor=request.user,
        )

    def delete_service(self, request, obj):
        membership_revoke(tenant=obj.tenant, user=obj.user, actor=request.user)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log, to read: nobody adds, changes or deletes an event, here or anywhere."""

    list_display = ["created_at", "action", "object_repr", "actor_name", "tenant", "source", "request_id"]
    list_filter = ["action", "source", "tenant"]
    search_fields = ["object_repr", "actor_name", "request_id", "object_id"]
    date_hierarchy = "created_at"
    list_select_related = ["tenant"]
    # The log only grows: skip the second, unfiltered count on every page.
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in AuditEvent._meta.fields]

    def get_actions(self, request):
        return {}
