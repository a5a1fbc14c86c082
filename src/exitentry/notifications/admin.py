"""Admin: notification templates are edited here (one box per language); notifications and the
sandbox outbox are read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.notifications import services
from exitentry.notifications.models import Notification, NotificationTemplate, OutboxMessage

TRANSLATED = {"subjects": _("Subject"), "bodies": _("Text")}


def _translated_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for field, label in TRANSLATED.items():
        for code, language in settings.LANGUAGES:
            fields[f"{field}__{code}"] = forms.CharField(
                label=f"{label} ({language})",
                max_length=300 if field == "subjects" else 2000,
                widget=forms.TextInput(attrs={"lang": code, "size": 70})
                if field == "subjects"
                else forms.Textarea(attrs={"lang": code, "rows": 3}),
            )
    return fields


class NotificationTemplateBaseForm(forms.ModelForm):
    """One text box per language for the subject and for the text."""

    class Meta:
        model = NotificationTemplate
        fields = ["code", "description", "placeholders", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            for field in TRANSLATED:
                current = getattr(self.instance, field, None) or {}
                for code, _language in settings.LANGUAGES:
                    self.fields[f"{field}__{code}"].initial = current.get(code, "")

    def _post_clean(self) -> None:
        for field in TRANSLATED:
            setattr(
                self.instance,
                field,
                {
                    code: (self.cleaned_data.get(f"{field}__{code}") or "").strip()
                    for code, _language in settings.LANGUAGES
                    if (self.cleaned_data.get(f"{field}__{code}") or "").strip()
                },
            )
        super()._post_clean()  # type: ignore[misc]

    def _update_errors(self, errors: ValidationError) -> None:
        # The model reports a translated field under its JSON name: show it on the first box.
        if hasattr(errors, "error_dict"):
            remapped: dict[str, list[Any]] = {}
            for name, messages in errors.error_dict.items():
                key = name
                if name in TRANSLATED:
                    key = f"{name}__{settings.LANGUAGE_CODE}"
                elif name != NON_FIELD_ERRORS and name not in self.fields:
                    key = NON_FIELD_ERRORS
                remapped.setdefault(key, []).extend(messages)
            errors = ValidationError(remapped)
        super()._update_errors(errors)  # type: ignore[misc]


NotificationTemplateForm = type(
    "NotificationTemplateForm", (NotificationTemplateBaseForm,), _translated_fields()
)


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    form = NotificationTemplateForm
    list_display = ["code", "description", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "description"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        translated = [f"{field}__{code}" for field in TRANSLATED for code, _language in settings.LANGUAGES]
        return ("code", "description", "placeholders", *translated, "is_active")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_template(obj, actor=request.user, request=request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # switch a template off instead: callers name templates by code


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["template_code", "channel", "status", "language", "attempts", "created_at", "sent_at"]
    list_filter = ["channel", "status", "template_code", "language"]
    search_fields = ["template_code", "dedupe_key"]
    date_hierarchy = "created_at"
    raw_id_fields = ["recipient_user", "recipient_person"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["idempotency_key", "channel", "language", "subject", "created_at"]
    list_filter = ["channel", "language"]
    date_hierarchy = "created_at"
