from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from exitentry.core import clock


class PeriodForm(forms.Form):
    period_from = forms.DateField(
        label=_("From"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    period_to = forms.DateField(
        label=_("To"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start > end:
            self.add_error("period_to", _("The end of the period must not be before its start."))
        if end and end > clock.today():
            self.add_error("period_to", _("The period cannot end in the future."))
        return data

    @classmethod
    def initial_period(cls) -> dict[str, dt.date]:
        today = clock.today()
        return {"period_from": today.replace(year=today.year - 3), "period_to": today}


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        help_text=_("The 16 characters printed on the certificate, e.g. ABCD-1234-EFGH-5678."),
    )
