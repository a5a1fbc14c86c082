"""Foreigners' services: passports read by MRZ, work permits, the foreigner's side of an application
(visa, residence permit, joint work + residence permit) and visas issued on arrival at a port.

A foreigner's application IS an `applications.Application` with its items; `ForeignerCase` adds
what only foreigners have (passport, employer, the joint decision). Which authority decides the
items of a document type is data (`ItemAuthority`), as are the reasons for a port visa.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import Role
from exitentry.core.fields import DigestedModel, DigestField, EncryptedCharField
from exitentry.core.masking import mask_document_number
from exitentry.core.models import TranslatedNamesMixin


class WorkPermitCategory(models.TextChoices):
    A = "A", _("A: high-level talent")
    B = "B", _("B: professional")
    C = "C", _("C: other")


class WorkPermitStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class ForeignPassport(DigestedModel):
    """A foreign passport as read from its machine-readable zone."""

    person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="foreign_passports",
    )
    nationality = models.CharField(_("nationality"), max_length=3)
    # Encrypted at rest like ID numbers; exact lookups and uniqueness go through the keyed digest.
    number = EncryptedCharField(
        _("passport number"), max_length=20, kind="document_number", digest_field="number_digest"
    )
    number_digest = DigestField(source="number")
    surname = models.CharField(_("surname"), max_length=60)
    given_names = models.CharField(_("given names"), max_length=60, blank=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1)
    expiry_date = models.DateField(_("expiry date"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("foreign passport")
        verbose_name_plural = _("foreign passports")
        ordering = ["nationality", "id"]  # not by number: the column holds ciphertext
        constraints = [
            models.UniqueConstraint(
                fields=["nationality", "number_digest"], name="foreignpassport_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nationality} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        return mask_document_number(self.number)

    def validate_constraints(self, exclude: Any = None) -> None:
        super().validate_constraints(exclude=exclude)
        self.check_unique_through_digest(
            "number",
            "nationality",
            _("A passport of this nationality with this number is already on record."),
            exclude,
        )

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.surname}".strip()


class WorkPermit(models.Model):
    """A foreigner's work permit; category A makes the holder high-level talent."""

    number = models.CharField(_("work permit number"), max_length=30, unique=True)
    person = models.ForeignKey(
        "identity.Person", verbose_name=_("holder"), on_delete=models.PROTECT, related_name="work_permits"
    )
    category = models.CharField(_("category"), max_length=1, choices=WorkPermitCategory.choices)
    employer_name = models.CharField(_("employer"), max_length=200)
    employer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employer's account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    status = models.CharField(
        _("status"), max_length=10, choices=WorkPermitStatus.choices, default=WorkPermitStatus.VALID
    )
    issued_for = models.OneToOneField(
        "applications.ApplicationItem",
        verbose_name=_("issued for application item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("work permit")
        verbose_name_plural = _("work permits")
        ordering = ["-valid_to", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")), name="workpermit_period"
            ),
            models.CheckConstraint(
                condition=Q(category__in=WorkPermitCategory.values), name="workpermit_category_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.category})"

    def in_force_on(self, day: dt.date) -> bool:
        return self.status == WorkPermitStatus.VALID and self.valid_from <= day <= self.valid_to


class CaseKind(models.TextChoices):
    JOINT_WORK_RESIDENCE = "joint_work_residence", _("Work permit and work-type residence permit together")
    RESIDENCE_WORK = "residence_work", _("Residence permit for work")
    RESIDENCE_STUDY = "residence_study", _("Residence permit for study")
    RESIDENCE_FAMILY = "residence_family", _("Residence permit for family reunion")
    RESIDENCE_TALENT = "residence_talent", _("Residence permit for high-level talent")
    VISA_EXTENSION = "visa_extension", _("Visa extension")
    VISA_CHANGE = "visa_change", _("Change of visa type")
    TALENT_VISA = "talent_visa", _("Visa for high-level talent")


class Outcome(models.TextChoices):
    PENDING = "pending", _("Being decided")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ForeignerCase(models.Model):
    """The foreigner's side of one application: passport, employer and the one overall result."""

    application = models.OneToOneField(
        "applications.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="foreigner_case",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=CaseKind.choices)
    passport = models.ForeignKey(
        ForeignPassport, verbose_name=_("passport"), on_delete=models.PROTECT, related_name="cases"
    )
    employer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("employer's account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="foreigner_cases_filed",
    )
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    purpose = models.CharField(_("purpose of stay"), max_length=500, blank=True)
    outcome = models.CharField(_("result"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_reason = models.TextField(_("reason for the result"), max_length=1000, blank=True)
    granted_category = models.CharField(
        _("work permit category granted"), max_length=1, choices=WorkPermitCategory.choices, blank=True
    )
    granted_until = models.DateField(_("work permit valid until"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    result_notified_at = models.DateTimeField(_("result sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("foreigner's application")
        verbose_name_plural = _("foreigners' applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CaseKind.values), name="foreignercase_kind_known"),
            models.CheckConstraint(
                condition=Q(outcome=Outcome.PENDING, decided_at__isnull=True)
                | (~Q(outcome=Outcome.PENDING) & Q(decided_at__isnull=False)),
                name="foreignercase_decided_when_final",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind} {self.outcome}"


class HalfApproval(models.Model):
    """One office's approval of its half of a joint application, waiting for the other office."""

    item = models.OneToOneField(
        "applications.ApplicationItem",
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="half_approval",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"))
    note = models.TextField(_("note"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("approval of one half")
        verbose_name_plural = _("approvals of one half")
        ordering = ["approved_at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} approved by {self.approved_by_id}"


class ItemAuthority(models.Model):
    """Which officers decide the items of a document type (the work-permit office or exit-entry)."""

    document_type = models.SlugField(_("document type"), max_length=40, unique=True)
    role = models.CharField(
        _("deciding role"),
        max_length=20,
        choices=[
            (Role.OFFICER.value, Role.OFFICER.label),
            (Role.WORK_PERMIT_OFFICER.value, Role.WORK_PERMIT_OFFICER.label),
        ],
    )

    class Meta:
        verbose_name = _("deciding authority")
        verbose_name_plural = _("deciding authorities")
        ordering = ["document_type"]

    def __str__(self) -> str:
        return f"{self.document_type} → {self.role}"


class PortVisaReason(TranslatedNamesMixin):
    """Why a visa is asked for on arrival (urgent business, a funeral, a sick relative…): data."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("port visa reason")
        verbose_name_plural = _("port visa reasons")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name or self.code


class PortVisaStatus(models.TextChoices):
    APPLIED = "applied", _("Applied for")
    ISSUED = "issued", _("Issued")
    REFUSED = "refused", _("Refused")


class PortVisaEntries(models.TextChoices):
    SINGLE = "single", _("Single entry")
    DOUBLE = "double", _("Double entry")


class PortVisa(models.Model):
    """A visa applied for on arrival at a port visa office, and what the officer decided."""

    service_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("port visa office"),
        on_delete=models.PROTECT,
        related_name="port_visas",
    )
    passport = models.ForeignKey(
        ForeignPassport, verbose_name=_("passport"), on_delete=models.PROTECT, related_name="port_visas"
    )
    reason = models.ForeignKey(
        PortVisaReason, verbose_name=_("reason"), on_delete=models.PROTECT, related_name="+"
    )
    reason_details = models.CharField(_("about the reason"), max_length=500, blank=True)
    arrival = models.CharField(_("flight or ship"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PortVisaStatus.choices, default=PortVisaStatus.APPLIED
    )
    number = models.CharField(_("visa number"), max_length=20, null=True, blank=True, unique=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    entries = models.CharField(_("entries"), max_length=10, choices=PortVisaEntries.choices, blank=True)
    stay_days = models.PositiveSmallIntegerField(_("days of stay per entry"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), max_length=1000, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    applied_at = models.DateTimeField(_("applied at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("port visa")
        verbose_name_plural = _("port visas")
        ordering = ["-applied_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["applied_by", "idempotency_key"], name="portvisa_one_per_key"),
            models.CheckConstraint(
                condition=Q(status__in=PortVisaStatus.values), name="portvisa_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status=PortVisaStatus.ISSUED)
                | (
                    Q(number__isnull=False)
                    & Q(valid_from__isnull=False)
                    & Q(valid_until__gte=models.F("valid_from"))
                    & ~Q(entries="")
                    & Q(stay_days__gt=0)
                ),
                name="portvisa_issued_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status=PortVisaStatus.REFUSED) | ~Q(refusal_reason=""),
                name="portvisa_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.passport} {self.status}"
