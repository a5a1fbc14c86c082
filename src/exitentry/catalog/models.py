"""The catalog: what the exit-entry administration offers, what it costs, what to bring, how long.

Policy is data. Everything that changes over time (fees, promised times, which materials a
service asks for, which cities belong to a scheme) carries `effective_from` and an optional
`effective_to` (the last day in force); lookups ask for the row in force on a given day.
Rows that describe the same thing may not overlap in time (checked in `clean`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from exitentry.core.i18n import missing_languages
from exitentry.core.models import TranslatedNamesMixin

SERVICE_CODE = RegexValidator(
    r"^[a-z_]+\.[A-Za-z_]+$", _("Use the form document.reason, e.g. passport.renewal.")
)
ROW_CODE = RegexValidator(
    r"^[a-z0-9_]+(\.[A-Za-z0-9_]+)?$", _("Use lower-case letters, digits, _ and one dot.")
)
ENDORSEMENT_CODE = RegexValidator(r"^[A-Z]$", _("One capital letter, e.g. G."))
CITY_CODE = RegexValidator(r"^\d{6}$", _("Six digits, e.g. 370200."))


# --- Choices: the small, explicit vocabularies the code evaluates ---------------------------------


class Reason(models.TextChoices):
    FIRST_ISSUE = "first_issue", _("First application")
    RENEWAL = "renewal", _("Renewal")
    REPLACEMENT_LOST = "replacement_lost", _("Replacement of a lost document")
    REPLACEMENT_DAMAGED = "replacement_damaged", _("Replacement of a damaged document")
    ENDORSEMENT = "endorsement", _("Endorsement")


DOCUMENT_REASONS = (Reason.FIRST_ISSUE, Reason.RENEWAL, Reason.REPLACEMENT_LOST, Reason.REPLACEMENT_DAMAGED)
ZERO_VISIT_REASONS = (Reason.RENEWAL, Reason.REPLACEMENT_LOST, Reason.REPLACEMENT_DAMAGED)


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    WINDOW = "window", _("At a service hall window")
    KIOSK = "kiosk", _("At a self-service device")
    HOME_SERVICE = "home_service", _("Officers come to you")
    GREEN_CHANNEL = "green_channel", _("Enterprise green channel")


class Entries(models.TextChoices):
    SINGLE = "single", _("Single entry")
    DOUBLE = "double", _("Double entry")
    MULTIPLE_1Y = "multiple_1y", _("Multiple entries, up to 1 year")
    MULTIPLE_2Y = "multiple_2y", _("Multiple entries, over 1 and up to 2 years")
    MULTIPLE_UNDER_3Y = "multiple_under_3y", _("Multiple entries, over 2 and under 3 years")
    MULTIPLE_3Y_PLUS = "multiple_3y_plus", _("Multiple entries, 3 years or more")


class FeeKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    ENDORSEMENT = "endorsement", _("Endorsement")


class VerificationSource(models.TextChoices):
    HOUSEHOLD_REGISTER = "household_register", _("household register")
    MARRIAGE = "marriage", _("marriage register")
    RESIDENCE_PERMIT = "residence_permit", _("residence permit register")
    ENTERPRISE_LICENCE = "enterprise_licence", _("enterprise licence register")
    IDENTITY = "identity", _("identity register")


class Condition(models.TextChoices):
    """When a service asks for a material (or a waiver applies); evaluated in services.py."""

    ALWAYS = "always", _("Always")
    UNDER_16 = "under_16", _("Applicant under 16")
    AGE_16_PLUS = "age_16_plus", _("Applicant 16 or older")
    OUT_OF_PROVINCE = "out_of_province", _("Household registration in another province")
    EXPEDITED = "expedited", _("Urgent (expedited) processing")
    EXISTING_DOCUMENT = "existing_document", _("Endorsement on a permit already held")
    BUSINESS_TRIP = "business_trip", _("Travelling on business for an employer")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    HOURS = "hours", _("hours")
    SAME_DAY = "same_day", _("same day")


class PromiseScope(models.TextChoices):
    CITIZENS_IN_PROVINCE = "citizens_in_province", _("Citizens' documents, residents of this province")
    CITIZENS_OUT_OF_PROVINCE = (
        "citizens_out_of_province",
        _("Citizens' documents, residents of other provinces"),
    )
    CITIZENS_EXPEDITED = "citizens_expedited", _("Citizens' documents, expedited")
    TALENT_RESIDENCE = "talent_residence", _("Foreign high-level talent, residence permit")
    TALENT_VISA = "talent_visa", _("Foreign high-level talent, visa")
    JOINT_WORK_RESIDENCE = "joint_work_residence", _("Foreigners' joint work and residence permit")
    KIOSK_BUSINESS_ENDORSEMENT = (
        "kiosk_business_endorsement",
        _("Business endorsement at a self-service device"),
    )
    ACCOMMODATION_REGISTRATION = "accommodation_registration", _("Accommodation registration")
    ONLINE_PAYMENT_WINDOW = "online_payment_window", _("Payment window for online renewals")


class CityList(models.TextChoices):
    ZERO_VISIT_PILOT = "zero_visit_pilot", _("Zero-visit pilot cities")
    INDIVIDUAL_TRAVEL_SCHEME = "individual_travel_scheme", _("Individual travel scheme cities")


# --- Building blocks -------------------------------------------------------------------------------


class AllLanguagesRequired(models.Model):
    """Translated JSON fields: `names` needs all five languages; optional ones all five or none."""

    required_translations: ClassVar[tuple[str, ...]] = ("names",)
    optional_translations: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        for field in self.required_translations:
            missing = missing_languages(getattr(self, field))
            if missing:
                errors[field] = _("Give the text in every language (missing: %(codes)s).") % {
                    "codes": ", ".join(missing)
                }
        for field in self.optional_translations:
            value = getattr(self, field) or {}
            missing = missing_languages(value)
            if any(str(text).strip() for text in value.values()) and missing:
                errors[field] = _("Give the text in every language or in none (missing: %(codes)s).") % {
                    "codes": ", ".join(missing)
                }
        if errors:
            raise ValidationError(errors)


class EffectiveQuerySet(models.QuerySet):
    def effective_on(self, day: dt.date) -> EffectiveQuerySet:
        return self.filter(
            Q(effective_from__lte=day), Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )


class EffectiveDated(models.Model):
    """A row in force from `effective_from` to `effective_to` inclusive (open-ended when empty)."""

    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(
        _("in force until"),
        null=True,
        blank=True,
        help_text=_("The last day in force; empty while in force."),
    )

    # Rows agreeing on these fields describe the same thing and may not overlap in time.
    overlap_fields: ClassVar[tuple[str, ...]] = ()

    objects = EffectiveQuerySet.as_manager()

    class Meta:
        abstract = True

    def is_effective_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def clean(self) -> None:
        super().clean()
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The last day in force cannot be before the first.")})
        if self.effective_from and self.overlap_fields:
            self._check_no_overlap()

    def _check_no_overlap(self) -> None:
        try:
            same = {field: getattr(self, field) for field in self.overlap_fields}
        except models.ObjectDoesNotExist:
            return  # a required relation is missing; the field's own error says so
        others = type(self)._default_manager.filter(**same).exclude(pk=self.pk)
        if self.effective_to is not None:
            others = others.filter(effective_from__lte=self.effective_to)
        others = others.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from))
        clash = others.order_by("effective_from").first()
        if clash is not None:
            raise ValidationError(
                _("Another row for the same thing is in force from %(start)s to %(end)s; close it first.")
                % {"start": clash.effective_from, "end": clash.effective_to or _("open-ended")}
            )

    @classmethod
    def period_constraint(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
            name=name,
        )


# --- Places ----------------------------------------------------------------------------------------


class City(AllLanguagesRequired, TranslatedNamesMixin):
    """A prefecture-level city, identified by its 6-digit administrative division code."""

    code = models.CharField(_("division code"), max_length=6, unique=True, validators=[CITY_CODE])
    province_code = models.CharField(_("province code"), max_length=2, db_index=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        super().clean()
        if self.code and self.province_code and not self.code.startswith(self.province_code):
            raise ValidationError(
                {"province_code": _("The province code is the first two digits of the code.")}
            )


class CityListMembership(EffectiveDated):
    """A city belongs to a policy list (zero-visit pilot, individual travel scheme) for a period."""

    list = models.CharField(_("list"), max_length=40, choices=CityList.choices, db_index=True)
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="lists")
    source = models.CharField(_("source"), max_length=300)

    overlap_fields = ("list", "city")

    class Meta:
        verbose_name = _("city list membership")
        verbose_name_plural = _("city list memberships")
        ordering = ["list", "city__code", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["list", "city", "effective_from"], name="catalog_citylist_unique_start"
            ),
            EffectiveDated.period_constraint("catalog_citylist_period"),
        ]

    def __str__(self) -> str:
        return f"{self.get_list_display()}: {self.city} ({self.effective_from})"


# --- What is offered -------------------------------------------------------------------------------


class Holder(models.TextChoices):
    """Who a document is issued to: the citizens' pages and the foreigners' pages offer their own."""

    CITIZEN = "citizen", _("Chinese citizens")
    FOREIGNER = "foreigner", _("foreign nationals")


class DocumentType(AllLanguagesRequired, TranslatedNamesMixin):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    holder = models.CharField(
        _("issued to"), max_length=20, choices=Holder.choices, default=Holder.CITIZEN, db_index=True
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name or self.code


class EndorsementType(AllLanguagesRequired, TranslatedNamesMixin):
    """An endorsement (签注) added to a travel permit: T group tour, G individual travel, ..."""

    code = models.CharField(_("code"), max_length=1, unique=True, validators=[ENDORSEMENT_CODE])
    descriptions = models.JSONField(_("description"), default=dict, blank=True)
    document_types = models.ManyToManyField(
        DocumentType, verbose_name=_("document types"), related_name="endorsement_types"
    )
    entries_options = models.JSONField(
        _("entries offered"),
        default=list,
        help_text=_("The entries options offered, the usual one first."),
    )
    city_list = models.CharField(
        _("only for residents of"),
        max_length=40,
        choices=CityList.choices,
        blank=True,
        help_text=_(
            "Empty: anyone. Otherwise only people whose household is registered in a city on this list."
        ),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    optional_translations = ("descriptions",)

    class Meta:
        verbose_name = _("endorsement type")
        verbose_name_plural = _("endorsement types")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        super().clean()
        options = self.entries_options or []
        if not options or any(option not in Entries.values for option in options):
            raise ValidationError({"entries_options": _("Choose at least one entries option.")})

    @property
    def default_entries(self) -> str:
        return (self.entries_options or [Entries.SINGLE])[0]


class Service(AllLanguagesRequired, TranslatedNamesMixin):
    """One thing an applicant can ask for: `passport.renewal`, `hk_macau_endorsement.G`."""

    code = models.CharField(_("code"), max_length=60, unique=True, validators=[SERVICE_CODE])
    document_type = models.ForeignKey(
        DocumentType,
        verbose_name=_("document type"),
        on_delete=models.PROTECT,
        related_name="services",
        help_text=_("For an endorsement: the permit it is added to."),
    )
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    endorsement_type = models.ForeignKey(
        EndorsementType,
        verbose_name=_("endorsement type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
    )
    channels = models.JSONField(_("channels"), default=list)
    zero_visit_eligible = models.BooleanField(
        _("zero-visit eligible"),
        default=False,
        help_text=_("Can be done fully online in the pilot cities (renewals and replacements only)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["document_type__sort_order", "sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reason=Reason.ENDORSEMENT) & Q(endorsement_type__isnull=False))
                | (~Q(reason=Reason.ENDORSEMENT) & Q(endorsement_type__isnull=True)),
                name="catalog_service_endorsement_type_iff_endorsement",
            ),
            models.CheckConstraint(
                condition=Q(zero_visit_eligible=False) | Q(reason__in=list(ZERO_VISIT_REASONS)),
                name="catalog_service_zero_visit_only_renewal_or_replacement",
            ),
            models.UniqueConstraint(
                fields=["document_type", "reason"],
                condition=Q(endorsement_type__isnull=True),
                name="catalog_service_one_per_document_and_reason",
            ),
            models.UniqueConstraint(
                fields=["document_type", "endorsement_type"],
                condition=Q(endorsement_type__isnull=False),
                name="catalog_service_one_per_endorsement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        channels = self.channels or []
        if not channels or any(channel not in Channel.values for channel in channels):
            errors["channels"] = _("Choose at least one channel.")
        if self.zero_visit_eligible and Channel.ONLINE not in channels:
            errors["zero_visit_eligible"] = _("A zero-visit service must be offered online.")
        if self.reason == Reason.ENDORSEMENT and self.endorsement_type_id is None:
            errors["endorsement_type"] = _("Choose the endorsement type.")
        if self.reason != Reason.ENDORSEMENT and self.endorsement_type_id is not None:
            errors["endorsement_type"] = _("Only endorsements have an endorsement type.")
        if self.zero_visit_eligible and self.reason not in ZERO_VISIT_REASONS:
            errors["zero_visit_eligible"] = _("Only renewals and replacements can be done with zero visits.")
        endorsement = self.endorsement_type if self.endorsement_type_id is not None else None
        if (
            endorsement is not None
            and self.document_type_id is not None
            and not endorsement.document_types.filter(pk=self.document_type_id).exists()
        ):
            errors["endorsement_type"] = _("This endorsement is not added to this kind of document.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_endorsement(self) -> bool:
        return self.reason == Reason.ENDORSEMENT


# --- What it costs ---------------------------------------------------------------------------------


class Fee(EffectiveDated, AllLanguagesRequired, TranslatedNamesMixin):
    """The fee for a document, or for an endorsement with a given entries option.

    An endorsement fee with no endorsement type applies to every endorsement type on that
    document; one naming a type overrides it for that type.
    """

    code = models.CharField(_("code"), max_length=60, validators=[ROW_CODE])
    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("document type"), on_delete=models.PROTECT, related_name="fees"
    )
    kind = models.CharField(_("applies to"), max_length=20, choices=FeeKind.choices)
    endorsement_type = models.ForeignKey(
        EndorsementType,
        verbose_name=_("endorsement type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fees",
        help_text=_("Empty: every endorsement type on this document."),
    )
    entries = models.CharField(_("entries"), max_length=20, choices=Entries.choices, blank=True)
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    source = models.CharField(_("source"), max_length=300)

    overlap_fields = ("document_type", "kind", "endorsement_type", "entries")

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["document_type__sort_order", "kind", "entries", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="catalog_fee_unique_start"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="catalog_fee_amount_not_negative"),
            models.CheckConstraint(
                condition=(Q(kind=FeeKind.DOCUMENT) & Q(entries="") & Q(endorsement_type__isnull=True))
                | (Q(kind=FeeKind.ENDORSEMENT) & ~Q(entries="")),
                name="catalog_fee_entries_only_for_endorsements",
            ),
            EffectiveDated.period_constraint("catalog_fee_period"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount} CNY ({self.effective_from})"

    def clean(self) -> None:
        super().clean()
        if self.kind == FeeKind.ENDORSEMENT and not self.entries:
            raise ValidationError({"entries": _("An endorsement fee is for one entries option.")})
        if self.kind == FeeKind.DOCUMENT and (self.entries or self.endorsement_type_id):
            raise ValidationError({"entries": _("A document fee has no entries option or endorsement type.")})


class FeeWaiver(EffectiveDated, AllLanguagesRequired, TranslatedNamesMixin):
    """A reduction of a fee when a condition holds (e.g. a policy for a group of applicants)."""

    code = models.CharField(_("code"), max_length=60, validators=[ROW_CODE])
    descriptions = models.JSONField(_("description"), default=dict, blank=True)
    document_type = models.ForeignKey(
        DocumentType,
        verbose_name=_("document type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fee_waivers",
        help_text=_("Empty: every document."),
    )
    kind = models.CharField(_("applies to"), max_length=20, choices=FeeKind.choices, blank=True)
    endorsement_type = models.ForeignKey(
        EndorsementType,
        verbose_name=_("endorsement type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fee_waivers",
    )
    condition = models.CharField(_("condition"), max_length=30, choices=Condition.choices)
    percent = models.PositiveSmallIntegerField(_("reduction (%)"), default=100)
    source = models.CharField(_("source"), max_length=300)

    optional_translations = ("descriptions",)
    overlap_fields = ("code",)

    class Meta:
        verbose_name = _("fee waiver")
        verbose_name_plural = _("fee waivers")
        ordering = ["code", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="catalog_feewaiver_unique_start"),
            models.CheckConstraint(
                condition=Q(percent__gte=1) & Q(percent__lte=100), name="catalog_feewaiver_percent_1_to_100"
            ),
            EffectiveDated.period_constraint("catalog_feewaiver_period"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (-{self.percent}%, {self.effective_from})"

    def applies_to(self, service: Service) -> bool:
        if self.document_type_id is not None and self.document_type_id != service.document_type_id:
            return False
        service_kind = FeeKind.ENDORSEMENT if service.is_endorsement else FeeKind.DOCUMENT
        if self.kind and self.kind != service_kind:
            return False
        return self.endorsement_type_id is None or self.endorsement_type_id == service.endorsement_type_id


# --- What to bring ---------------------------------------------------------------------------------


class Material(AllLanguagesRequired, TranslatedNamesMixin):
    """Something an applicant brings, unless the office can check it with the source itself."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    descriptions = models.JSONField(_("description"), default=dict, blank=True)
    verifiable_by_source = models.BooleanField(
        _("verified with the source"),
        default=False,
        help_text=_(
            "The office checks this through information sharing, so the applicant need not bring it."
        ),
    )
    source = models.CharField(_("source"), max_length=30, choices=VerificationSource.choices, blank=True)
    provided_at_hall = models.BooleanField(
        _("done at the hall"),
        default=False,
        help_text=_("Made at the hall (e.g. photos, the printed form), so there is nothing to bring."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    optional_translations = ("descriptions",)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(verifiable_by_source=True) & ~Q(source=""))
                | (Q(verifiable_by_source=False) & Q(source="")),
                name="catalog_material_source_iff_verifiable",
            ),
            models.CheckConstraint(
                condition=Q(verifiable_by_source=False) | Q(provided_at_hall=False),
                name="catalog_material_verified_or_made_at_hall",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.code

    def clean(self) -> None:
        super().clean()
        if self.verifiable_by_source and not self.source:
            raise ValidationError({"source": _("Say which source the office checks.")})
        if not self.verifiable_by_source and self.source:
            raise ValidationError({"source": _("Only a material verified with a source has a source.")})
        if self.verifiable_by_source and self.provided_at_hall:
            raise ValidationError(
                {"provided_at_hall": _("A material is either verified with a source or made at the hall.")}
            )


class ServiceMaterial(EffectiveDated, AllLanguagesRequired):
    """A service asks for a material when a condition holds, with a note for the applicant."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="service_materials"
    )
    material = models.ForeignKey(
        Material, verbose_name=_("material"), on_delete=models.PROTECT, related_name="service_materials"
    )
    condition = models.CharField(
        _("condition"), max_length=30, choices=Condition.choices, default=Condition.ALWAYS
    )
    notes = models.JSONField(_("note for the applicant"), default=dict, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    required_translations = ()
    optional_translations = ("notes",)
    overlap_fields = ("service", "material", "condition")

    class Meta:
        verbose_name = _("service material")
        verbose_name_plural = _("service materials")
        ordering = ["service__code", "sort_order", "material__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "material", "condition", "effective_from"],
                name="catalog_servicematerial_unique_start",
            ),
            EffectiveDated.period_constraint("catalog_servicematerial_period"),
        ]

    def __str__(self) -> str:
        return f"{self.service.code}: {self.material.code} ({self.condition})"


# --- How long it takes -----------------------------------------------------------------------------


class PromisedTimeRule(EffectiveDated, AllLanguagesRequired, TranslatedNamesMixin):
    """A processing-time promise, e.g. 7 working days for residents of this province."""

    code = models.CharField(_("code"), max_length=60, validators=[ROW_CODE])
    applies_to = models.CharField(_("applies to"), max_length=40, choices=PromiseScope.choices)
    endorsement_type = models.ForeignKey(
        EndorsementType,
        verbose_name=_("endorsement type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="promised_time_rules",
        help_text=_(
            "Only for this endorsement type, e.g. same-day business endorsements at self-service devices."
        ),
    )
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=20, choices=TimeUnit.choices)
    source = models.CharField(_("source"), max_length=300)

    overlap_fields = ("applies_to", "endorsement_type")

    class Meta:
        verbose_name = _("promised time rule")
        verbose_name_plural = _("promised time rules")
        ordering = ["applies_to", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="catalog_promise_unique_start"),
            models.CheckConstraint(
                condition=(Q(unit=TimeUnit.SAME_DAY) & Q(amount=0))
                | (~Q(unit=TimeUnit.SAME_DAY) & Q(amount__gt=0)),
                name="catalog_promise_amount_matches_unit",
            ),
            EffectiveDated.period_constraint("catalog_promise_period"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.describe()} ({self.effective_from})"

    def clean(self) -> None:
        super().clean()
        if self.unit == TimeUnit.SAME_DAY and self.amount != 0:
            raise ValidationError({"amount": _("A same-day promise has the amount 0.")})
        if self.unit and self.unit != TimeUnit.SAME_DAY and not self.amount:
            raise ValidationError({"amount": _("Give the number of days or hours.")})

    def describe(self) -> str:
        """The promise in words, in the active language: "7 working days"."""
        if self.unit == TimeUnit.WORKING_DAYS:
            return ngettext("%(count)d working day", "%(count)d working days", self.amount) % {
                "count": self.amount
            }
        if self.unit == TimeUnit.CALENDAR_DAYS:
            return ngettext("%(count)d calendar day", "%(count)d calendar days", self.amount) % {
                "count": self.amount
            }
        if self.unit == TimeUnit.HOURS:
            return ngettext("%(count)d hour", "%(count)d hours", self.amount) % {"count": self.amount}
        return str(_("the same day"))
