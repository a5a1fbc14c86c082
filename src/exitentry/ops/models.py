from __future__ import annotations

import datetime as dt

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionTarget(models.TextChoices):
    STAGED_UPLOADS = "staged_uploads", _("Uploaded files never attached to a sent form")
    LOG_FILES = "log_files", _("Log files in the log directory")
    TASK_RESULTS = "task_results", _("Results of finished background tasks")


class RetentionRule(models.Model):
    """How long one kind of data is kept; the rule with the latest start on or before a day applies."""

    target = models.CharField(_("what"), max_length=30, choices=RetentionTarget.choices)
    keep_days = models.PositiveIntegerField(_("keep for (days)"), validators=[MinValueValidator(1)])
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["target", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["target", "effective_from"], name="retention_one_rule_per_start"),
            models.CheckConstraint(
                condition=models.Q(keep_days__gte=1), name="retention_keeps_at_least_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()}: {self.keep_days} d from {self.effective_from}"

    @classmethod
    def in_effect(cls, target: str, day: dt.date) -> RetentionRule | None:
        return cls.objects.filter(target=target, effective_from__lte=day).order_by("-effective_from").first()
