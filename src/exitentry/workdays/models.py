from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from exitentry.core.models import TranslatedNamesMixin

# Years the calendar can hold at all (overrides and declared years): a sanity bound, not policy.
FIRST_YEAR = 2000
LAST_YEAR = 2100


class CalendarYear(models.Model):
    """A year whose public holidays and make-up working days have been entered as overrides.

    The official library covers the years the State Council had announced when it was released;
    for a later year an administrator enters the announced days as `DayOverride` rows and then
    declares the year here. Until then the calendar refuses to answer for that year.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(
        _("source"), max_length=300, help_text=_("The State Council notice the days come from.")
    )
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared calendar year")
        verbose_name_plural = _("declared calendar years")
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR),
                name="workdays_calendaryear_year_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (no work)")
    WORKDAY = "workday", _("Working day (e.g. make-up working day on a weekend)")


class DayOverride(TranslatedNamesMixin):
    """One day whose status differs from the official library or from a plain weekday/weekend."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DayKind.values), name="workdays_dayoverride_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.kind}"
