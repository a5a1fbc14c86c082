"""Forms of the routing pages: where you are and what you need; which scenario to simulate."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from exitentry.catalog.models import City
from exitentry.routing import services
from exitentry.routing.scenario import ScenarioError
from exitentry.servicepoints.services import bookable_services

LEAVING_CHOICES = [
    ("0", _("Now")),
    ("30", _("In 30 minutes")),
    ("60", _("In 1 hour")),
    ("120", _("In 2 hours")),
]
UPLOAD = "upload"


class RecommendForm(forms.Form):
    """Service, then a place: "Use my location" fills latitude and longitude, or choose a city."""

    service = forms.ChoiceField(label=_("Service you need"))
    city = forms.ChoiceField(label=_("City"), required=False)
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    leaving = forms.ChoiceField(label=_("When are you leaving?"), choices=LEAVING_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cities = {
            city.code: city
            for city in City.objects.filter(latitude__isnull=False, longitude__isnull=False).order_by("code")
        }
        city_field = self.fields["city"]
        assert isinstance(city_field, forms.ChoiceField)
        city_field.choices = [("", _("Choose a city")), *((c.code, c.name) for c in self.cities.values())]
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ChoiceField)
        service_field.choices = [
            ("", _("Choose a service")),
            *((s.code, s.name) for s in bookable_services()),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lat, lon, city = cleaned.get("lat"), cleaned.get("lon"), cleaned.get("city")
        if self.errors.get("lat") or self.errors.get("lon"):
            return cleaned
        if (lat is None) != (lon is None):
            self.add_error(
                "lon" if lon is None else "lat", _("Give both latitude and longitude, or neither.")
            )
        elif lat is None and not city:
            self.add_error("city", _("Choose a city, or use your location."))
        elif lat is None:
            chosen = self.cities[str(city)]
            cleaned["lat"], cleaned["lon"] = float(chosen.latitude or 0), float(chosen.longitude or 0)
        cleaned["leaving_minutes"] = int(cleaned.get("leaving") or 0)
        return cleaned


class SimulatorForm(forms.Form):
    """An example scenario or an uploaded one, and the seed; both policies always run."""

    scenario = forms.ChoiceField(label=_("Scenario"), widget=forms.RadioSelect)
    upload = forms.FileField(
        label=_("Your scenario file (JSON, at most 1 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/json,.json"}),
    )
    seed = forms.IntegerField(
        label=_("Random seed"),
        min_value=0,
        max_value=2**31 - 1,
        initial=1,
        help_text=_("The same scenario and seed always give the same figures."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.examples = services.example_scenarios()
        field = self.fields["scenario"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            *((example.file_name, example.name) for example in self.examples),
            (UPLOAD, _("Upload my own scenario")),
        ]
        if self.examples and not self.is_bound:
            self.initial.setdefault("scenario", self.examples[0].file_name)
        self.scenario_data: dict[str, Any] | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        choice = cleaned.get("scenario")
        if choice is None:
            return cleaned
        try:
            if choice == UPLOAD:
                upload = cleaned.get("upload")
                if not isinstance(upload, UploadedFile):
                    self.add_error("upload", _("Choose a scenario file to upload."))
                    return cleaned
                self.scenario_data = _read_upload(upload)
            else:
                self.scenario_data = services.read_example_scenario(choice)
        except ScenarioError as error:
            self.add_error("upload" if choice == UPLOAD else "scenario", str(error.message))
        return cleaned


def _read_upload(upload: UploadedFile) -> dict[str, Any]:
    if (upload.size or 0) > services.MAX_SCENARIO_BYTES:
        raise ScenarioError(
            _("%(field)s is larger than %(limit)s bytes."), "scenario", limit=services.MAX_SCENARIO_BYTES
        )
    try:
        data = json.loads(upload.read().decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ScenarioError(_("%(field)s is not UTF-8 text."), "scenario") from error
    except json.JSONDecodeError as error:
        raise ScenarioError(
            _("%(field)s is not valid JSON: %(reason)s at line %(line)s, column %(column)s."),
            "scenario",
            reason=error.msg,
            line=error.lineno,
            column=error.colno,
        ) from error
    if not isinstance(data, dict):
        raise ScenarioError(_("%(field)s must be an object."), "scenario")
    return data
