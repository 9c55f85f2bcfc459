from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import TenantOwned

project_code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9-]{1,19}$",
    "A project code is 2 to 20 capital letters, digits or hyphens, starting with a letter.",
)


class Project(TenantOwned):
    """One client AI system being delivered."""

    name = models.CharField(max_length=200)
    code = models.CharField(max_length=20, validators=[project_code_validator], help_text="Short code, e.g. CAMP-01.")
    description = models.TextField(blank=True)
    delivery_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="led_projects"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant_id", "name"]
        permissions = [
            ("promote_project", "Can request a stage promotion of the project"),
            ("approve_project", "Can approve or reject rollouts of the project"),
        ]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="project_code_unique_in_tenant")]
        indexes = [models.Index(fields=["tenant", "name"], name="project_tenant_name")]

    def __str__(self):
        return f"{self.code} — {self.name}"


class ProjectUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


class ProjectGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)
