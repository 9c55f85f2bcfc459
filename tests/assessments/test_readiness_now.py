"""``readiness_now``: readiness from the data as it is, or as answered and not yet saved."""

import pytest

from assessments.services.evaluation import readiness_now
from projects.models import RequirementsProfile

pytestmark = pytest.mark.django_db


def test_a_site_without_connectivity_using_a_cloud_api_is_assessed_not_a_crash(project):
    """The estimate prices no cloud API for an offline site: the chosen option falls back as a stored
    estimate's does (``chosen_option``), where it raised a KeyError."""
    project.profile.connectivity = "offline"
    project.profile.save()
    assert project.hosting_approach == "cloud_api"
    result = readiness_now(project=project, target_stage="proof_of_concept")
    assert result.hosting["cloud_api"].excluded
    assert result.recommended_hosting == "on_premises"


def test_unsaved_answers_are_assessed_in_place_of_the_stored_ones(project):
    answers = RequirementsProfile.objects.get(project=project)
    answers.connectivity = "offline"
    assert readiness_now(project=project, profile=answers).hosting["cloud_api"].excluded
    assert not readiness_now(project=project).hosting["cloud_api"].excluded
    assert RequirementsProfile.objects.get(project=project).connectivity == "online"
