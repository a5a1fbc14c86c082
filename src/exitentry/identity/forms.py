"""Forms of the staff check page and of the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from exitentry.identity import services
from exitentry.identity.models import Person
from exitentry.identity.schemas import MRZ_MAX_LENGTH, RESIDENT_ID_MAX_LENGTH


class ResidentIdCheckForm(forms.Form):
    number = forms.CharField(
        label=_("Resident ID number"),
        help_text=_("18 characters. Spaces are ignored; the last character may be X."),
        max_length=RESIDENT_ID_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        error_messages={
            "required": _("Enter a resident ID number"),
            "max_length": _("A resident ID number has 18 characters; this is far too long"),
        },
    )


class MrzCheckForm(forms.Form):
    mrz = forms.CharField(
        label=_("Machine-readable zone (MRZ)"),
        help_text=_(
            "Type or paste the 2 or 3 lines of letters, digits and < at the bottom of the photo page "
            "or the back of the card, one line per row."
        ),
        max_length=MRZ_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "cols": 44,
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
                "class": "identity-mrz-input",
            }
        ),
        error_messages={
            "required": _("Enter the machine-readable zone"),
            "max_length": _(
                "A machine-readable zone has at most 3 lines of 44 characters; this is far too long"
            ),
        },
    )


class PersonAdminForm(forms.ModelForm):
    """Checks a resident ID number as the API does, and that it agrees with the birth date and sex."""

    class Meta:
        model = Person
        fields = [
            "full_name",
            "id_number",
            "nationality",
            "birth_date",
            "sex",
            "phone",
            "household_city",
            "fingerprints_on_file",
            "exit_restricted",
        ]

    def clean_id_number(self) -> str | None:
        number = self.cleaned_data.get("id_number")
        if not number:
            return None
        result = services.check_resident_id(number)
        if not result.valid:
            raise forms.ValidationError([str(problem.message) for problem in result.errors])
        return result.number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number = cleaned.get("id_number")
        if number:
            result = services.check_resident_id(number)
            if cleaned.get("birth_date") and cleaned["birth_date"] != result.birth_date:
                self.add_error("birth_date", _("The birth date does not match the resident ID number."))
            if cleaned.get("sex") and cleaned["sex"] != result.sex:
                self.add_error("sex", _("The sex does not match the resident ID number."))
        return cleaned
