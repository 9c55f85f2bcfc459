from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import User
from audit.admin_base import AuditedAdmin, ServiceAdmin
from audit.services import audit_record
from tenancy.models import Membership, Tenant
from tenancy.services import TENANT_FIELDS, membership_grant, membership_revoke, tenant_create, tenant_update


@admin.register(Tenant)
class TenantAdmin(ServiceAdmin):
    """Clients are created through ``tenant_create`` and changed through ``tenant_update``, so both are audited."""

    list_display = ["name", "slug", "industry", "residency_region", "time_zone", "is_active"]
    list_filter = ["industry", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request, obj=None):
        # Everything a client owns points at its tenant; a client leaves by being made inactive.
        return False

    def run_service(self, request, obj, form, change):
        if change:
            # The form has already written the new values onto ``obj``: the service must start from
            # the stored client, or it would see no difference and audit nothing.
            return tenant_update(
                tenant=Tenant.objects.get(pk=obj.pk),
                actor=request.user,
                **{name: form.cleaned_data[name] for name in form.changed_data if name in TENANT_FIELDS},
            )
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
class StagegateUserAdmin(AuditedAdmin, UserAdmin):
    """People and their rights. Every addition, change (platform admin, staff, superuser, active,
    groups, permissions, names), password change and deletion is audited."""

    list_display = ["username", "email", "first_name", "last_name", "kind", "is_platform_admin", "is_active"]
    list_filter = ["kind", "is_platform_admin", "is_staff", "is_active"]
    fieldsets = (*UserAdmin.fieldsets, ("Stagegate", {"fields": ["kind", "is_platform_admin"]}))
    # Bookkeeping, not rights: shown, not edited (the form would also drop their microseconds on every save).
    readonly_fields = ["last_login", "date_joined"]

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            # Saved: a redirect to the person's page (a refused form redirects back to itself, unsaved).
            if request.method == "POST" and response.status_code == 302 and response.url != request.get_full_path():
                user = User.objects.get(pk=id)
                audit_record(
                    action="user.password_changed",
                    obj=user,
                    actor=request.user,
                    after={"usable_password": user.has_usable_password()},
                )
        return response


admin.site.unregister(Group)


@admin.register(Group)
class StagegateGroupAdmin(AuditedAdmin, GroupAdmin):
    """Groups and their permissions: every change is audited."""


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


# django-axes' sign-in records: deleting an attempt lifts a lock-out, deleting a log erases who signed
# in. Its own admin pages stay, with each deletion audited.
for _model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(_model):
        _axes_admin = type(admin.site.get_model_admin(_model))
        admin.site.unregister(_model)
        admin.site.register(_model, type(f"Audited{_axes_admin.__name__}", (AuditedAdmin, _axes_admin), {}))
