"""Forms of the ticket machine and the counter console."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from exitentry.servicepoints.models import Counter, Skill

PHONE_HELP = _("We send one text message when your turn is near.")


class PhoneField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Mobile phone number"),
            help_text=PHONE_HELP,
            required=False,
            max_length=30,
            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            error_messages={
                "max_length": _("Enter a mobile phone number, like 13812345678, or leave it empty.")
            },
            **kwargs,
        )


class AppointmentCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Appointment code"),
        help_text=_("The 10 letters and digits in your booking confirmation, e.g. K7QM2PXA4T."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={
            "required": _("Enter your appointment code."),
            "max_length": _("An appointment code has 10 letters and digits."),
        },
    )
    phone = PhoneField()


class WalkInForm(forms.Form):
    skill = forms.ChoiceField(
        label=_("What do you need?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what you need."),
            "invalid_choice": _("Choose one of the services listed."),
        },
    )
    phone = PhoneField()

    def __init__(self, *args: Any, skills: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Skill.choices)
        field = self.fields["skill"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(skill, labels[skill]) for skill in skills]


class TransferForm(forms.Form):
    target = forms.ChoiceField(
        label=_("Send this person to"),
        error_messages={
            "required": _("Choose where to send this person."),
            "invalid_choice": _("Choose a service or a counter from the list."),
        },
    )

    def __init__(self, *args: Any, counter: Counter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Skill.choices)
        others = Counter.objects.filter(service_point_id=counter.service_point_id, is_active=True).exclude(
            pk=counter.pk
        )
        offered = sorted({s for c in [counter, *others] for s in (c.skills or []) if s in labels})
        field = self.fields["target"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("Choose")),
            (_("Any counter for"), [(f"skill:{s}", labels[s]) for s in Skill.values if s in offered]),
            (
                _("One counter"),
                [
                    (f"counter:{c.pk}", _("Counter %(number)s") % {"number": c.number})
                    for c in others.order_by("number")
                ],
            ),
        ]

    def target_parts(self) -> tuple[str | None, int | None]:
        kind, _sep, value = self.cleaned_data["target"].partition(":")
        if kind == "skill":
            return value, None
        return None, int(value)
