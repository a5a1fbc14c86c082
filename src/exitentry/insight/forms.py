"""Filter forms of the dashboards (GET, work without JavaScript)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exitentry.core import clock
from exitentry.insight.services import DATASETS

GRANULARITY_CHOICES = [("day", _("By day")), ("month", _("By month"))]


class DashboardForm(forms.Form):
    start = forms.DateField(
        label=pgettext_lazy("start of a period", "From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=pgettext_lazy("end of a period", "To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    city = forms.ChoiceField(label=_("Area"), required=False)
    granularity = forms.ChoiceField(label=_("Show"), choices=GRANULARITY_CHOICES, required=False)

    def __init__(self, data: Any, *, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        cast(forms.ChoiceField, self.fields["city"]).choices = [("", _("Whole province")), *areas]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The last day must not be before the first."))
        cleaned["granularity"] = cleaned.get("granularity") or "day"
        return cleaned


class ExportForm(DashboardForm):
    format = forms.ChoiceField(label=_("Format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")])
    dataset = forms.ChoiceField(
        label=_("Figures (CSV)"),
        required=False,
        choices=[(name, name) for name in DATASETS],
    )


class CapacityForm(forms.Form):
    week = forms.DateField(
        label=_("A day in the week to simulate"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The simulation takes that week's bookings (Monday to Friday)."),
    )
    city = forms.ChoiceField(label=_("Area"), required=False)
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=2**31 - 1,
        initial=1,
        help_text=_("The same seed always gives the same figures."),
    )

    def __init__(self, data: Any, *, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        cast(forms.ChoiceField, self.fields["city"]).choices = [("", _("Whole province")), *areas]


def default_week() -> dt.date:
    today = clock.today()
    return today - dt.timedelta(days=today.weekday())
