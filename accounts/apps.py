from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Tenants and people"

    def ready(self):
        # In ready(): freshness connects model signals, which needs the app registry loaded.
        from accounts import freshness

        freshness.connect()
