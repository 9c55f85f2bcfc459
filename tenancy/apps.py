from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Tenants and members"

    def ready(self):
        # In ready(): access connects model signals, which needs the app registry loaded.
        from tenancy import access

        access.connect()
