from django.apps import AppConfig

from projects.panels import project_section_register


class DeploymentsConfig(AppConfig):
    """Deployments build on projects: they add the deployment card to the project page."""

    name = "deployments"

    def ready(self):
        # Imported here, not at the top, because these modules import models, which Django loads
        # only after every app's configuration: ready() is where Django has an app hook itself up.
        from deployments.views import project_section

        project_section_register("deployment", project_section)
