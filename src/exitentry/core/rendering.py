"""The API's JSON renderer: orjson, with Django's formats for dates, times and the rest.

Every answer of /api/v1 is rendered here. orjson writes the same JSON several times faster than
`json.dumps` with ninja's encoder (docs/adr/0016); what it does not know natively (Decimal,
lazy translations, durations, pydantic models) and dates and times go to ninja's encoder, so a
value is written exactly as before: times to the millisecond and UTC as "Z", as Django does.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from django.http import HttpRequest
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_DJANGO_FORMATS = NinjaJSONEncoder().default  # stateless: one encoder serves every thread


def render_json(data: Any) -> bytes:
    """`data` as UTF-8 JSON, as `json.dumps(data, cls=NinjaJSONEncoder)` writes it, in compact form."""
    try:
        return orjson.dumps(data, default=_DJANGO_FORMATS, option=_OPTIONS)
    except orjson.JSONEncodeError:
        # What orjson refuses and json writes (an integer beyond 64 bits echoed from a path, say).
        return json.dumps(
            data, cls=NinjaJSONEncoder, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode()


class JSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest | None, data: Any, *, response_status: int) -> bytes:
        return render_json(data)
