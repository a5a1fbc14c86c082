"""Admin for the service network; every save and delete goes through the audited services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.core.i18n import missing_languages
from exitentry.servicepoints import services
from exitentry.servicepoints.models import (
    CapacityPlan,
    Closure,
    Counter,
    OpeningHours,
    ServicePoint,
    ServiceSkillRule,
    Skill,
    Slot,
)


def _require_all_languages(value: Any, label: str) -> Any:
    missing = missing_languages(value if isinstance(value, dict) else None)
    if missing:
        raise forms.ValidationError(
            _("%(label)s is missing for: %(languages)s") % {"label": label, "languages": ", ".join(missing)}
        )
    return value


class ServicePointForm(forms.ModelForm):
    class Meta:
        model = ServicePoint
        fields = [
            "code",
            "kind",
            "city",
            "names",
            "addresses",
            "latitude",
            "longitude",
            "phone",
            "is_active",
            "calendar_rule",
            "makeup_day_weekday",
        ]

    def clean_names(self) -> Any:
        return _require_all_languages(self.cleaned_data.get("names"), str(_("Name")))

    def clean_addresses(self) -> Any:
        return _require_all_languages(self.cleaned_data.get("addresses"), str(_("Address")))


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["service_point", "starts_on", "ends_on", "reasons"]

    def clean_reasons(self) -> Any:
        return _require_all_languages(self.cleaned_data.get("reasons"), str(_("Reason")))


class CounterForm(forms.ModelForm):
    skills = forms.MultipleChoiceField(
        label=_("skills"), choices=Skill.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Counter
        fields = ["service_point", "number", "skills", "is_active"]


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_network_record(obj, actor=request.user, request=request)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_network_record(obj, actor=request.user, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            services.delete_network_record(obj, actor=request.user, request=request)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.delete_network_record(obj, actor=request.user, request=request)
        for obj in instances:
            services.save_network_record(obj, actor=request.user, request=request)
        formset.save_m2m()


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    form = ClosureForm
    extra = 0


class CounterInline(admin.TabularInline):
    model = Counter
    form = CounterForm
    extra = 0


class CapacityPlanInline(admin.TabularInline):
    model = CapacityPlan
    extra = 0


@admin.register(ServicePoint)
class ServicePointAdmin(AuditedAdmin):
    form = ServicePointForm
    list_display = ["code", "__str__", "kind", "city", "calendar_rule", "is_active"]
    list_filter = ["kind", "city", "calendar_rule", "is_active"]
    search_fields = ["code", "names"]
    inlines = [OpeningHoursInline, ClosureInline, CounterInline, CapacityPlanInline]


@admin.register(CapacityPlan)
class CapacityPlanAdmin(AuditedAdmin):
    list_display = [
        "service_point",
        "skill",
        "weekday",
        "session_kind",
        "slot_minutes",
        "capacity_per_slot",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["skill", "session_kind", "service_point"]


@admin.register(Closure)
class ClosureAdmin(AuditedAdmin):
    form = ClosureForm
    list_display = ["service_point", "starts_on", "ends_on", "reason"]
    list_filter = ["service_point"]
    date_hierarchy = "starts_on"


@admin.register(ServiceSkillRule)
class ServiceSkillRuleAdmin(AuditedAdmin):
    list_display = ["service_prefix", "skill"]
    list_filter = ["skill"]


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    """Read-only: slots come from the capacity plans and change only by booking."""

    list_display = ["service_point", "skill", "start", "end", "capacity", "booked"]
    list_filter = ["skill", "service_point"]
    date_hierarchy = "start"
    list_select_related = ["service_point"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
