"""Routing data: how journeys are estimated, and who was recently sent where.

The simulator keeps no tables (it reads scenario files). Live recommendations read halls, queues
and appointments from their own apps and keep two things here:

- `TravelModel`: the road factor and speed that turn a straight-line distance into travel
  minutes, and how long a recommended person counts as "on their way" after their expected
  arrival. Policy as data with effective dates, edited in the admin.
- `RecommendationIssued`: one row per person shown a recommendation, with the hall and their
  expected arrival, so that the next person's prediction counts them (without it, everyone is
  sent to whichever hall looks empty until the first of them arrive).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from exitentry.servicepoints.models import Skill


class TravelModel(models.Model):
    """Travel minutes from a straight-line distance, from `effective_from`: road km (straight-line km
    × road factor) at the city speed up to the city radius, and at the intercity speed beyond it."""

    road_factor = models.DecimalField(
        _("road factor"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.40"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("5"))],
        help_text=_("Road distance divided by straight-line distance; about 1.3 to 1.5 in a city."),
    )
    speed_kmh = models.DecimalField(
        _("average speed (km/h)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("25.0"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("200"))],
        help_text=_("Door to door, including waiting for buses and parking."),
    )
    city_radius_km = models.DecimalField(
        _("city radius (km)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("20.0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("500"))],
        help_text=_(
            "Straight-line distance travelled at the city speed; "
            "the rest of a journey goes at the intercity speed."
        ),
    )
    intercity_speed_kmh = models.DecimalField(
        _("intercity speed (km/h)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("80.0"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("300"))],
        help_text=_("Between cities: expressway, coach or high-speed rail, door to door."),
    )
    en_route_grace_minutes = models.PositiveSmallIntegerField(
        _("counted as on the way for (minutes after expected arrival)"),
        default=15,
        validators=[MaxValueValidator(240)],
        help_text=_(
            "A recommended person still counts as coming for this long after their expected "
            "arrival; after that they have either taken a ticket or gone elsewhere."
        ),
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("travel model")
        verbose_name_plural = _("travel models")
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(road_factor__gte=1, road_factor__lte=5), name="travelmodel_road_factor_range"
            ),
            models.CheckConstraint(
                condition=Q(speed_kmh__gte=1, speed_kmh__lte=200), name="travelmodel_speed_range"
            ),
            models.CheckConstraint(
                condition=Q(city_radius_km__gte=0, city_radius_km__lte=500),
                name="travelmodel_city_radius_range",
            ),
            models.CheckConstraint(
                condition=Q(intercity_speed_kmh__gte=1, intercity_speed_kmh__lte=300),
                name="travelmodel_intercity_speed_range",
            ),
            models.CheckConstraint(
                condition=Q(en_route_grace_minutes__lte=240), name="travelmodel_grace_range"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="travelmodel_effective_period",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"×{self.road_factor} at {self.speed_kmh} km/h within {self.city_radius_km} km, "
            f"{self.intercity_speed_kmh} km/h beyond, from {self.effective_from:%Y-%m-%d}"
        )

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def clean(self) -> None:
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The end of the period must not be before its start.")})


class RecommendationIssued(models.Model):
    """A person was shown `service_point` as the best hall and is expected there at `expected_arrival`.

    One row per client and service: a new recommendation for the same person replaces the last,
    so reloading a page does not add phantom people. `client_key` is a SHA-256, never an address.
    """

    service_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices)
    service_code = models.CharField(_("service"), max_length=80)
    client_key = models.CharField(_("client"), max_length=64)
    issued_at = models.DateTimeField(_("issued at"))
    expected_arrival = models.DateTimeField(_("expected arrival"))
    counted_until = models.DateTimeField(
        _("counted as on the way until"), help_text=_("Expected arrival plus the grace period.")
    )
    travel_minutes = models.FloatField(_("travel (minutes)"))
    predicted_wait_minutes = models.FloatField(_("predicted wait (minutes)"))

    class Meta:
        verbose_name = _("recommendation issued")
        verbose_name_plural = _("recommendations issued")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client_key", "service_code"], name="recommendation_one_per_client_service"
            ),
            models.CheckConstraint(
                condition=Q(counted_until__gte=F("expected_arrival")),
                name="recommendation_counted_after_arrival",
            ),
        ]
        indexes = [
            models.Index(fields=["service_point", "skill", "counted_until"], name="recommendation_live"),
        ]

    def __str__(self) -> str:
        return f"{self.service_point_id} {self.skill} {self.expected_arrival:%Y-%m-%d %H:%M}"
