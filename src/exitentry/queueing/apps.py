from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueueingConfig(AppConfig):
    name = "exitentry.queueing"
    label = "queueing"
    verbose_name = _("Queueing")

    def ready(self) -> None:
        # The service-points API shows live waiting counts and predicted waits from here.
        from exitentry.queueing.services import hall_queue_status
        from exitentry.servicepoints.services import register_queue_source

        register_queue_source(hall_queue_status)
