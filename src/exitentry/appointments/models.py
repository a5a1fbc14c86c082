"""Appointments: a place in a slot, booked so that a slot can never be oversold.

The database keeps the promises even for a buggy caller: `Slot`'s CHECK (booked <= capacity),
a partial unique index (one active appointment per account per service) and a unique
(user, key) on idempotency records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    CHECKED_IN = "checked_in", _("Checked in")
    NO_SHOW = "no_show", _("Did not come")
    COMPLETED = "completed", _("Completed")


ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)

# The only moves an appointment can make; anything else is 409 invalid_transition.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    AppointmentStatus.BOOKED: frozenset(
        {AppointmentStatus.CANCELLED, AppointmentStatus.CHECKED_IN, AppointmentStatus.NO_SHOW}
    ),
    AppointmentStatus.CHECKED_IN: frozenset({AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW}),
    AppointmentStatus.CANCELLED: frozenset(),
    AppointmentStatus.NO_SHOW: frozenset(),
    AppointmentStatus.COMPLETED: frozenset(),
}


class Appointment(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    person = models.ForeignKey(
        "identity.Person",
        verbose_name=pgettext_lazy("appointment holder", "person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    slot = models.ForeignKey(
        "servicepoints.Slot", verbose_name=_("slot"), on_delete=models.PROTECT, related_name="appointments"
    )
    service_code = models.CharField(_("service"), max_length=80)
    status = models.CharField(
        _("status"), max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    booked_at = models.DateTimeField(_("booked at"))
    updated_at = models.DateTimeField(_("updated at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    finished_at = models.DateTimeField(
        _("finished at"), null=True, blank=True, help_text=_("When it was completed or marked as a no-show.")
    )

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["-booked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "service_code"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="appointment_one_active_per_user_service",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "slot"], name="appointment_status_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.service_code} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class IdempotencyRecord(models.Model):
    """The answer given to one (account, Idempotency-Key): a retry gets the same answer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("key"), max_length=100)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("response status"))
    response_body = models.JSONField(_("response body"))
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} → {self.response_status}"


class BookingPolicy(models.Model):
    """Anti-scalping rules as data: how far ahead, from what time of day, how many at once."""

    service_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("service point"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="booking_policies",
        help_text=_("Empty: the policy for every service point without one of its own."),
    )
    days_ahead = models.PositiveSmallIntegerField(
        _("days ahead bookable"), help_text=_("Slots up to this many days after today can be booked.")
    )
    release_time = models.TimeField(
        _("daily release time"),
        help_text=_("The newest day opens for booking at this local time each day."),
    )
    max_active_per_account = models.PositiveSmallIntegerField(_("active appointments per account"))
    requests_per_ip_per_minute = models.PositiveIntegerField(_("booking requests per address per minute"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policies")
        ordering = ["service_point", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(days_ahead__gte=1, days_ahead__lte=90), name="bookingpolicy_days_ahead_range"
            ),
            models.CheckConstraint(
                condition=Q(max_active_per_account__gte=1), name="bookingpolicy_max_active_positive"
            ),
            models.CheckConstraint(
                condition=Q(requests_per_ip_per_minute__gte=1), name="bookingpolicy_ip_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="bookingpolicy_effective_period",
            ),
        ]

    def __str__(self) -> str:
        scope = self.service_point.code if self.service_point else "*"
        since = f"{self.effective_from:%Y-%m-%d}"
        return f"{scope} from {since}: {self.days_ahead} days, max {self.max_active_per_account}"
