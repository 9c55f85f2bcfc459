from django import template

from assessments.jobs import job_state

register = template.Library()

#: ``{{ job|job_state }}``: where a background run stands, as a sentence (``assessments.jobs.job_state``).
register.filter("job_state", job_state)
