from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "exitentry.records"
    label = "records"
    verbose_name = _("Exit-entry records")
