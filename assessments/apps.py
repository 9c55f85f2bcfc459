from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self):
        from assessments.tasks import schedule_evaluation
        from projects.signals import project_inputs_changed

        def on_inputs_changed(sender, project_id, **kwargs):
            schedule_evaluation(project_id)

        project_inputs_changed.connect(on_inputs_changed, weak=False, dispatch_uid="assessments.evaluate_after_edit")
