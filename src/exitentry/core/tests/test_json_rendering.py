"""The API's JSON: orjson writes it, with the value formats Django's encoder always gave."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from ninja.responses import NinjaJSONEncoder

from exitentry.core.rendering import render_json


def test_values_are_written_as_django_writes_them():
    data = {
        "at": dt.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=dt.UTC),
        "on": dt.date(2026, 1, 2),
        "time": dt.time(9, 30, 15, 500000),
        "fee": Decimal("120.00"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "wait": dt.timedelta(hours=3),
        "numbers": [1, 2.5, None, True],
    }

    assert render_json(data) == (
        b'{"at":"2026-01-02T03:04:05.123Z","on":"2026-01-02","time":"09:30:15.500","fee":"120.00",'
        b'"id":"12345678-1234-5678-1234-567812345678","wait":"P0DT03H00M00S","numbers":[1,2.5,null,true]}'
    )
    assert json.loads(render_json(data)) == json.loads(json.dumps(data, cls=NinjaJSONEncoder))


def test_a_time_in_another_zone_keeps_its_offset():
    shanghai = dt.timezone(dt.timedelta(hours=8))

    assert (
        render_json({"at": dt.datetime(2026, 1, 2, 9, 0, tzinfo=shanghai)})
        == b'{"at":"2026-01-02T09:00:00+08:00"}'
    )


def test_lazy_text_is_written_in_the_active_language_and_chinese_as_utf8():
    with translation.override("zh-hans"):
        rendered = render_json(
            {"label": gettext_lazy("The request could not be processed."), "name": "普通护照"}
        )

    assert json.loads(rendered) == {"label": "无法处理该请求。", "name": "普通护照"}
    assert "普通护照".encode() in rendered


def test_what_orjson_refuses_is_written_by_json_in_the_same_form():
    huge = 2**80

    assert render_json({"item_id": huge, "name": "普通护照"}) == (
        '{"item_id":1208925819614629174706176,"name":"普通护照"}'.encode()
    )


def test_integer_keys_become_strings():
    assert render_json({7: "seven"}) == b'{"7":"seven"}'


@pytest.mark.django_db
def test_api_answers_are_rendered_by_it(client):
    response = client.get("/api/v1/health")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == b'{"status":"ok","database":"ok"}'
