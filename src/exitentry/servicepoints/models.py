from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from exitentry.core.models import TranslatedNamesMixin


class ServicePointKind(models.TextChoices):
    HALL = "hall", _("Service hall")
    FOREIGNERS_HALL = "foreigners_hall", _("Service hall for foreigners")
    SELF_SERVICE = "self_service", _("24-hour self-service zone")
    PORT = "port", _("Port visa office")


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

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["code"]
