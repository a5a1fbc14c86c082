"""The officer's form for money taken at a counter."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from exitentry.payments.models import CounterMethod
from exitentry.payments.services import RECEIPT_NUMBER


class CounterPaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount received (yuan)"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        error_messages={
            "required": _("Enter the amount received."),
            "invalid": _("Enter the amount as a number, e.g. 120.00."),
            "min_value": _("Enter an amount above zero."),
            "max_decimal_places": _("Enter the amount with at most two decimal places."),
            "max_digits": _("Enter the amount as a number, e.g. 120.00."),
            "max_whole_digits": _("Enter the amount as a number, e.g. 120.00."),
        },
    )
    method = forms.ChoiceField(
        label=_("How was it paid?"),
        choices=CounterMethod.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how it was paid."),
            "invalid_choice": _("Choose how it was paid."),
        },
    )
    receipt_number = forms.CharField(
        label=_("Receipt number"),
        help_text=_("As printed on the receipt: letters, digits and hyphens."),
        max_length=40,
        validators=[
            RegexValidator(rf"^{RECEIPT_NUMBER.pattern}\Z", _("Use only letters, digits and hyphens."))
        ],
        error_messages={"required": _("Enter the receipt number.")},
    )
