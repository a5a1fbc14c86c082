"""Admin for the calendar: every save and delete goes through the audited service functions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.dates import WEEKDAYS
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from exitentry.core.errors import DomainError
from exitentry.core.i18n import LANGUAGE_CODES
from exitentry.workdays import services
from exitentry.workdays.models import CalendarYear, DayKind, DayOverride

LANGUAGE_NAMES = dict(settings.LANGUAGES)


def _name_field(code: str) -> str:
    return "name_" + code.replace("-", "_")


def _raise_as_form_errors(form: forms.BaseForm, error: DomainError, fields: dict[str, str]) -> None:
    """Attach a service's validation error to the form field it names (or to the whole form)."""
    field = error.details.get("field")
    if field == "names":
        for code in error.details.get("missing", LANGUAGE_CODES):
            form.add_error(_name_field(code), str(error.message))
        return
    form.add_error(fields.get(str(field)), str(error.message))


def _name_form_field(code: str) -> forms.CharField:
    return forms.CharField(
        label=format_lazy(_("Name ({language})"), language=LANGUAGE_NAMES[code]),
        required=False,
        max_length=100,
    )


class DayOverrideForm(forms.ModelForm):
    """The override's names as one text box per language instead of raw JSON."""

    name_zh_hans = _name_form_field("zh-hans")
    name_en = _name_form_field("en")
    name_ru = _name_form_field("ru")
    name_ja = _name_form_field("ja")
    name_ko = _name_form_field("ko")

    class Meta:
        model = DayOverride
        fields = ["date", "kind", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = self.instance.names or {}
        for code in LANGUAGE_CODES:
            self.initial.setdefault(_name_field(code), names.get(code, ""))

    def names(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(_name_field(code), "") for code in LANGUAGE_CODES}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("date") and cleaned.get("kind"):
            try:
                services.clean_override(cleaned["date"], cleaned["kind"], self.names())
            except DomainError as error:
                _raise_as_form_errors(self, error, {"date": "date", "kind": "kind"})
        return cleaned


@admin.register(DayOverride)
class DayOverrideAdmin(admin.ModelAdmin):
    form = DayOverrideForm
    list_display = ["date", "weekday", "kind", "display_name", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["note"]
    fieldsets = (
        (None, {"fields": ["date", "kind"]}),
        (
            _("Names"),
            {
                "fields": [_name_field(code) for code in LANGUAGE_CODES],
                "description": _(
                    "For a holiday: its name, in every language. For a make-up working day: "
                    "the holiday it makes up for, in every language, or leave all empty."
                ),
            },
        ),
        (None, {"fields": ["note"]}),
    )

    @admin.display(description=_("weekday"))
    def weekday(self, obj: DayOverride) -> str:
        return str(WEEKDAYS[obj.date.weekday()])

    @admin.display(description=_("holiday name"))
    def display_name(self, obj: DayOverride) -> str:
        return obj.name

    def save_model(self, request: HttpRequest, obj: DayOverride, form: Any, change: bool) -> None:
        saved = services.save_day_override(
            actor=request.user,
            date=obj.date,
            kind=obj.kind,
            names=form.names(),
            note=obj.note,
            override_id=obj.pk if change else None,
            request=request,
        )
        obj.pk = saved.pk
        obj.names = saved.names
        obj._state.adding = False
        obj._state.db = saved._state.db

    def delete_model(self, request: HttpRequest, obj: DayOverride) -> None:
        services.delete_day_override(actor=request.user, override_id=obj.pk, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DayOverride]) -> None:
        for pk in queryset.values_list("pk", flat=True):
            services.delete_day_override(actor=request.user, override_id=pk, request=request)


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "source"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("year") is not None and cleaned.get("source") and not self.instance.pk:
            try:
                services.clean_declaration(cleaned["year"], cleaned["source"])
            except DomainError as error:
                _raise_as_form_errors(self, error, {"year": "year", "source": "source"})
        return cleaned


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Declaring a year makes the calendar answer for it; fix a wrong one by deleting and re-declaring."""

    form = CalendarYearForm
    list_display = ["year", "source", "declared_at", "holiday_count"]
    readonly_fields = ["declared_at"]

    @admin.display(description=_("holidays entered"))
    def holiday_count(self, obj: CalendarYear) -> int:
        return DayOverride.objects.filter(date__year=obj.year, kind=DayKind.HOLIDAY).count()

    def has_change_permission(self, request: HttpRequest, obj: CalendarYear | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        declared = services.declare_calendar_year(
            actor=request.user, year=obj.year, source=obj.source, request=request
        )
        obj.pk = declared.pk
        obj.declared_at = declared.declared_at
        obj._state.adding = False
        obj._state.db = declared._state.db

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        services.withdraw_calendar_year(actor=request.user, year=obj.year, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for year in queryset.values_list("year", flat=True):
            services.withdraw_calendar_year(actor=request.user, year=year, request=request)
