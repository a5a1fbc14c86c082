from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KioskConfig(AppConfig):
    name = "exitentry.kiosk"
    label = "kiosk"
    verbose_name = _("Self-service kiosks")

    def ready(self) -> None:
        # An instant endorsement's order: paid → print it; expired → the visit timed out.
        from exitentry.kiosk import services
        from exitentry.payments import registry

        registry.on_order_paid(services.ORDER_SUBJECT, services.on_order_paid)
        registry.on_order_expired(services.ORDER_SUBJECT, services.on_order_expired)
