from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultConfig(AppConfig):
    name = "exitentry.consult"
    label = "consult"
    verbose_name = _("Help centre, hotline and home service")
