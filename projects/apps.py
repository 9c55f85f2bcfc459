from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self):
        # In ready(): the phrasings import the models, which Django loads after every app's configuration.
        from audit.sentences import phrasings_register
        from projects.audit_phrases import PHRASINGS

        phrasings_register(PHRASINGS)
