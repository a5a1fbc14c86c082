"""Shared model building blocks."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from exitentry.core.i18n import localized


class TranslatedNamesMixin(models.Model):
    """`names` holds the display name in each of the five languages (see core/i18n.py)."""

    names = models.JSONField(
        _("names"),
        default=dict,
        help_text=_('One entry per language, e.g. {"zh-hans": "护照", "en": "Passport"}.'),
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name or super().__str__()

    @property
    def name(self) -> str:
        return localized(self.names)
