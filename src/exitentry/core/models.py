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


class ScheduledJob(models.Model):
    """When a periodic job (see core/scheduling.py) is next due; claimed by conditional UPDATE."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    next_run_at = models.DateTimeField(_("next run at"))
    last_enqueued_at = models.DateTimeField(_("last enqueued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
