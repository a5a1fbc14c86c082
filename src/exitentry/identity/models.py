from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from exitentry.core.masking import mask_id_number


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Person(models.Model):
    """Someone the exit-entry administration knows: a citizen with a resident ID, or a foreigner."""

    full_name = models.CharField(_("full name"), max_length=100)
    id_number = models.CharField(
        _("resident ID number"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        help_text=_("18-character resident identity card number; empty for foreigners."),
    )
    nationality = models.CharField(
        _("nationality"), max_length=3, default="CHN", help_text=_("ISO 3166 alpha-3.")
    )
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
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

    @property
    def id_last4(self) -> str:
        return (self.id_number or "")[-4:]
