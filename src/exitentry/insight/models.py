"""Insight: daily rollups that the managers' dashboards, exports and public figures read.

Dashboards never touch application items, tickets or orders: they read these pre-aggregated
tables, one row per day and combination of dimensions, so that a year over ten million items is
a sum over a few hundred thousand small rows. `rollups.recompute_day(day)` rebuilds one day from
the source apps (idempotent: the same day recomputed gives the same rows), under a lock on that
day's `RollupDay` row so that two workers recomputing the same day cannot interleave.

Definitions (see also docs in the dashboard page):

- *accepted*: application items accepted (complete, the promised time starts) on the day, by the
  hall that handles them, document type (endorsements counted as "endorsement") and channel.
- *SLA*: items whose promised date is the day; *breached* = items flagged as past their promise.
- *Hall hours*: tickets issued at a hall in a local hour, their waits, the appointments whose slot
  starts in that hour and how many of those did not come.
- *Payments*: orders paid on the day, by gateway channel and the hall of the application paid for.

Policy is data: `InsightPolicy` (how many past days the periodic refresh recomputes, how far ahead
SLA days are kept current, the longest export range), with effective dates.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exitentry.catalog.models import EffectiveDated

ENDORSEMENT = "endorsement"  # the document-type key under which endorsement items are counted


class InsightPolicy(EffectiveDated):
    refresh_days_back = models.PositiveSmallIntegerField(
        _("days recomputed by the periodic refresh"),
        help_text=_("Today and this many days before it are recomputed on every refresh."),
    )
    sla_days_ahead = models.PositiveSmallIntegerField(
        _("SLA days kept current ahead"),
        help_text=_("Promised dates up to this many days ahead are recomputed on every refresh."),
    )
    max_export_days = models.PositiveIntegerField(
        _("longest export (days)"), help_text=_("Exports are streamed; this only bounds one request.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("insight policy")
        verbose_name_plural = _("insight policies")
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["effective_from"], name="insight_policy_unique_start"),
            EffectiveDated.period_constraint("insight_policy_period"),
            models.CheckConstraint(condition=Q(max_export_days__gte=1), name="insight_policy_export_days"),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from}"


class RollupDay(models.Model):
    """One row per day that has been rolled up: the lock for recomputing it, and when it was."""

    day = models.DateField(_("day"), unique=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    items = models.PositiveIntegerField(_("items accepted"), default=0)
    signature = models.CharField(_("digest of the figures"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}"


class HallScoped(models.Model):
    """A rollup row of one hall; the hall's city is kept with it, as the dashboards filter by city."""

    service_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    city_code = models.CharField(_("city"), max_length=6)

    class Meta:
        abstract = True


class IssuanceFigures(HallScoped):
    """What the issuance rollups count for a hall, a document type and a channel (a day's or a month's)."""

    document_type = models.CharField(_("document type"), max_length=40)
    channel = models.CharField(_("channel"), max_length=20)
    accepted = models.PositiveIntegerField(_("accepted"))
    approved = models.PositiveIntegerField(_("approved"))
    rejected = models.PositiveIntegerField(_("refused"))
    zero_visit = models.PositiveIntegerField(_("zero-visit"))

    class Meta:
        abstract = True


class HallFigures(HallScoped):
    """What the hall rollups count for a hall (an hour's of one day, or one weekday-hour's over a month)."""

    tickets = models.PositiveIntegerField(_("tickets"))
    served = models.PositiveIntegerField(_("called with a measured wait"))
    wait_seconds = models.PositiveBigIntegerField(_("total wait (seconds)"))
    ticket_no_shows = models.PositiveIntegerField(_("tickets not answered"))
    appointments = models.PositiveIntegerField(_("appointments due"))
    appointment_no_shows = models.PositiveIntegerField(_("appointments not kept"))

    class Meta:
        abstract = True


class IssuanceRollup(IssuanceFigures):
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("issuance rollup")
        verbose_name_plural = _("issuance rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service_point", "document_type", "channel"], name="insight_issuance_key"
            ),
            models.CheckConstraint(
                condition=Q(approved__lte=models.F("accepted"))
                & Q(rejected__lte=models.F("accepted"))
                & Q(zero_visit__lte=models.F("accepted")),
                name="insight_issuance_parts_within_total",
            ),
        ]
        indexes = [models.Index(fields=["day", "city_code"], name="insight_issuance_day_city")]

    def __str__(self) -> str:
        return f"{self.day} {self.service_point_id} {self.document_type} {self.channel}: {self.accepted}"


class SlaRollup(HallScoped):
    day = models.DateField(_("promised date"))
    document_type = models.CharField(_("document type"), max_length=40)
    due = models.PositiveIntegerField(_("due"))
    warned = models.PositiveIntegerField(_("warned at four fifths"))
    breached = models.PositiveIntegerField(_("breached"))

    class Meta:
        verbose_name = _("SLA rollup")
        verbose_name_plural = _("SLA rollups")
        constraints = [
            models.UniqueConstraint(fields=["day", "service_point", "document_type"], name="insight_sla_key"),
            models.CheckConstraint(
                condition=Q(breached__lte=models.F("due")), name="insight_sla_breached_le_due"
            ),
        ]
        indexes = [models.Index(fields=["day", "city_code"], name="insight_sla_day_city")]

    def __str__(self) -> str:
        return f"{self.day} {self.service_point_id} {self.document_type}: {self.breached}/{self.due}"


class HallHourRollup(HallFigures):
    day = models.DateField(_("day"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    weekday = models.PositiveSmallIntegerField(_("weekday"))

    class Meta:
        verbose_name = _("hall hour rollup")
        verbose_name_plural = _("hall hour rollups")
        constraints = [
            models.UniqueConstraint(fields=["day", "service_point", "hour"], name="insight_hall_hour_key"),
            models.CheckConstraint(
                condition=Q(hour__lte=23) & Q(weekday__lte=6), name="insight_hall_hour_valid"
            ),
            models.CheckConstraint(
                condition=Q(appointment_no_shows__lte=models.F("appointments")),
                name="insight_hall_no_shows_le_appointments",
            ),
        ]
        indexes = [models.Index(fields=["day", "city_code"], name="insight_hall_day_city")]

    def __str__(self) -> str:
        return f"{self.day} {self.service_point_id} {self.hour:02d}h: {self.tickets}"


class PaymentRollup(models.Model):
    day = models.DateField(_("day"))
    service_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("service point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The hall of the application paid for; empty for other orders."),
    )
    city_code = models.CharField(_("city"), max_length=6, blank=True)
    channel = models.CharField(_("channel"), max_length=20)
    orders = models.PositiveIntegerField(_("orders paid"))
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("payment rollup")
        verbose_name_plural = _("payment rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service_point", "channel"],
                condition=Q(service_point__isnull=False),
                name="insight_payment_key",
            ),
            models.UniqueConstraint(
                fields=["day", "channel"],
                condition=Q(service_point__isnull=True),
                name="insight_payment_key_other",
            ),
        ]
        indexes = [models.Index(fields=["day", "city_code"], name="insight_payment_day_city")]

    def __str__(self) -> str:
        return f"{self.day} {self.service_point_id} {self.channel}: {self.orders}"


class IssuanceMonthRollup(IssuanceFigures):
    """The issuance rollup summed over a calendar month (rebuilt from the daily rows)."""

    month = models.DateField(_("month"), help_text=_("The first day of the month."))

    class Meta:
        verbose_name = _("monthly issuance rollup")
        verbose_name_plural = _("monthly issuance rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "service_point", "document_type", "channel"],
                name="insight_issuance_month_key",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="insight_issuance_month_first_day"),
        ]
        indexes = [models.Index(fields=["month", "city_code"], name="insight_issuance_month_city")]

    def __str__(self) -> str:
        return (
            f"{self.month:%Y-%m} {self.service_point_id} {self.document_type} {self.channel}: {self.accepted}"
        )


class HallMonthRollup(HallFigures):
    """The hall-hour rollup summed over a calendar month, by weekday and hour."""

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    hour = models.PositiveSmallIntegerField(_("hour"))

    class Meta:
        verbose_name = _("monthly hall rollup")
        verbose_name_plural = _("monthly hall rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "service_point", "weekday", "hour"], name="insight_hall_month_key"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="insight_hall_month_first_day"),
        ]
        indexes = [models.Index(fields=["month", "city_code"], name="insight_hall_month_city")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.service_point_id} {self.weekday}/{self.hour:02d}h: {self.tickets}"
