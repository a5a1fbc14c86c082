"""Small lookups for the dashboard tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Mapping[str, Any], key: str) -> Any:
    return mapping.get(key, 0)


@register.filter
def get_index(values: Sequence[Any], index: int) -> Any:
    return values[index] if 0 <= index < len(values) else None
