from django.contrib import admin

from audit.admin_base import ReadOnlyAdmin
from audit.models import AuditEvent


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
