from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "exitentry.core"
    label = "core"
    verbose_name = "Core"
