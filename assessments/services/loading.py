"""What an evaluation reads: the projects, loaded set-based, and the lock that lets one
evaluation of a project run at a time."""

from django.db import connection
from django.db.models import F

from assessments.models import CostProfile, ProjectStanding
from core.lookups import any_of
from deployments.models import CustomerCloudEnvironment
from projects.models import Project, RequirementsProfile

#: The first key of the advisory locks that serialise evaluations of a project ("SG" + 1).
EVALUATION_LOCK_CLASS = 0x5347_0001


#: The projects' one-to-ones an evaluation reads: the project's accessor, and the model.
ONE_TO_ONES = (
    ("profile", RequirementsProfile),
    ("environment", CustomerCloudEnvironment),
    ("cost_profile", CostProfile),
)


#: What an evaluation reads of each project's standing (its latest results), by the attribute
#: it is set as on the project.
STANDING = {
    "estimate_id": "latest_estimate_id",
    "estimate_digest": "latest_estimate_digest",
    "chosen_monthly": "latest_chosen_monthly",
    "break_even_requests": "latest_break_even",
    "assessment_id": "latest_assessment_id",
    "assessment_digest": "latest_assessment_digest",
}
NO_STANDING = (None,) * len(STANDING)


def projects_for_evaluation(project_ids):
    """Projects with what the cost engine needs and their standing, in five queries.

    The standing and the one-to-ones (profile, environment, cost profile) are fetched by project id
    rather than joined: PostgreSQL answers a join of a batch of projects by hashing those tables whole (see
    docs/performance.md). They are attached as ``prefetch_related`` would (a project without one
    raises ``DoesNotExist`` on access, without a query), by one array parameter each
    (``core.lookups``), but without the link back from each to its project, which nothing evaluated
    reads: it made a reference cycle of every project, so that a chunk's projects, with all they
    carry, waited for the garbage collector instead of being freed when the evaluation ends. What
    only an assessment reads (routing rules, evidence) ``assessments_run`` loads for the projects it
    assesses, so a recalculation of estimates alone does not load it.
    """
    project_ids = list(project_ids)
    projects = list(
        Project.objects.filter(any_of("pk", project_ids))
        .annotate(tenant_time_zone=F("tenant__time_zone"))
        .order_by("pk")
    )
    standings = {
        row[0]: row[1:]
        for row in ProjectStanding.objects.filter(any_of("project_id", project_ids)).values_list(
            "project_id", *STANDING
        )
    }
    for project in projects:
        for name, value in zip(STANDING.values(), standings.get(project.pk, NO_STANDING), strict=True):
            setattr(project, name, value)
    for accessor, model in ONE_TO_ONES:
        found = {row.project_id: row for row in model.objects.filter(any_of("project_id", project_ids))}
        related = getattr(Project, accessor).related
        for project in projects:
            related.set_cached_value(project, found.get(project.pk))
    return projects


def evaluable(project_ids, loaded):
    """The projects with a profile, locked for evaluation and loaded, unless the caller already has them."""
    if loaded is None:
        evaluation_lock(project_ids)
        loaded = projects_for_evaluation(project_ids)
    return [project for project in loaded if hasattr(project, "profile")]


def evaluation_lock(project_ids) -> None:
    """Evaluations of the same project, one at a time, until the transaction ends. Taken before the
    projects' latest results are read: an overlapping run waits, then reads what the first stored
    and stores nothing for inputs it already saw. (The results' unique ``supersedes`` keeps it so
    at the database.) PostgreSQL advisory locks, in id order so runs cannot deadlock; they do not
    block edits. SQLite runs one writing transaction at a time anyway."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, (id %% 2147483647)::int) FROM unnest(%s::bigint[]) AS id ORDER BY id",
            [EVALUATION_LOCK_CLASS, sorted(set(project_ids))],
        )
