"""Service points: halls, opening hours and sessions, closures, counters, capacity plans and slots.

Opening hours are data per weekday; each row is one *session* (regular, evening, weekend, student)
and a lunch break is simply the gap between two sessions. Halls follow the working-day calendar
(closed on public holidays, open on make-up working days with the hours of a named weekday);
24-hour zones and port offices keep their hours every day. Capacity plans say how many people a
skill can take per slot in a session; `services.generate_slots` turns them into `Slot` rows, which
the appointments app books with one conditional UPDATE backed by the CHECK constraint below.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exitentry.core.i18n import localized
from exitentry.core.models import TranslatedNamesMixin


class ServicePointKind(models.TextChoices):
    HALL = "hall", _("Service hall")
    FOREIGNERS_HALL = "foreigners_hall", _("Service hall for foreigners")
    SELF_SERVICE = "self_service", _("24-hour self-service zone")
    PORT = "port", _("Port visa office")


class CalendarRule(models.TextChoices):
    WORKING_DAYS = "working_days", _("Closed on public holidays, open on make-up working days")
    EVERY_DAY = "every_day", _("Open every day as the hours say, public holidays included")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Skill(models.TextChoices):
    """What a counter can handle; slots and capacity plans are per skill."""

    CITIZENS_DOCUMENTS = "citizens_documents", _("Passports and travel permits")
    ENDORSEMENTS = "endorsements", _("Endorsements")
    FOREIGNERS = "foreigners", _("Foreigners' visas and residence permits")
    GREEN_CHANNEL = "green_channel", _("Enterprise green channel")
    EMERGENCY = "emergency", _("Emergency applications")


class SessionKind(models.TextChoices):
    REGULAR = "regular", _("Regular hours")
    EVENING = "evening", _("Evening session")
    WEEKEND = "weekend", _("Weekend session")
    STUDENT = "student", _("Student session")


class ServicePoint(TranslatedNamesMixin):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ServicePointKind.choices, default=ServicePointKind.HALL
    )
    city = models.ForeignKey(
        "catalog.City", verbose_name=_("city"), on_delete=models.PROTECT, related_name="service_points"
    )
    addresses = models.JSONField(_("address"), default=dict, help_text=_("One entry per language."))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    calendar_rule = models.CharField(
        _("calendar rule"),
        max_length=20,
        choices=CalendarRule.choices,
        default=CalendarRule.WORKING_DAYS,
        help_text=_("Halls follow the working-day calendar; 24-hour zones and ports usually do not."),
    )
    makeup_day_weekday = models.PositiveSmallIntegerField(
        _("hours on make-up working days"),
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text=_("On an official make-up working day the hall opens with the hours of this weekday."),
    )

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="servicepoint_coordinates_on_earth",
            ),
            models.CheckConstraint(
                condition=Q(makeup_day_weekday__lte=6), name="servicepoint_makeup_weekday_valid"
            ),
        ]

    @property
    def address(self) -> str:
        return localized(self.addresses)


class OpeningHours(models.Model):
    """One session on one weekday: `opens`–`closes` local time (`closes` 00:00 = until midnight)."""

    service_point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.CASCADE, related_name="hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    kind = models.CharField(
        pgettext_lazy("opening hours", "session"),
        max_length=10,
        choices=SessionKind.choices,
        default=SessionKind.REGULAR,
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=_("00:00 means until midnight."))
    no_lunch_break = models.BooleanField(
        _("no lunch break"), default=False, help_text=_("The session runs straight through lunchtime.")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Seasonal sessions (e.g. summer student hours).")
    )

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["service_point", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")) | Q(closes=dt.time(0, 0)),
                name="openinghours_closes_after_opens",
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="openinghours_weekday_valid"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="openinghours_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M} ({self.get_kind_display()})"
        )

    def applies_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def span_on(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The session as naive local wall-clock datetimes on `day` (end may be next midnight)."""
        start = dt.datetime.combine(day, self.opens)
        end_day = day + dt.timedelta(days=1) if self.closes == dt.time(0, 0) else day
        return start, dt.datetime.combine(end_day, self.closes)

    def clean(self) -> None:
        if self.closes != dt.time(0, 0) and self.opens is not None and self.closes <= self.opens:
            raise ValidationError({"closes": _("The closing time must be after the opening time.")})
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of the period must not be before its start.")})


class Closure(models.Model):
    """Days a service point is closed (renovation, system upgrade...), whatever its hours say."""

    service_point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.CASCADE, related_name="closures"
    )
    starts_on = models.DateField(_("first day closed"))
    ends_on = models.DateField(_("last day closed"))
    reasons = models.JSONField(_("reason"), default=dict, help_text=_("One entry per language."))

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["service_point", "starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="closure_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.service_point} {self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"

    @property
    def reason(self) -> str:
        return localized(self.reasons)

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The last day must not be before the first day.")})


class Counter(models.Model):
    """A window in a hall, with the skills of the officers who staff it."""

    service_point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.CASCADE, related_name="counters"
    )
    number = models.CharField(_("number"), max_length=10)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        ordering = ["service_point", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_point", "number"], name="counter_number_unique_per_point"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_point.code} #{self.number}"

    def has_skill(self, skill: str) -> bool:
        return skill in (self.skills or [])

    def clean(self) -> None:
        unknown = [s for s in (self.skills or []) if s not in Skill.values]
        if not isinstance(self.skills, list) or unknown:
            raise ValidationError({"skills": _("Unknown skill: %(skills)s") % {"skills": ", ".join(unknown)}})


class CapacityPlan(models.Model):
    """How many people one skill takes per slot during a kind of session, over a period."""

    service_point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.CASCADE, related_name="capacity_plans"
    )
    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday.choices, null=True, blank=True, help_text=_("Empty means every day.")
    )
    session_kind = models.CharField(
        pgettext_lazy("opening hours", "session"),
        max_length=10,
        choices=SessionKind.choices,
        default=SessionKind.REGULAR,
    )
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=30)
    capacity_per_slot = models.PositiveSmallIntegerField(_("places per slot"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)

    class Meta:
        verbose_name = _("capacity plan")
        verbose_name_plural = _("capacity plans")
        ordering = ["service_point", "skill", "weekday", "session_kind", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5, slot_minutes__lte=240), name="capacityplan_slot_length_sane"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="capacityplan_effective_period",
            ),
        ]

    def __str__(self) -> str:
        weekday = self.get_weekday_display() if self.weekday is not None else _("every day")
        return (
            f"{self.service_point.code} {self.skill} {weekday} {self.session_kind} {self.capacity_per_slot}"
        )

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def clean(self) -> None:
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The end of the period must not be before its start.")})


class Slot(models.Model):
    """A bookable time window for one skill at one service point."""

    service_point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.PROTECT, related_name="slots"
    )
    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    capacity = models.PositiveIntegerField(_("capacity"))
    booked = models.PositiveIntegerField(_("booked"), default=0)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["service_point", "start", "skill"]
        constraints = [
            models.CheckConstraint(
                condition=Q(booked__gte=0) & Q(booked__lte=F("capacity")), name="slot_booked_within_capacity"
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_end_after_start"),
            models.UniqueConstraint(fields=["service_point", "skill", "start"], name="slot_unique_start"),
        ]

    def __str__(self) -> str:
        start = f"{self.start:%Y-%m-%d %H:%M}"
        return f"{self.service_point.code} {self.skill} {start} {self.booked}/{self.capacity}"

    @property
    def available(self) -> int:
        return max(self.capacity - self.booked, 0)


class ServiceSkillRule(models.Model):
    """Which counter skill serves a catalog service, by code prefix (the longest prefix wins)."""

    service_prefix = models.CharField(
        _("service code or prefix"),
        max_length=80,
        unique=True,
        help_text=_("A full service code (hk_macau_endorsement.S) or a prefix (passport.)."),
    )
    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices)

    class Meta:
        verbose_name = _("service skill rule")
        verbose_name_plural = _("service skill rules")
        ordering = ["service_prefix"]

    def __str__(self) -> str:
        return f"{self.service_prefix} → {self.skill}"
