from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from exitentry.core.fields import DigestedModel, DigestField, EncryptedCharField
from exitentry.core.masking import mask_document_number, mask_id_number


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Person(DigestedModel):
    """Someone the exit-entry administration knows: a citizen with a resident ID, or a foreigner."""

    full_name = models.CharField(_("full name"), max_length=100)
    # Encrypted at rest; exact lookups and uniqueness go through the keyed digest (core/fields.py).
    id_number = EncryptedCharField(
        _("resident ID number"),
        max_length=18,
        kind="id_number",
        digest_field="id_number_digest",
        null=True,
        blank=True,
        help_text=_("18-character resident identity card number; empty for foreigners."),
    )
    id_number_digest = DigestField(source="id_number", unique=True)
    nationality = models.CharField(
        _("nationality"), max_length=3, default="CHN", help_text=_("ISO 3166 alpha-3.")
    )
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone = EncryptedCharField(
        _("phone"), max_length=20, blank=True, kind="phone", digest_field="phone_digest"
    )
    phone_digest = DigestField(source="phone", db_index=True)
    household_city = models.ForeignKey(
        "catalog.City",
        verbose_name=_("household registration city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    fingerprints_on_file = models.BooleanField(_("fingerprints on file"), default=False)
    exit_restricted = models.BooleanField(
        _("exit restricted"),
        default=False,
        help_text=_("A restricted person cannot use online or self-service channels."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.masked_id_number})"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def validate_unique(self, exclude: Any = None) -> None:
        """The column is encrypted: uniqueness is the digest's, checked here for forms."""
        super().validate_unique(exclude)
        excluded = "id_number" in (exclude or ())
        if (
            self.id_number
            and not excluded
            and Person.objects.filter(id_number=self.id_number).exclude(pk=self.pk).exists()
        ):
            raise ValidationError({"id_number": self.unique_error_message(Person, ("id_number",))})

    @property
    def id_last4(self) -> str:
        return (self.id_number or "")[-4:]


class HeldDocumentType(models.TextChoices):
    """The codes of the catalog's document types that a person holds as a booklet or card.

    The catalog app owns the full `DocumentType` table with the same codes; a plain code here keeps
    identity free of a dependency on it.
    """

    PASSPORT = "passport", _("Passport")
    HK_MACAU_PERMIT = "hk_macau_permit", _("Exit-entry permit for travelling to and from Hong Kong and Macau")
    TAIWAN_PERMIT = "taiwan_permit", _("Travel permit to and from Taiwan")


# Documents that carry endorsements (签注); a passport never does.
ENDORSABLE_TYPES = frozenset({HeldDocumentType.HK_MACAU_PERMIT, HeldDocumentType.TAIWAN_PERMIT})


class HeldDocumentStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REPORTED_LOST = "reported_lost", _("Reported lost")
    INVALIDATED = "invalidated", _("Invalidated")


# The status changes a held document may go through; anything else is a 409 invalid_transition.
# A document reported lost stays void even if found again, as the rules for lost documents say.
ALLOWED_STATUS_CHANGES: dict[str, frozenset[str]] = {
    HeldDocumentStatus.VALID: frozenset(
        {HeldDocumentStatus.EXPIRED, HeldDocumentStatus.REPORTED_LOST, HeldDocumentStatus.INVALIDATED}
    ),
    HeldDocumentStatus.REPORTED_LOST: frozenset({HeldDocumentStatus.INVALIDATED}),
    HeldDocumentStatus.EXPIRED: frozenset(),
    HeldDocumentStatus.INVALIDATED: frozenset(),
}


ONE_VALID_PER_TYPE = "identity_helddocument_one_valid_per_type"
NUMBER_TAKEN = _("A document of this type with this number is already on record.")


class HeldDocument(DigestedModel):
    """A passport or travel permit issued to a person, with the endorsements it carries."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="held_documents"
    )
    document_type = models.CharField(_("document type"), max_length=20, choices=HeldDocumentType.choices)
    # Encrypted at rest like ID numbers; exact lookups and uniqueness go through the keyed digest.
    number = EncryptedCharField(
        _("document number"), max_length=20, kind="document_number", digest_field="number_digest"
    )
    number_digest = DigestField(source="number")
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), help_text=_("The last day the document is valid."))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=HeldDocumentStatus.choices,
        default=HeldDocumentStatus.VALID,
        db_index=True,
    )
    endorsements = models.JSONField(
        _("endorsements held"),
        default=list,
        blank=True,
        help_text=_('Endorsement codes on a travel permit, e.g. ["G", "S"]; always empty for a passport.'),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("held document")
        verbose_name_plural = _("held documents")
        ordering = ["person_id", "document_type", "-issued_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "number_digest"],
                name="identity_helddocument_number_unique",
                violation_error_message=NUMBER_TAKEN,
            ),
            # One valid document of each kind per person: issuing a new one retires the old one.
            models.UniqueConstraint(
                fields=["person", "document_type"],
                condition=models.Q(status=HeldDocumentStatus.VALID),
                name=ONE_VALID_PER_TYPE,
                violation_error_message=_("This person already holds a valid document of this type."),
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__gt=models.F("issued_on")),
                name="identity_helddocument_expires_after_issue",
                violation_error_message=_("The expiry date must be after the date of issue."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=HeldDocumentStatus.values),
                name="identity_helddocument_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(document_type__in=HeldDocumentType.values),
                name="identity_helddocument_type_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        """`E12345678` → `E*****678`: enough to tell documents apart, not enough to use one."""
        return mask_document_number(self.number)

    def validate_constraints(self, exclude: Any = None) -> None:
        if self._state.adding:
            # A new document retires the person's current one of the same kind when it is
            # registered (services.register_held_document), so this one does not block it.
            exclude = {*(exclude or ()), "status"}
        super().validate_constraints(exclude=exclude)
        self.check_unique_through_digest("number", "document_type", NUMBER_TAKEN, exclude)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        self.number = (self.number or "").strip().upper()
        if self.number and not DOCUMENT_NUMBER_RE.fullmatch(self.number):
            errors["number"] = _("A document number has 5 to 20 capital letters and digits.")
        if self.issued_on and self.expires_on and self.expires_on <= self.issued_on:
            errors["expires_on"] = _("The expiry date must be after the date of issue.")
        endorsements = self.endorsements
        if endorsements is None:
            endorsements = self.endorsements = []
        if not isinstance(endorsements, list) or not all(
            isinstance(code, str) and ENDORSEMENT_CODE_RE.fullmatch(code) for code in endorsements
        ):
            errors["endorsements"] = _(
                'Endorsements are a list of codes in capital letters, e.g. ["G", "S"].'
            )
        elif len(set(endorsements)) != len(endorsements):
            errors["endorsements"] = _("Each endorsement code may appear only once.")
        elif endorsements and self.document_type not in ENDORSABLE_TYPES:
            errors["endorsements"] = _("A passport carries no endorsements.")
        if errors:
            raise ValidationError(errors)


DOCUMENT_NUMBER_RE = re.compile(r"[A-Z0-9]{5,20}")
ENDORSEMENT_CODE_RE = re.compile(r"[A-Z]{1,3}")
