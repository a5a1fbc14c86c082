from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from exitentry.transit import services


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class TransitCheckForm(forms.Form):
    nationality = forms.ChoiceField(
        label=_("Nationality (passport)"),
        error_messages={"required": _("Choose the nationality of your passport")},
    )
    entry_port = forms.ChoiceField(
        label=_("Port where you enter China"),
        error_messages={"required": _("Choose the port where you enter China")},
    )
    arrival = forms.DateTimeField(
        label=_("Arrival date and time"),
        help_text=_("Local time at the port, e.g. 2026-03-07 22:30."),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=LocalDateTimeInput(),
        error_messages={
            "required": _("Enter the arrival date and time"),
            "invalid": _("Enter the arrival as a date and time, e.g. 2026-03-07 22:30"),
        },
    )
    origin = forms.ChoiceField(
        label=_("Flying in from"),
        help_text=_("The country or region your journey to China starts from."),
        error_messages={"required": _("Choose where you are coming from")},
    )
    destination = forms.ChoiceField(
        label=_("Onward destination"),
        help_text=_("The country or region of your confirmed onward ticket."),
        error_messages={"required": _("Choose the destination of your onward ticket")},
    )
    departure = forms.DateTimeField(
        label=_("Onward departure date and time"),
        help_text=_("Local time at the port you leave from."),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=LocalDateTimeInput(),
        error_messages={
            "required": _("Enter the onward departure date and time"),
            "invalid": _("Enter the departure as a date and time, e.g. 2026-03-12 09:15"),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose: list[tuple[str, Any]] = [("", _("Choose…"))]
        cast(forms.ChoiceField, self.fields["nationality"]).choices = choose + [
            (p.iso3, p.name) for p in services.nationalities()
        ]
        places = [(p.iso3, p.name) for p in services.places()]
        cast(forms.ChoiceField, self.fields["origin"]).choices = choose + places
        cast(forms.ChoiceField, self.fields["destination"]).choices = choose + places
        cast(forms.ChoiceField, self.fields["entry_port"]).choices = choose + [
            (port.code, f"{port.name} ({port.code})") for port in services.ports_in_force()
        ]

    def describe_fields(self) -> None:
        """Link each input to its hint and, after validation, to its error (for screen readers)."""
        for name, field in self.fields.items():
            ids = [f"id_{name}-hint"] if field.help_text else []
            if self.is_bound and name in self.errors:
                ids.append(f"id_{name}-error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def trip(self) -> services.Trip:
        data = self.cleaned_data
        # The form's times are wall-clock times at the port: strip the zone Django attached.
        return services.Trip(
            nationality=data["nationality"],
            entry_port=data["entry_port"],
            arrival=data["arrival"].replace(tzinfo=None),
            origin=data["origin"],
            destination=data["destination"],
            departure=data["departure"].replace(tzinfo=None),
        )
