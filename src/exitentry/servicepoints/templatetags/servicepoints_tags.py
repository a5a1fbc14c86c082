from __future__ import annotations

import datetime as dt

from django import template

from exitentry.servicepoints.models import OpeningHours

register = template.Library()


@register.filter
def session_range(session: OpeningHours) -> str:
    """`08:30–17:00`; a session closing at 00:00 runs until midnight (`24:00`)."""
    closes = "24:00" if session.closes == dt.time(0, 0) else session.closes.strftime("%H:%M")
    return f"{session.opens:%H:%M}–{closes}"
