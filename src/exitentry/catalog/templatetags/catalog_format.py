"""Display helpers for catalog pages: amounts in yuan, dates with the weekday."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def cny(value: Any) -> str:
    """`Decimal("120.00")` → "120 yuan" (in the active language); cents only when there are any."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if amount == amount.to_integral_value():
        count, text = int(amount), f"{amount:.0f}"
    else:
        count, text = 2, f"{amount:.2f}"
    return ngettext("%(amount)s yuan", "%(amount)s yuan", count) % {"amount": text}


@register.filter
def long_date(value: dt.date | None) -> str:
    """The date in the active language's format, with the weekday: "Oct. 15, 2026 (Thursday)"."""
    if value is None:
        return ""
    return f"{formats.date_format(value, 'DATE_FORMAT')} ({formats.date_format(value, 'l')})"
