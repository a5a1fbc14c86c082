"""Forms of the application pages. They only parse; the rules are in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exitentry.applications.models import DeliveryMethod, EmergencyReason, Priority
from exitentry.applications.uploads import max_bytes
from exitentry.catalog.models import Channel, Entries, Holder, Service
from exitentry.catalog.services import active_services


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def _set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    _choice_field(form, name).choices = choices


def _citizens_services() -> Any:
    """What Chinese citizens apply for here; foreign nationals have their own pages."""
    return active_services().filter(document_type__holder=Holder.CITIZEN)


def _document_groups() -> list[tuple[Any, list[Service]]]:
    """The document services by document type, in catalog order."""
    groups: dict[int, tuple[Any, list[Service]]] = {}
    for service in _citizens_services().order_by("document_type__sort_order", "sort_order", "code"):
        if service.is_endorsement:
            continue
        groups.setdefault(service.document_type_id, (service.document_type, []))[1].append(service)
    return list(groups.values())


def _endorsement_services() -> list[Service]:
    return [
        s
        for s in _citizens_services().order_by("document_type__sort_order", "sort_order", "code")
        if s.is_endorsement
    ]


class ChooseDocumentsForm(forms.Form):
    """One question per document: nothing, or which kind of application; endorsements as ticks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document_fields: list[tuple[str, Any]] = []
        self.endorsement_fields: list[tuple[str, str, Service]] = []
        for document_type, services in _document_groups():
            name = f"document_{document_type.code}"
            choices = [("", _("Not this time"))] + [(s.code, s.get_reason_display()) for s in services]
            self.fields[name] = forms.ChoiceField(
                label=document_type.name, choices=choices, required=False, widget=forms.RadioSelect
            )
            self.document_fields.append((name, document_type))
        entries_labels = dict(Entries.choices)
        for service in _endorsement_services():
            assert service.endorsement_type is not None
            tick = f"endorsement_{service.code}"
            entries = f"entries_{service.code}"
            self.fields[tick] = forms.BooleanField(label=service.name, required=False)
            self.fields[entries] = forms.ChoiceField(
                label=_("Entries"),
                choices=[
                    (code, entries_labels.get(code, code))
                    for code in service.endorsement_type.entries_options
                ],
                required=False,
            )
            self.endorsement_fields.append((tick, entries, service))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.chosen_services():
            raise forms.ValidationError(_("Choose at least one document or endorsement."), code="no_services")
        return cleaned

    def chosen_services(self) -> list[str]:
        data = getattr(self, "cleaned_data", {})
        codes = [data.get(name) for name, _document in self.document_fields if data.get(name)]
        codes += [service.code for tick, _entries, service in self.endorsement_fields if data.get(tick)]
        return [code for code in codes if code]

    def chosen_entries(self) -> dict[str, str]:
        data = getattr(self, "cleaned_data", {})
        return {
            service.code: data[entries]
            for tick, entries, service in self.endorsement_fields
            if data.get(tick) and data.get(entries)
        }

    def document_bound_fields(self) -> list[Any]:
        return [self[name] for name, _document in self.document_fields]

    def endorsement_bound_fields(self) -> list[tuple[Any, Any]]:
        return [(self[tick], self[entries]) for tick, entries, _service in self.endorsement_fields]


class DetailsForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        help_text=_(
            "We send a text message when something changes, for example when your documents are ready."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class OptionsForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How do you want to apply?"),
        initial=Channel.ONLINE,
        widget=forms.RadioSelect,
    )
    priority = forms.ChoiceField(
        label=_("How soon do you need it?"),
        initial=Priority.NORMAL,
        widget=forms.RadioSelect,
    )
    emergency_reason = forms.ChoiceField(
        label=_("What is the emergency?"),
        choices=EmergencyReason.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    emergency_details = forms.CharField(
        label=_("Tell us more about the emergency"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    delivery_method = forms.ChoiceField(
        label=_("How do you want to receive your documents?"),
        choices=DeliveryMethod.choices,
        initial=DeliveryMethod.PICKUP,
        widget=forms.RadioSelect,
    )
    pickup_point = forms.ChoiceField(
        label=_("Service hall to collect at"),
        help_text=_("Only if you collect it at a hall."),
        required=False,
    )
    delivery_address = forms.CharField(
        label=_("Delivery address"),
        help_text=_("Only if it is sent by courier: street, number, district and city."),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    permit_by_mail = forms.BooleanField(
        label=_("I will send my permit to the service hall by courier for the endorsement"),
        help_text=_(
            "Then you do not need to visit: we show you the hall's address, you tell us the tracking "
            "number, and we send the permit back with the endorsement by courier."
        ),
        required=False,
    )
    lost_on = forms.DateField(
        label=_("When did you lose it?"),
        required=False,
        help_text=_("For example 2026-03-27."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    lost_where = forms.CharField(label=_("Where did you lose it?"), max_length=200, required=False)
    loss_circumstances = forms.CharField(
        label=_("How was it lost?"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    loss_confirmed = forms.BooleanField(
        label=_(
            "I declare the document lost. I understand it is cancelled when I apply and cannot be used again."
        ),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        halls: list[tuple[int, str]],
        lost: bool,
        green_channel: bool,
        home_service: bool,
        permit_in: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lost = lost
        if not permit_in:
            del self.fields["permit_by_mail"]
        _set_choices(
            self, "pickup_point", [("", _("Choose a hall")), *((str(pk), name) for pk, name in halls)]
        )
        channels = [(Channel.ONLINE, _("Online, without visiting a hall"))]
        if home_service:
            channels.append(
                (
                    Channel.HOME_SERVICE,
                    _("Officers come to me (for people aged 60 or over, disabled or seriously ill)"),
                )
            )
        priorities = [
            (Priority.NORMAL, _("Normal processing")),
            (Priority.EXPEDITED, _("Expedited: I have written proof of an urgent reason")),
            (Priority.EMERGENCY, _("Emergency: I must travel very soon")),
        ]
        if green_channel:
            priorities.append(
                (
                    Priority.GREEN_CHANNEL,
                    pgettext_lazy("priority", "Enterprise green channel: urgent business trip"),
                )
            )
        _set_choices(self, "channel", channels)
        _set_choices(self, "priority", priorities)
        if not lost:
            for name in ("lost_on", "lost_where", "loss_circumstances", "loss_confirmed"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("priority") == Priority.EMERGENCY and not cleaned.get("emergency_reason"):
            self.add_error("emergency_reason", _("Say what the emergency is."))
        if cleaned.get("delivery_method") == DeliveryMethod.PICKUP and not cleaned.get("pickup_point"):
            self.add_error(
                "pickup_point", _("Choose the service hall where you will collect your documents.")
            )
        if (
            cleaned.get("delivery_method") == DeliveryMethod.MAIL
            and len(cleaned.get("delivery_address", "").strip()) < 5
        ):
            self.add_error("delivery_address", _("Give the address the courier should deliver to."))
        if cleaned.get("permit_by_mail") and cleaned.get("delivery_method") != DeliveryMethod.MAIL:
            self.add_error(
                "permit_by_mail",
                _(
                    "If you send your permit in by courier, we send it back by courier too: "
                    "choose delivery by courier."
                ),
            )
        if self.lost:
            if not cleaned.get("lost_on"):
                self.add_error("lost_on", _("Give the date you lost it."))
            if not cleaned.get("lost_where", "").strip():
                self.add_error("lost_where", _("Say where you lost it."))
            if not cleaned.get("loss_circumstances", "").strip():
                self.add_error("loss_circumstances", _("Say how it was lost."))
            if not cleaned.get("loss_confirmed"):
                self.add_error("loss_confirmed", _("Tick the box to declare the document lost."))
        return cleaned


class MaterialsForm(forms.Form):
    """One optional file field per document to send."""

    def __init__(self, *args: Any, materials: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_mb = f"{max_bytes() / 1024 / 1024:g}"
        for material in materials:
            self.fields[f"file_{material.code}"] = forms.FileField(
                label=material.name,
                required=False,
                help_text=_("PDF, JPEG or PNG, up to %(max_mb)s MB.") % {"max_mb": limit_mb},
                widget=forms.ClearableFileInput(
                    attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
                ),
            )


class UploadForm(forms.Form):
    material = forms.CharField(max_length=60, widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("Choose a file"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )


class SubmitForm(forms.Form):
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    declaration = forms.BooleanField(
        label=_("I declare that the information I have given is true and complete."),
        error_messages={"required": _("Tick the box to confirm the declaration.")},
    )


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("Application number"),
        max_length=40,
        help_text=_("It is on your confirmation, for example SD261123K7QW4X."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    id_last4 = forms.CharField(
        label=_("Last 4 characters of your ID number"),
        max_length=4,
        min_length=4,
        help_text=_("For example 002X."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "inputmode": "text"}
        ),
    )


# --- Officer console ---------------------------------------------------------------------------


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for refusing"),
        max_length=1000,
        help_text=_("The applicant reads this. Say what is wrong and what they can do."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RequestMaterialsForm(forms.Form):
    materials = forms.MultipleChoiceField(
        label=_("Documents to ask for"), widget=forms.CheckboxSelectMultiple, choices=[]
    )
    note = forms.CharField(
        label=_("What is wrong or missing"),
        max_length=1000,
        help_text=_("The applicant reads this."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, material_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "materials", material_choices)


class DispatchForm(forms.Form):
    courier = forms.CharField(
        label=_("Courier"),
        max_length=60,
        required=False,
        help_text=_("Only if you booked the courier yourself."),
    )
    tracking_number = forms.CharField(
        label=_("Courier tracking number"),
        max_length=40,
        required=False,
        help_text=_("Leave empty to book the courier from here: the tracking number is filled in for you."),
    )


class PermitSentForm(forms.Form):
    courier = forms.CharField(label=_("Courier company"), max_length=60)
    tracking_number = forms.CharField(
        label=_("Tracking number of your parcel"),
        max_length=40,
        help_text=_("The number your courier gave you: 6 to 40 letters, digits or dashes."),
    )


class BulkFilingForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet of employees"),
        help_text=_(
            "An .xlsx file, or a .csv file in UTF-8 or GBK, "
            "with the columns name, resident_id, phone, services."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
        error_messages={"required": _("Choose the spreadsheet to send.")},
    )
    pickup_point = forms.TypedChoiceField(
        label=_("Where your staff collect their documents"),
        coerce=int,
        error_messages={"required": _("Choose a service hall.")},
    )

    def __init__(self, *args: Any, halls: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "pickup_point", [("", _("Choose a hall")), *(halls or [])])


class HandOverForm(forms.Form):
    id_last4 = forms.CharField(
        label=_("Last 4 characters of the ID number on the card shown"),
        max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
