from django.contrib import admin

from projects.models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission


class ProjectPermissionsOnly:
    """Offer only the project permissions in per-project grant inlines."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "permission":
            kwargs["queryset"] = db_field.related_model.objects.filter(content_type__app_label="projects")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ProjectUserPermissionInline(ProjectPermissionsOnly, admin.TabularInline):
    model = ProjectUserObjectPermission
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = "per-project grant to a user"


class ProjectGroupPermissionInline(ProjectPermissionsOnly, admin.TabularInline):
    model = ProjectGroupObjectPermission
    extra = 0
    verbose_name = "per-project grant to a group"


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "tenant", "delivery_lead", "updated_at"]
    list_filter = ["tenant"]
    search_fields = ["code", "name", "tenant__name"]
    list_select_related = ["tenant", "delivery_lead"]
    autocomplete_fields = ["tenant", "delivery_lead"]
    inlines = [ProjectUserPermissionInline, ProjectGroupPermissionInline]
