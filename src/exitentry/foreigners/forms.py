"""Page forms: they parse input; services.py decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from exitentry.foreigners.models import CaseKind, PortVisaEntries, WorkPermitCategory

MRZ_HELP = _(
    "Scan the passport, or type the two lines at the bottom of the photo page exactly, "
    "with every < sign, one line per row."
)


def _choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class ApplyForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What are you applying for?"), choices=CaseKind.choices, widget=forms.RadioSelect
    )
    mrz = forms.CharField(
        label=_("Passport: machine-readable zone"),
        help_text=MRZ_HELP,
        widget=forms.Textarea(
            attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "characters", "class": "mrz"}
        ),
        max_length=200,
    )
    phone = forms.CharField(
        label=_("Contact phone in China"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    service_point_id = forms.TypedChoiceField(label=_("Service hall for foreigners"), coerce=int)
    job_title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    purpose = forms.CharField(label=_("Purpose of stay"), max_length=500, required=False)

    def __init__(self, *args: Any, halls: Any = (), kinds: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "service_point_id", [(hall.pk, hall.name) for hall in halls])
        if kinds is not None:
            _choices(self, "kind", [(k, label) for k, label in CaseKind.choices if k in kinds])


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), max_length=1000, required=False)
    category = forms.ChoiceField(
        label=_("Work permit category"), choices=[("", "—"), *WorkPermitCategory.choices], required=False
    )
    valid_to = forms.DateField(
        label=_("Work permit valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for refusal"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The applicant and the employer receive this reason."),
    )


class PortVisaForm(forms.Form):
    service_point_id = forms.TypedChoiceField(label=_("Port visa office"), coerce=int)
    mrz = forms.CharField(
        label=_("Passport: machine-readable zone"),
        help_text=MRZ_HELP,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "mrz"}),
    )
    reason = forms.ChoiceField(label=_("Reason for a visa on arrival"), widget=forms.RadioSelect)
    reason_details = forms.CharField(label=_("About the reason"), max_length=500, required=False)
    arrival = forms.CharField(label=_("Flight or ship"), max_length=20, required=False)

    def __init__(self, *args: Any, ports: Any = (), reasons: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "service_point_id", [(port.pk, port.name) for port in ports])
        _choices(self, "reason", [(reason.code, reason.name) for reason in reasons])


class IssueForm(forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    entries = forms.ChoiceField(label=_("Entries"), choices=PortVisaEntries.choices, widget=forms.RadioSelect)
    stay_days = forms.IntegerField(label=_("Days of stay per entry"), min_value=1, max_value=365)


class PortRefuseForm(forms.Form):
    refusal_reason = forms.CharField(
        label=_("Reason for refusal"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
