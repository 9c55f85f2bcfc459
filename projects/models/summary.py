"""The portfolio's figures per client, kept by the database as projects and their standings change.

One row per client (``ClientSummary``): how many projects it has, by stage and deployment model and by
readiness, how many are estimated and their monthly cost by hosting approach. The dashboard sums one
row per client it shows instead of grouping every project: its cost follows the number of clients,
not of projects.

The rows are kept by triggers on the project and standing tables (``assessments.summary_triggers``),
set-based and in the transaction of the change, whatever wrote it: a service, ``QuerySet.update()``,
``bulk_create()``, the recalculation's upserts or raw SQL. ``projects.summaries`` computes the same
figures from the projects themselves; tests hold the two equal after every kind of write.
"""

from django.db import models

from projects.models.project import DeploymentModel, HostingApproach, Stage
from tenancy.models import Tenant

#: Readiness as the dashboard groups it: an assessment's status, or not assessed yet.
NOT_ASSESSED = "not_assessed"
READINESS_CHOICES = [("ready", "Ready"), ("at_risk", "At risk"), ("blocked", "Blocked"), (NOT_ASSESSED, "Not assessed")]

#: (stage, deployment model) → the column counting a client's projects there.
STAGE_MODEL_FIELDS = {(stage, model): f"{stage}_{model}" for stage in Stage.values for model in DeploymentModel.values}
#: readiness → the column counting a client's projects with it.
READINESS_FIELDS = {status: f"readiness_{status}" for status, _ in READINESS_CHOICES}
#: hosting approach → the column summing the monthly cost of a client's estimated projects with it.
MONTHLY_FIELDS = {approach: f"monthly_{approach}" for approach in HostingApproach.values}
#: Every figure column, counts first.
COUNT_FIELDS = ["projects", "estimated", *STAGE_MODEL_FIELDS.values(), *READINESS_FIELDS.values()]
FIGURE_FIELDS = [*COUNT_FIELDS, *MONTHLY_FIELDS.values()]


class ClientSummary(models.Model):
    """A client's portfolio figures over all of its projects (see the module's docstring)."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, primary_key=True, related_name="+")
    projects = models.IntegerField(default=0)
    #: Projects with a cost estimate (a chosen monthly cost).
    estimated = models.IntegerField(default=0)

    class Meta:
        verbose_name_plural = "client summaries"

    def __str__(self):
        return f"summary of tenant {self.tenant_id}"


for _name in [*STAGE_MODEL_FIELDS.values(), *READINESS_FIELDS.values()]:
    ClientSummary.add_to_class(_name, models.IntegerField(default=0))
for _name in MONTHLY_FIELDS.values():
    ClientSummary.add_to_class(_name, models.DecimalField(max_digits=18, decimal_places=2, default=0))
