"""The 240-hour visa-free transit policy as data: the rule itself, eligible nationalities, ports.

Every row has effective dates, so a change of policy (a new nationality, a new port, another
limit) is a new row in the admin, and a past trip is still judged by the rules of its day.
"""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from exitentry.catalog.models import AllLanguagesRequired, EffectiveDated
from exitentry.core.i18n import localized
from exitentry.core.models import TranslatedNamesMixin


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(_("Not a known IANA time zone, e.g. Asia/Shanghai.")) from error


class ClockStart(models.TextChoices):
    NEXT_DAY_MIDNIGHT = "next_day_midnight", _("00:00 of the day after arrival")
    ARRIVAL = "arrival", _("The moment of arrival")


class TransitPolicy(EffectiveDated):
    """How long a visa-free transit stay may last and from when it is counted."""

    SCHEME = "visa_free_transit"

    scheme = models.CharField(_("scheme"), max_length=40, default=SCHEME, editable=False)
    stay_hours = models.PositiveIntegerField(_("permitted stay (hours)"))
    clock_start = models.CharField(
        _("stay counted from"),
        max_length=20,
        choices=ClockStart.choices,
        default=ClockStart.NEXT_DAY_MIDNIGHT,
    )
    source = models.CharField(_("source"), max_length=400)

    overlap_fields = ("scheme",)

    class Meta:
        verbose_name = _("transit policy")
        verbose_name_plural = _("transit policies")
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "effective_from"], name="transit_policy_unique_start"),
            models.CheckConstraint(
                condition=models.Q(stay_hours__gt=0), name="transit_policy_hours_positive"
            ),
            EffectiveDated.period_constraint("transit_policy_period"),
        ]

    def __str__(self) -> str:
        return f"{self.stay_hours} h from {self.effective_from}"


class PlaceKind(models.TextChoices):
    COUNTRY = "country", _("Country")
    REGION = "region", _("Region (Hong Kong, Macao, Taiwan)")
    MAINLAND = "mainland", _("Mainland China")


class Place(AllLanguagesRequired, TranslatedNamesMixin):
    """A country or region a traveller comes from, holds the nationality of, or travels on to."""

    iso3 = models.CharField(_("ISO 3166 alpha-3 code"), max_length=3, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=PlaceKind.choices, default=PlaceKind.COUNTRY)

    class Meta:
        verbose_name = _("country or region")
        verbose_name_plural = _("countries and regions")
        ordering = ["iso3"]

    def __str__(self) -> str:
        return f"{self.name} ({self.iso3})"


class EligibleNationality(EffectiveDated):
    """Nationals of `place` may use visa-free transit while the row is in force."""

    place = models.ForeignKey(
        Place, verbose_name=_("nationality"), on_delete=models.PROTECT, related_name="transit_eligibility"
    )
    source = models.CharField(_("source"), max_length=400)

    overlap_fields = ("place",)

    class Meta:
        verbose_name = _("eligible nationality")
        verbose_name_plural = _("eligible nationalities")
        ordering = ["place__iso3", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "effective_from"], name="transit_nationality_unique_start"
            ),
            EffectiveDated.period_constraint("transit_nationality_period"),
        ]

    def __str__(self) -> str:
        return f"{self.place} ({self.effective_from})"


class PortKind(models.TextChoices):
    AIRPORT = "airport", _("Airport")
    SEAPORT = "seaport", _("Seaport")
    LAND = "land", _("Land crossing")


class EntryPort(AllLanguagesRequired, EffectiveDated, TranslatedNamesMixin):
    """A port designated for visa-free transit entry, its time zone and where the stay is allowed."""

    required_translations = ("names", "stay_region")

    code = models.CharField(_("code"), max_length=20, help_text=_("IATA code for airports."))
    kind = models.CharField(_("kind"), max_length=10, choices=PortKind.choices, default=PortKind.AIRPORT)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    stay_region = models.JSONField(
        _("permitted stay region"),
        default=dict,
        help_text=_("Where a traveller entering here may stay, in every language."),
    )
    source = models.CharField(_("source"), max_length=400)

    overlap_fields = ("code",)

    class Meta:
        verbose_name = _("designated entry port")
        verbose_name_plural = _("designated entry ports")
        ordering = ["code", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="transit_port_unique_start"),
            EffectiveDated.period_constraint("transit_port_period"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def stay_region_name(self) -> str:
        return localized(self.stay_region)
