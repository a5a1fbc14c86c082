from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccommodationConfig(AppConfig):
    name = "exitentry.accommodation"
    label = "accommodation"
    verbose_name = _("Accommodation registration")
