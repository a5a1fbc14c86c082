"""Accommodation registration of foreign guests by hotels and private hosts, read by the police.

A registration is one guest's stay at one lodging. The same guest cannot be registered twice for
the same stay (same lodging and arrival day) nor be "current" twice at the same lodging: both are
unique constraints, so two operators submitting at once still give one row and one 409.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exitentry.catalog.models import AllLanguagesRequired, EffectiveDated
from exitentry.core.fields import DigestedModel, DigestField, EncryptedCharField
from exitentry.core.masking import mask_document_number
from exitentry.core.models import TranslatedNamesMixin


class Area(AllLanguagesRequired, TranslatedNamesMixin):
    """A police jurisdiction (a district): hotels and private lodgings lie in one."""

    code = models.CharField(_("code"), max_length=12, unique=True, help_text=_("Division code, e.g. 370202."))

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Hotel(models.Model):
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="hotels")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("hotel")
        verbose_name_plural = _("hotels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HotelAccount(models.Model):
    """The hotel a hotel-operator account registers guests for (one hotel per account)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="hotel_account",
    )
    hotel = models.ForeignKey(
        Hotel, verbose_name=_("hotel"), on_delete=models.CASCADE, related_name="accounts"
    )

    class Meta:
        verbose_name = _("hotel account")
        verbose_name_plural = _("hotel accounts")

    def __str__(self) -> str:
        return f"{self.user} → {self.hotel}"


class PoliceAssignment(models.Model):
    """A police account sees the registrations of the areas it is assigned to."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="police_areas",
    )
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="police")

    class Meta:
        verbose_name = _("police assignment")
        verbose_name_plural = _("police assignments")
        constraints = [models.UniqueConstraint(fields=["user", "area"], name="accommodation_police_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.area}"


class RegistrationPolicy(EffectiveDated):
    """How soon after arrival a guest must be registered (24 hours under the Exit-Entry Law)."""

    SCHEME = "accommodation"

    scheme = models.CharField(_("scheme"), max_length=40, default=SCHEME, editable=False)
    deadline_hours = models.PositiveIntegerField(_("deadline after arrival (hours)"))
    source = models.CharField(_("source"), max_length=400)

    overlap_fields = ("scheme",)

    class Meta:
        verbose_name = _("registration policy")
        verbose_name_plural = _("registration policies")
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "effective_from"], name="accommodation_policy_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(deadline_hours__gt=0), name="accommodation_policy_hours_positive"
            ),
            EffectiveDated.period_constraint("accommodation_policy_period"),
        ]

    def __str__(self) -> str:
        return f"{self.deadline_hours} h from {self.effective_from}"


class LodgingKind(models.TextChoices):
    HOTEL = "hotel", _("Hotel")
    PRIVATE = "private", _("Private home")


class RegistrationStatus(models.TextChoices):
    CURRENT = "current", _("Staying")
    CHECKED_OUT = "checked_out", _("Checked out")


# The only move a registration makes; anything else is 409 invalid_transition.
ALLOWED_TRANSITIONS = {RegistrationStatus.CURRENT: {RegistrationStatus.CHECKED_OUT}}


class Registration(DigestedModel):
    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    kind = models.CharField(_("lodging"), max_length=10, choices=LodgingKind.choices)
    hotel = models.ForeignKey(
        Hotel,
        verbose_name=_("hotel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="registrations"
    )
    # "hotel-<id>" or "private-<hash of the normalised address>": the lodging, for the constraints.
    lodging_key = models.CharField(_("lodging key"), max_length=80, editable=False)
    host_name = models.CharField(_("host name"), max_length=100, blank=True)
    host_phone = EncryptedCharField(_("host phone"), max_length=20, blank=True, kind="phone")
    address = models.CharField(_("address"), max_length=300)
    room = models.CharField(_("room"), max_length=40, blank=True)

    # Encrypted at rest like ID numbers; the constraints below use the keyed digest.
    passport_number = EncryptedCharField(
        _("passport number"), max_length=20, kind="document_number", digest_field="passport_number_digest"
    )
    passport_number_digest = DigestField(source="passport_number")
    nationality = models.CharField(_("nationality"), max_length=3)
    surname = models.CharField(_("surname"), max_length=80)
    given_names = models.CharField(_("given names"), max_length=80, blank=True)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1)
    passport_expiry = models.DateField(_("passport expiry date"))

    arrived_at = models.DateTimeField(_("arrived at"))
    arrival_date = models.DateField(_("arrival date (local)"), editable=False)
    expected_departure = models.DateField(_("expected departure"))
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.CURRENT
    )
    registered_at = models.DateTimeField(_("registered at"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    edit_token_hash = models.CharField(_("edit token hash"), max_length=64, blank=True, editable=False)
    flagged_late_at = models.DateTimeField(
        _("flagged as late at"),
        null=True,
        blank=True,
        help_text=_("Set when the registration was made after the deadline following arrival."),
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-arrived_at"]
        indexes = [models.Index(fields=["area", "status"], name="accommodation_area_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["lodging_key", "nationality", "passport_number_digest", "arrival_date"],
                name="accommodation_one_registration_per_stay",
            ),
            models.UniqueConstraint(
                fields=["lodging_key", "nationality", "passport_number_digest"],
                condition=Q(status="current"),
                name="accommodation_one_current_stay_per_lodging",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=models.F("arrived_at")),
                name="accommodation_checkout_after_arrival",
            ),
            models.CheckConstraint(
                condition=Q(expected_departure__gte=models.F("arrival_date")),
                name="accommodation_departure_after_arrival",
            ),
            models.CheckConstraint(
                condition=(Q(status="current") & Q(checked_out_at__isnull=True))
                | (Q(status="checked_out") & Q(checked_out_at__isnull=False)),
                name="accommodation_status_matches_checkout",
            ),
            models.CheckConstraint(
                condition=(Q(kind="hotel") & Q(hotel__isnull=False))
                | (Q(kind="private") & Q(hotel__isnull=True)),
                name="accommodation_hotel_only_for_hotel_stays",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def masked_passport(self) -> str:
        return mask_document_number(self.passport_number)

    @property
    def guest_name(self) -> str:
        return ", ".join(part for part in (self.surname, self.given_names) if part)
