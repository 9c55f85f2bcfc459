"""Admin pages that write through the services, so operators meet the same rules and leave the
same audit trail as everyone else.

A ``ServiceAdmin`` runs its service once while the form is validated, inside a savepoint that is
always rolled back, so a refusal shows up as form errors and saves nothing; when the form is
valid, ``save_model`` runs it for real.

An ``AuditedAdmin`` is for records no workflow writes (the price catalog, discounts, people's
rights, groups): the admin saves them itself and records each addition, change and deletion in
the audit log, in the same transaction.
"""

from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect

from audit.services import audit_record, changes, snapshot


class _DryRun(Exception):
    pass


class ServiceAdmin(admin.ModelAdmin):
    def run_service(self, request, obj, form, change):
        """Call the service for this add or change; return the saved object."""
        raise NotImplementedError

    def delete_service(self, request, obj):
        """Call the service that deletes ``obj``."""
        raise PermissionDenied("This object cannot be deleted here.")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(form_class):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    with transaction.atomic():
                        model_admin.run_service(request, self.instance, self, obj is not None)
                        raise _DryRun
                except _DryRun:
                    pass
                except ValidationError as error:
                    self._add_service_errors(error)
                except PermissionDenied as error:
                    self.add_error(None, str(error) or "You may not make this change.")

            def _add_service_errors(self, error):
                if not hasattr(error, "error_dict"):
                    self.add_error(None, error)
                    return
                for field, field_messages in error.message_dict.items():
                    if field in self.fields:
                        self.add_error(field, field_messages)
                    else:
                        label = "" if field == NON_FIELD_ERRORS else f"{field}: "
                        self.add_error(None, [f"{label}{message}" for message in field_messages])

        return ServiceForm

    def save_model(self, request, obj, form, change):
        saved = self.run_service(request, obj, form, change)
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        """The form's own relations are written by the service; inlines here are read-only."""
        for formset in formsets:
            formset.save()

    def delete_model(self, request, obj):
        self.delete_service(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        return self._refused_as_message(
            request, lambda: super(ServiceAdmin, self).delete_view(request, object_id, extra_context)
        )

    def changelist_view(self, request, extra_context=None):  # its bulk delete action
        return self._refused_as_message(
            request, lambda: super(ServiceAdmin, self).changelist_view(request, extra_context)
        )

    def _refused_as_message(self, request, view):
        """A deletion the service refuses deletes nothing and says why, instead of failing the page."""
        try:
            with transaction.atomic():
                return view()
        except ValidationError as refusal:
            self.message_user(request, " ".join(refusal.messages), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_service(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only the workflow writes: shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Adds, changes and deletions written by the admin itself, each with its audit event
    (``<model>.created``, ``<model>.updated``, ``<model>.deleted``) in the same transaction.

    The event carries the form's fields that changed, before and after (many-to-many fields as the
    names of their members); never a password hash.
    """

    #: Never copied into the log.
    audit_exclude = frozenset({"password"})

    def audit_action(self, verb: str) -> str:
        return f"{self.model._meta.model_name}.{verb}"

    def audited_fields(self, form, change) -> list[str]:
        """The form's model fields; of a change, those the form changed (a value the form only
        reformats, such as a time shown without its microseconds, is not a change)."""
        meta = self.model._meta
        model_fields = {field.name for field in [*meta.concrete_fields, *meta.many_to_many]}
        names = [name for name in form.fields if name in model_fields and name not in self.audit_exclude]
        return [name for name in names if name in form.changed_data] if change else names

    def audit_values(self, obj, names) -> dict:
        values = {}
        plain = []
        for name in names:
            field = self.model._meta.get_field(name)
            if field.many_to_many:
                values[name] = sorted(str(member) for member in getattr(obj, name).all())
            elif field.is_relation:
                related = getattr(obj, name)
                values[name] = None if related is None else str(related)
            else:
                plain.append(name)
        return {**snapshot(obj, plain), **values}

    def save_model(self, request, obj, form, change):
        if change:
            stored = self.model._default_manager.get(pk=obj.pk)
            form.audit_before = self.audit_values(stored, self.audited_fields(form, change))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        after = self.audit_values(form.instance, self.audited_fields(form, change))
        if not change:
            audit_record(action=self.audit_action("created"), obj=form.instance, actor=request.user, after=after)
            return
        before, after = changes(form.audit_before, after)
        if after:
            audit_record(
                action=self.audit_action("updated"), obj=form.instance, actor=request.user, before=before, after=after
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._audit_deletion(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self._audit_deletion(request, obj)
            super().delete_queryset(request, queryset)

    def _audit_deletion(self, request, obj):
        names = [field.name for field in self.model._meta.concrete_fields if field.name not in self.audit_exclude]
        audit_record(
            action=self.audit_action("deleted"), obj=obj, actor=request.user, before=self.audit_values(obj, names)
        )
