from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import Membership, Tenant, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "industry", "residency_region", "time_zone", "is_active"]
    list_filter = ["industry", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(User)
class StagegateUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "kind", "is_platform_admin", "is_active"]
    list_filter = ["kind", "is_platform_admin", "is_staff", "is_active"]
    fieldsets = (*UserAdmin.fieldsets, ("Stagegate", {"fields": ["kind", "is_platform_admin"]}))


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "all_projects"]
    list_filter = ["role", "all_projects", "tenant"]
    search_fields = ["user__username", "tenant__name"]
    list_select_related = ["user", "tenant"]
    autocomplete_fields = ["user", "tenant"]
