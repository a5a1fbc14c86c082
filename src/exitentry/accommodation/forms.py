from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from exitentry.accommodation import services
from exitentry.core.errors import DomainError

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class AccessibleForm(forms.Form):
    def describe_fields(self) -> None:
        """Link each input to its hint and error (screen readers read them with the field)."""
        for name, field in self.fields.items():
            auto_id = self[name].auto_id
            ids = [f"{auto_id}-hint"] if field.help_text else []
            if self.is_bound and name in self.errors:
                ids.append(f"{auto_id}-error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def add_domain_error(self, error: DomainError) -> None:
        """Put each field problem a service reported next to its field; the rest at the top."""
        problems = error.details.get("errors") or []
        for problem in problems:
            name = problem["field"] if problem["field"] in self.fields else None
            self.add_error(name, problem["message"])
        if not problems:
            self.add_error(None, str(error.message))


class StayFields(AccessibleForm):
    mrz = forms.CharField(
        label=_("Passport machine-readable zone (MRZ)"),
        help_text=_("The 2 lines of letters, digits and < at the bottom of the photo page, one per row."),
        max_length=200,
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "cols": 46,
                "spellcheck": "false",
                "autocapitalize": "characters",
                "autocomplete": "off",
                "class": "accommodation-mrz",
            }
        ),
        error_messages={"required": _("Enter the passport's machine-readable zone")},
    )
    arrived_at = forms.DateTimeField(
        label=_("Arrival date and time"),
        input_formats=DATETIME_FORMATS,
        widget=LocalDateTimeInput(),
        error_messages={
            "required": _("Enter the arrival date and time"),
            "invalid": _("Enter a date and time, e.g. 2026-03-07 22:30"),
        },
    )
    expected_departure = forms.DateField(
        label=_("Expected departure date"),
        widget=DateInput(),
        error_messages={
            "required": _("Enter the expected departure date"),
            "invalid": _("Enter a date, e.g. 2026-03-10"),
        },
    )

    def stay(self, room: str = "") -> services.StayIn:
        data = self.cleaned_data
        return services.StayIn(
            mrz=data["mrz"],
            arrived_at=data["arrived_at"].replace(tzinfo=None),
            expected_departure=data["expected_departure"],
            room=room,
        )


class HotelStayForm(StayFields):
    room = forms.CharField(
        label=_("Room"), max_length=40, error_messages={"required": _("Enter the room number")}
    )

    field_order = ["mrz", "room", "arrived_at", "expected_departure"]


class CsvUploadForm(AccessibleForm):
    file = forms.FileField(
        label=_("CSV file of the day's guests"),
        help_text=_(
            "UTF-8 or GBK. Columns: mrz_line1, mrz_line2, room, arrival (YYYY-MM-DD HH:MM), "
            "expected_departure (YYYY-MM-DD)."
        ),
        error_messages={"required": _("Choose a CSV file to upload")},
    )


class PrivateStayForm(StayFields):
    host_name = forms.CharField(
        label=_("Host's name"), max_length=100, error_messages={"required": _("Enter the host's name")}
    )
    host_phone = forms.CharField(
        label=_("Host's phone number"),
        max_length=20,
        error_messages={"required": _("Enter the host's phone number")},
    )
    address = forms.CharField(
        label=_("Address of the home"),
        max_length=300,
        error_messages={"required": _("Enter the address of the home")},
    )
    area = forms.ChoiceField(
        label=_("District"), error_messages={"required": _("Choose the district where the home is")}
    )

    field_order = ["host_name", "host_phone", "address", "area", "mrz", "arrived_at", "expected_departure"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = [("", _("Choose…"))] + [
            (area.code, area.name) for area in services.areas()
        ]

    def host(self) -> services.HostIn:
        data = self.cleaned_data
        return services.HostIn(
            host_name=data["host_name"],
            host_phone=data["host_phone"],
            address=data["address"],
            area_code=data["area"],
        )


class ManagePrivateStayForm(AccessibleForm):
    reference = forms.CharField(
        label=_("Reference number"),
        max_length=20,
        error_messages={"required": _("Enter the reference number")},
    )
    edit_token = forms.CharField(
        label=_("Edit code"),
        max_length=100,
        help_text=_("The code shown when you registered the guest."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the edit code")},
    )
