"""Notifications: what we tell people, in their language, by SMS, email or the in-app inbox.

Texts are data: a `NotificationTemplate` holds a subject and a body in each of the five
languages, with `{placeholders}` filled from the caller's context. A `Notification` is one message
to one recipient on one channel, rendered once when it is queued; `dedupe_key` (unique per
channel) makes asking twice harmless. `OutboxMessage` is the sandbox's record of what would have
been sent, unique on the notification's idempotency key, so nothing is ever "sent" twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exitentry.core.i18n import missing_languages

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


class NotificationChannel(models.TextChoices):
    SMS = "sms", _("Text message")
    EMAIL = "email", pgettext_lazy("notification channel", "Email")
    IN_APP = "in_app", _("Message in your account")


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", pgettext_lazy("notification status", "Sent")
    FAILED = "failed", _("Could not be sent")


def placeholders_in(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text or ""))


class NotificationTemplate(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    description = models.CharField(
        _("when it is sent"), max_length=300, help_text=_("For the people who edit the texts.")
    )
    placeholders = models.JSONField(
        _("placeholders"),
        default=list,
        blank=True,
        help_text=_('Names the texts may use in braces, e.g. ["number"] for {number}.'),
    )
    subjects = models.JSONField(
        _("subject"),
        default=dict,
        help_text=_("A short title in each language (email subject, inbox heading)."),
    )
    bodies = models.JSONField(_("text"), default=dict, help_text=_("The message in each language."))
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        declared = self.placeholders or []
        if not isinstance(declared, list) or not all(
            isinstance(name, str) and PLACEHOLDER.fullmatch("{" + name + "}") for name in declared
        ):
            errors["placeholders"] = _("List the placeholder names: lower-case letters, digits and _.")
            declared = []
        for field in ("subjects", "bodies"):
            texts = getattr(self, field) or {}
            missing = missing_languages(texts)
            if missing:
                errors[field] = _("Give the text in every language (missing: %(codes)s).") % {
                    "codes": ", ".join(missing)
                }
                continue
            for code, text in texts.items():
                unknown = placeholders_in(text) - set(declared)
                if unknown:
                    errors[field] = _("%(language)s uses placeholders that are not declared: %(names)s.") % {
                        "language": code,
                        "names": ", ".join(sorted(unknown)),
                    }
                elif {"{", "}"} & set(PLACEHOLDER.sub("", text)):
                    errors[field] = _("%(language)s has a brace that is not part of a {placeholder}.") % {
                        "language": code
                    }
        if errors:
            raise ValidationError(errors)

    def text_for(self, field: str, language: str) -> str:
        texts: Mapping[str, str] = getattr(self, field) or {}
        return texts.get(language) or texts.get(settings.LANGUAGE_CODE) or ""


class Notification(models.Model):
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    recipient_person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    channel = models.CharField(
        pgettext_lazy("notification", "channel"), max_length=10, choices=NotificationChannel.choices
    )
    template_code = models.CharField(_("template"), max_length=60)
    language = models.CharField(_("language"), max_length=10)
    address = models.CharField(
        _("sent to"),
        max_length=254,
        blank=True,
        help_text=_("Phone number or email address; empty in the inbox."),
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED
    )
    dedupe_key = models.CharField(
        _("deduplication key"),
        max_length=200,
        blank=True,
        help_text=_("The same key on the same channel is one notification, however often it is asked for."),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_index=True)
    claimed_at = models.DateTimeField(_("sending started at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    provider_message_id = models.CharField(_("message id at the provider"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notifications_due"),
            models.Index(fields=["recipient_user", "channel", "-created_at"], name="notifications_inbox"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "channel"],
                condition=~Q(dedupe_key=""),
                name="notifications_unique_dedupe_key",
            ),
            models.CheckConstraint(
                # An SMS may go to a bare phone number (a walk-in who typed it at the ticket machine).
                condition=Q(recipient_user__isnull=False)
                | Q(recipient_person__isnull=False)
                | (Q(channel="sms") & ~Q(address="")),
                name="notifications_has_recipient",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=NotificationChannel.values), name="notifications_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values), name="notifications_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=NotificationStatus.SENT) | Q(sent_at__isnull=False),
                name="notifications_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_code} → {self.get_channel_display()} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        """What adapters use to recognise a repeated send of the same notification."""
        return f"notification-{self.pk}"


class OutboxMessage(models.Model):
    """The sandbox sender's record of an SMS or email that would have gone out."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    channel = models.CharField(
        pgettext_lazy("notification", "channel"), max_length=10, choices=NotificationChannel.choices
    )
    to = models.CharField(pgettext_lazy("recipient", "to"), max_length=254)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.idempotency_key}"
