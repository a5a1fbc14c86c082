"""Admin for the catalog: every policy table is editable here.

Translated JSON fields (`names`, `descriptions`, `notes`) are edited as one text box per
language. Saves and deletions go through `catalog.services`, which validate and write an audit
event in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.catalog import services
from exitentry.catalog.models import (
    Channel,
    City,
    CityListMembership,
    DocumentType,
    EndorsementType,
    Entries,
    Fee,
    FeeWaiver,
    Material,
    PromisedTimeRule,
    Service,
    ServiceMaterial,
)
from exitentry.core import clock

TRANSLATED_LABELS = {
    "names": _("Name"),
    "descriptions": _("Description"),
    "notes": _("Note for the applicant"),
}


class TranslatedFieldsForm(forms.ModelForm):
    """A model form with one text box per language for each translated JSON field."""

    translated_fields: tuple[str, ...] = ()
    required_translated: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.translated_fields:
            current = getattr(self.instance, field, None) or {}
            for code, _label in settings.LANGUAGES:
                name = f"{field}__{code}"
                if name in self.fields and not self.is_bound:
                    self.fields[name].initial = current.get(code, "")

    def _post_clean(self) -> None:
        for field in self.translated_fields:
            texts = {
                code: (self.cleaned_data.get(f"{field}__{code}") or "").strip()
                for code, _label in settings.LANGUAGES
            }
            setattr(self.instance, field, {code: text for code, text in texts.items() if text})
        super()._post_clean()  # type: ignore[misc]

    def _update_errors(self, errors: ValidationError) -> None:
        # The model reports problems with a translated JSON field under its own name, which is
        # not a form field here: show them on the first language's box (or at the top).
        if hasattr(errors, "error_dict"):
            remapped: dict[str, list[Any]] = {}
            for name, messages in errors.error_dict.items():
                key = name
                if name in self.translated_fields:
                    key = f"{name}__{settings.LANGUAGE_CODE}"
                elif name != NON_FIELD_ERRORS and name not in self.fields:
                    key = NON_FIELD_ERRORS
                remapped.setdefault(key, []).extend(messages)
            errors = ValidationError(remapped)
        super()._update_errors(errors)  # type: ignore[misc]


def translated_form(model: type[models.Model], fields: tuple[str, ...], required: tuple[str, ...]) -> type:
    """A `TranslatedFieldsForm` subclass for `model` with a text box per language per field."""
    attrs: dict[str, Any] = {}
    for field in fields:
        long_text = field != "names"
        for code, language in settings.LANGUAGES:
            attrs[f"{field}__{code}"] = forms.CharField(
                label=f"{TRANSLATED_LABELS[field]} ({language})",
                required=field in required,
                max_length=2000 if long_text else 300,
                widget=forms.Textarea(attrs={"rows": 2, "lang": code})
                if long_text
                else forms.TextInput(attrs={"lang": code, "size": 60}),
            )
    meta = type("Meta", (), {"model": model, "exclude": list(fields)})
    attrs.update({"Meta": meta, "translated_fields": fields, "required_translated": required})
    return type(f"{model.__name__}AdminForm", (TranslatedFieldsForm,), attrs)


def translated_fieldnames(*fields: str) -> list[str]:
    return [f"{field}__{code}" for field in fields for code, _label in settings.LANGUAGES]


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletions through the catalog services, each with an audit event."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_catalog_row(obj, actor=request.user, request=request)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_catalog_row(obj, actor=request.user, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            services.delete_catalog_row(obj, actor=request.user, request=request)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.delete_catalog_row(obj, actor=request.user, request=request)
        for obj in instances:
            services.save_catalog_row(obj, actor=request.user, request=request)
        formset.save_m2m()


class EffectiveDatedAdmin(AuditedAdmin):
    @admin.display(boolean=True, description=_("in force today"))
    def in_force_today(self, obj: Any) -> bool:
        return bool(obj.is_effective_on(clock.today()))


class InForceFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("today", _("Today")), ("past", _("Ended")), ("future", _("Not yet"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = clock.today()
        if self.value() == "today":
            return queryset.filter(effective_from__lte=today).exclude(effective_to__lt=today)
        if self.value() == "past":
            return queryset.filter(effective_to__lt=today)
        if self.value() == "future":
            return queryset.filter(effective_from__gt=today)
        return queryset


@admin.register(City)
class CityAdmin(AuditedAdmin):
    form = translated_form(City, ("names",), ("names",))
    list_display = ["code", "name", "province_code", "latitude", "longitude"]
    list_filter = ["province_code"]
    search_fields = ["code", "names"]
    fields = ["code", "province_code", *translated_fieldnames("names"), "latitude", "longitude"]


@admin.register(CityListMembership)
class CityListMembershipAdmin(EffectiveDatedAdmin):
    list_display = ["city", "list", "effective_from", "effective_to", "in_force_today", "source"]
    list_filter = ["list", InForceFilter]
    search_fields = ["city__code", "city__names", "source"]
    autocomplete_fields = ["city"]
    date_hierarchy = "effective_from"


@admin.register(DocumentType)
class DocumentTypeAdmin(AuditedAdmin):
    form = translated_form(DocumentType, ("names",), ("names",))
    list_display = ["code", "name", "sort_order"]
    search_fields = ["code", "names"]
    fields = ["code", *translated_fieldnames("names"), "sort_order"]


class EndorsementTypeForm(translated_form(EndorsementType, ("names", "descriptions"), ("names",))):  # type: ignore[misc]
    entries_options = forms.MultipleChoiceField(
        label=_("entries offered"),
        choices=Entries.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The first one ticked is the usual option."),
    )


@admin.register(EndorsementType)
class EndorsementTypeAdmin(AuditedAdmin):
    form = EndorsementTypeForm
    list_display = ["code", "name", "city_list", "sort_order"]
    list_filter = ["document_types", "city_list"]
    search_fields = ["code", "names"]
    filter_horizontal = ["document_types"]
    fields = [
        "code",
        *translated_fieldnames("names", "descriptions"),
        "document_types",
        "entries_options",
        "city_list",
        "sort_order",
    ]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.record_relations_saved(form.instance, actor=request.user, request=request)


class ServiceMaterialInline(admin.TabularInline):
    model = ServiceMaterial
    form = translated_form(ServiceMaterial, ("notes",), ())
    extra = 0
    autocomplete_fields = ["material"]
    fields = [
        "material",
        "condition",
        "effective_from",
        "effective_to",
        "sort_order",
        *translated_fieldnames("notes"),
    ]


class ServiceForm(translated_form(Service, ("names",), ("names",))):  # type: ignore[misc]
    channels = forms.MultipleChoiceField(
        label=_("channels"), choices=Channel.choices, widget=forms.CheckboxSelectMultiple
    )


@admin.register(Service)
class ServiceAdmin(AuditedAdmin):
    form = ServiceForm
    inlines = [ServiceMaterialInline]
    list_display = [
        "code",
        "name",
        "document_type",
        "reason",
        "endorsement_type",
        "zero_visit_eligible",
        "is_active",
    ]
    list_filter = ["document_type", "reason", "zero_visit_eligible", "is_active"]
    search_fields = ["code", "names"]
    fields = [
        "code",
        *translated_fieldnames("names"),
        "document_type",
        "reason",
        "endorsement_type",
        "channels",
        "zero_visit_eligible",
        "is_active",
        "sort_order",
    ]


@admin.register(Fee)
class FeeAdmin(EffectiveDatedAdmin):
    form = translated_form(Fee, ("names",), ("names",))
    list_display = ["code", "name", "amount", "effective_from", "effective_to", "in_force_today", "source"]
    list_filter = ["document_type", "kind", "entries", InForceFilter]
    search_fields = ["code", "names", "source"]
    date_hierarchy = "effective_from"
    fields = [
        "code",
        *translated_fieldnames("names"),
        "document_type",
        "kind",
        "endorsement_type",
        "entries",
        "amount",
        "effective_from",
        "effective_to",
        "source",
    ]


@admin.register(FeeWaiver)
class FeeWaiverAdmin(EffectiveDatedAdmin):
    form = translated_form(FeeWaiver, ("names", "descriptions"), ("names",))
    list_display = [
        "code",
        "name",
        "condition",
        "percent",
        "effective_from",
        "effective_to",
        "in_force_today",
    ]
    list_filter = ["condition", "document_type", InForceFilter]
    search_fields = ["code", "names", "source"]
    fields = [
        "code",
        *translated_fieldnames("names", "descriptions"),
        "document_type",
        "kind",
        "endorsement_type",
        "condition",
        "percent",
        "effective_from",
        "effective_to",
        "source",
    ]


@admin.register(Material)
class MaterialAdmin(AuditedAdmin):
    form = translated_form(Material, ("names", "descriptions"), ("names",))
    list_display = ["code", "name", "verifiable_by_source", "source", "provided_at_hall", "sort_order"]
    list_filter = ["verifiable_by_source", "source", "provided_at_hall"]
    search_fields = ["code", "names"]
    fields = [
        "code",
        *translated_fieldnames("names", "descriptions"),
        "verifiable_by_source",
        "source",
        "provided_at_hall",
        "sort_order",
    ]


@admin.register(PromisedTimeRule)
class PromisedTimeRuleAdmin(EffectiveDatedAdmin):
    form = translated_form(PromisedTimeRule, ("names",), ("names",))
    list_display = [
        "code",
        "name",
        "applies_to",
        "promise",
        "effective_from",
        "effective_to",
        "in_force_today",
    ]
    list_filter = ["applies_to", "unit", InForceFilter]
    search_fields = ["code", "names", "source"]
    fields = [
        "code",
        *translated_fieldnames("names"),
        "applies_to",
        "endorsement_type",
        "amount",
        "unit",
        "effective_from",
        "effective_to",
        "source",
    ]

    @admin.display(description=_("promise"))
    def promise(self, obj: PromisedTimeRule) -> str:
        return obj.describe()


@admin.register(ServiceMaterial)
class ServiceMaterialAdmin(EffectiveDatedAdmin):
    form = translated_form(ServiceMaterial, ("notes",), ())
    list_display = ["service", "material", "condition", "effective_from", "effective_to", "in_force_today"]
    list_filter = ["condition", "service__document_type", "material__verifiable_by_source", InForceFilter]
    search_fields = ["service__code", "material__code", "material__names"]
    autocomplete_fields = ["service", "material"]
    list_select_related = ["service", "material"]
    fields = [
        "service",
        "material",
        "condition",
        *translated_fieldnames("notes"),
        "effective_from",
        "effective_to",
        "sort_order",
    ]
