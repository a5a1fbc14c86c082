from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "exitentry.appointments"
    label = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        from exitentry.appointments.models import BookingPolicy
        from exitentry.core.refcache import forget_on_change

        forget_on_change(BookingPolicy)
