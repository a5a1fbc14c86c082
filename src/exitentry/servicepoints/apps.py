from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicePointsConfig(AppConfig):
    name = "exitentry.servicepoints"
    label = "servicepoints"
    verbose_name = _("Service points")

    def ready(self) -> None:
        from exitentry.catalog.models import Service
        from exitentry.core.refcache import forget_on_change
        from exitentry.servicepoints.models import Closure, OpeningHours, ServicePoint, ServiceSkillRule
        from exitentry.workdays.models import CalendarYear, DayOverride

        # What day_hours() and resolve_service() read, kept briefly by core.refcache.
        forget_on_change(ServicePoint, OpeningHours, Closure, ServiceSkillRule, Service)
        forget_on_change(CalendarYear, DayOverride)
