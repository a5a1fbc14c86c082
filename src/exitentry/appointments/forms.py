"""Forms of the booking pages: one question per page, each carrying the earlier answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from exitentry.appointments.services import IDEMPOTENCY_KEY
from exitentry.servicepoints.models import ServicePoint
from exitentry.servicepoints.services import MAX_ID, BookableService, bookable_points, bookable_services


class ServiceAndPointForm(forms.Form):
    service = forms.ChoiceField(
        label=_("Which service do you need?"),
        error_messages={
            "required": _("Choose the service you need."),
            "invalid_choice": _("Choose a service from the list."),
        },
    )
    point = forms.TypedChoiceField(
        label=_("Where do you want to go?"),
        coerce=int,
        error_messages={
            "required": _("Choose a service point."),
            "invalid_choice": _("Choose a service point from the list."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.services = {s.code: s for s in bookable_services()}
        self.points = {p.pk: p for p in bookable_points()}
        service_field = self.fields["service"]
        point_field = self.fields["point"]
        assert isinstance(service_field, forms.ChoiceField)
        assert isinstance(point_field, forms.ChoiceField)
        service_field.choices = [
            ("", _("Choose a service")),
            *((s.code, s.name) for s in self.services.values()),
        ]
        point_field.choices = [
            ("", _("Choose a service point")),
            *((p.pk, f"{p.city.name} · {p.name}") for p in self.points.values()),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        service, point_id = cleaned.get("service"), cleaned.get("point")
        if service and point_id:
            skill = self.services[service].skill
            if not self.points[point_id].capacity_plans.filter(skill=skill).exists():
                self.add_error("point", _("This service point does not take appointments for this service."))
        return cleaned

    @property
    def chosen_service(self) -> BookableService:
        return self.services[self.cleaned_data["service"]]

    @property
    def chosen_point(self) -> ServicePoint:
        return self.points[self.cleaned_data["point"]]


class DayForm(ServiceAndPointForm):
    date = forms.DateField(
        label=_("Day"),
        input_formats=["%Y-%m-%d"],
        error_messages={"required": _("Choose a day."), "invalid": _("Choose a day from the list.")},
    )


class SlotChoiceForm(forms.Form):
    slot = forms.TypedChoiceField(
        label=_("Choose a time"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a time."), "invalid_choice": _("Choose a time from the list.")},
    )

    def __init__(self, *args: Any, slots: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        slot_field = self.fields["slot"]
        assert isinstance(slot_field, forms.ChoiceField)
        slot_field.choices = slots


class ChosenSlotForm(forms.Form):
    """The answers the check page shows: a service code and a slot."""

    service = forms.CharField(max_length=80)
    slot = forms.IntegerField(min_value=1, max_value=MAX_ID)


class ConfirmForm(ChosenSlotForm):
    key = forms.RegexField(regex=IDEMPOTENCY_KEY, max_length=100)
