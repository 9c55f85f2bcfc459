from django.apps import AppConfig

from projects.panels import project_section_register


class DeploymentsConfig(AppConfig):
    """Deployments build on projects: they add the deployment card to the project page and the
    environment and routing rules to the project's API representation."""

    name = "deployments"

    def ready(self):
        # Imported here, not at the top, because these modules import models, which Django loads
        # only after every app's configuration: ready() is where Django has an app hook itself up.
        from audit.sentences import phrasings_register
        from deployments.api.serializers import ProjectEnvironmentField, RoutingRuleSerializer
        from deployments.audit_phrases import PHRASINGS
        from deployments.views import project_section
        from projects.api.serializers import project_detail_field_register

        project_section_register("deployment", project_section)
        phrasings_register(PHRASINGS)
        project_detail_field_register("environment", ProjectEnvironmentField)
        project_detail_field_register("routing_rules", lambda: RoutingRuleSerializer(many=True, read_only=True))
