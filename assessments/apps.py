from django.apps import AppConfig

from projects.decision_summary import summary_provider_register
from projects.panels import project_section_register
from projects.readiness_gate import readiness_provider_register
from projects.signals import project_inputs_changed


class AssessmentsConfig(AppConfig):
    """Assessments build on projects and hook into them here: a project edit schedules a
    re-evaluation, approval requests ask this app for the project's readiness, and the project
    page shows its readiness and cost sections; approvers' decision summaries are built here."""

    name = "assessments"

    def ready(self):
        # Imported here, not at the top, because these modules import models, which Django loads
        # only after every app's configuration: ready() is where Django has an app hook itself up.
        from assessments.audit_phrases import PHRASINGS
        from assessments.decision_summary import decision_summaries
        from assessments.services.gates import promotion_readiness
        from assessments.tasks import schedule_evaluation
        from assessments.views import project_section
        from audit.sentences import phrasings_register

        def on_inputs_changed(sender, project_id, **kwargs):
            schedule_evaluation(project_id)

        project_inputs_changed.connect(on_inputs_changed, weak=False, dispatch_uid="assessments.evaluate_after_edit")
        readiness_provider_register(promotion_readiness)
        summary_provider_register(decision_summaries)
        phrasings_register(PHRASINGS)
        project_section_register("assessment", project_section)
