import django_filters

from api.references import visible
from assessments.models import Job
from projects.models import Project


class JobFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Job.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Job.Kind.choices)
    project = django_filters.ModelChoiceFilter(queryset=visible(Project), label="Project (id)")

    class Meta:
        model = Job
        fields = ["status", "kind", "project"]
