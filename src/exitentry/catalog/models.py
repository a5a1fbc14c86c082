from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from exitentry.core.models import TranslatedNamesMixin


class City(TranslatedNamesMixin):
    """A prefecture-level city, identified by its 6-digit administrative division code."""

    code = models.CharField(_("division code"), max_length=6, unique=True)
    province_code = models.CharField(_("province code"), max_length=2, db_index=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["code"]
