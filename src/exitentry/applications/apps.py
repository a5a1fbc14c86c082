from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "exitentry.applications"
    label = "applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        # Payments call back into this app when an order for an application is paid or refunded.
        from exitentry.applications.payment_hooks import register

        register()
