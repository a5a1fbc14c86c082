"""`{% hall_waits point %}`: the live queue of a hall (people waiting, predicted wait per service)."""

from __future__ import annotations

from typing import Any

from django import template

from exitentry.queueing import services

register = template.Library()


@register.inclusion_tag("queueing/_hall_waits.html")
def hall_waits(point: Any) -> dict[str, Any]:
    return {"point": point, "forecasts": list(services.forecast([point.pk]).get(point.pk, {}).values())}
