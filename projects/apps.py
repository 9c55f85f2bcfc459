from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self):
        # In ready(): the phrasings import the models, which Django loads after every app's configuration.
        from audit.sentences import phrasings_register
        from projects.audit_phrases import PHRASINGS
        from projects.webhook_tickets import tickets_of_projects
        from webhooks.services import ticket_provider_register

        phrasings_register(PHRASINGS)
        # Webhook events carry their project's ticket keys; webhooks may not import projects.
        ticket_provider_register(tickets_of_projects)
