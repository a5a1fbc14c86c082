"""Border crossings on record and the certificates people print of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from exitentry.core.fields import EncryptedCharField
from exitentry.core.models import TranslatedNamesMixin
from exitentry.identity.models import HeldDocumentType


class Port(TranslatedNamesMixin, models.Model):
    """A border port (口岸) where crossings are recorded."""

    code = models.SlugField(_("code"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("port")
        verbose_name_plural = _("ports")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name or self.code


class Direction(models.TextChoices):
    EXIT = "exit", _("Exit")
    ENTRY = "entry", _("Entry")


class TravelRecord(models.Model):
    """One border crossing: who, when, where, which way and on which document."""

    person = models.ForeignKey(
        "identity.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="travel_records"
    )
    crossed_on = models.DateField(_("date"))
    port = models.ForeignKey(Port, verbose_name=_("port"), on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(_("direction"), max_length=5, choices=Direction.choices)
    document_type = models.CharField(_("document type"), max_length=20, choices=HeldDocumentType.choices)
    # Encrypted at rest like other document numbers; never searched, so no digest.
    document_number = EncryptedCharField(_("document number"), max_length=20, kind="document_number")

    class Meta:
        verbose_name = _("travel record")
        verbose_name_plural = _("travel records")
        ordering = ["person_id", "crossed_on", "id"]
        indexes = [models.Index(fields=["person", "crossed_on"], name="records_person_day_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "crossed_on", "port", "direction"],
                name="records_travelrecord_unique_crossing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.crossed_on:%Y-%m-%d} {self.direction} {self.port.code}"


class CertificateChannel(models.TextChoices):
    WEB = "web", _("Online")
    KIOSK = "kiosk", _("Self-service kiosk")
    COUNTER = "counter", _("Counter")


class Certificate(models.Model):
    """A printed exit-entry record: exactly what was printed, its hash and its verification code."""

    code = models.CharField(_("verification code"), max_length=32, unique=True)
    person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="record_certificates",
    )
    period_from = models.DateField(_("period from"))
    period_to = models.DateField(_("period to"))
    channel = models.CharField(_("channel"), max_length=10, choices=CertificateChannel.choices)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    content = models.JSONField(_("printed content"), help_text=_("Exactly what the certificate shows."))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)

    class Meta:
        verbose_name = _("record certificate")
        verbose_name_plural = _("record certificates")
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_to__gte=F("period_from")), name="records_certificate_period_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.issued_at:%Y-%m-%d})"
