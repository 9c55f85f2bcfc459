from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Tenants and people"

    def ready(self):
        from accounts import freshness, signals  # noqa: F401 - signals connects the sign-in audit receivers

        freshness.connect()
