"""The calendar page's two small forms: which month to show, and a working-day count."""

from __future__ import annotations

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from exitentry.workdays.models import FIRST_YEAR, LAST_YEAR
from exitentry.workdays.services import MAX_DAYS


class MonthForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "workdays-input-year"}),
        error_messages={
            "required": _("Enter a year"),
            "invalid": _("Enter the year as a number, for example 2026"),
            "min_value": _("Enter a year no earlier than %(limit_value)s"),
            "max_value": _("Enter a year no later than %(limit_value)s"),
        },
    )
    month = forms.TypedChoiceField(
        label=_("Month"),
        choices=[(number, name) for number, name in MONTHS.items()],
        coerce=int,
        error_messages={"required": _("Choose a month"), "invalid_choice": _("Choose a month")},
    )


class CountForm(forms.Form):
    start = forms.DateField(
        label=_("Start date"),
        help_text=_("For example, 2026-09-30. The start date itself is not counted."),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the start date"),
            "invalid": _("Enter the start date as year-month-day, for example 2026-09-30"),
        },
    )
    days = forms.IntegerField(
        label=_("Number of working days"),
        min_value=0,
        max_value=MAX_DAYS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "workdays-input-days"}),
        error_messages={
            "required": _("Enter the number of working days"),
            "invalid": _("Enter the number of working days as a whole number, for example 7"),
            "min_value": _("The number of working days cannot be less than 0"),
            "max_value": _("Enter at most %(limit_value)s working days"),
        },
    )
