from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from exitentry.catalog.models import City
from exitentry.servicepoints.services import bookable_services


class SearchForm(forms.Form):
    """Find service points by city, or near a location (filled in by "Use my location")."""

    city = forms.ChoiceField(label=_("City"), required=False)
    service = forms.ChoiceField(label=_("Service you need"), required=False)
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cities = City.objects.filter(service_points__is_active=True).distinct().order_by("code")
        city_field = self.fields["city"]
        assert isinstance(city_field, forms.ChoiceField)
        city_field.choices = [("", _("All cities")), *((c.code, c.name) for c in cities)]
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ChoiceField)
        service_field.choices = [("", _("Any service")), *((s.code, s.name) for s in bookable_services())]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lat, lon = cleaned.get("lat"), cleaned.get("lon")
        if (lat is None) != (lon is None) and not self.errors.get("lat") and not self.errors.get("lon"):
            missing = "lon" if lon is None else "lat"
            self.add_error(missing, _("Give both latitude and longitude, or neither."))
        return cleaned
