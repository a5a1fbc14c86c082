import datetime as dt
import json
import logging
import re

import pytest
import time_machine
from django.core.cache import caches
from django.test import override_settings

from exitentry.ops.logs import logging_config, mask_text

pytestmark = pytest.mark.django_db


def test_every_page_carries_a_strict_content_security_policy_and_the_framing_and_referrer_policies(client):
    response = client.get("/services/")

    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert sorted(policy.split("; ")) == sorted(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style_the_policy_would_block(client):
    body = client.get("/services/").content.decode()

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", body) == []
    assert re.findall(r"<style\b|\sstyle=|\son[a-z]+=", body) == []


def test_a_request_gets_a_request_id_and_a_well_formed_incoming_one_is_kept(client):
    fresh = client.get("/api/v1/health")
    kept = client.get("/api/v1/health", headers={"X-Request-ID": "edge-1234abcd"})
    refused = client.get("/api/v1/health", headers={"X-Request-ID": "bad id\nwith newline"})

    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["X-Request-ID"])
    assert kept.headers["X-Request-ID"] == "edge-1234abcd"
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["X-Request-ID"])


def _json_formatter() -> logging.Formatter:
    options = dict(logging_config(json=True, level="INFO")["formatters"]["structured"])
    return options.pop("()")(**options)


def _json_lines(caplog_records, formatter):
    return [json.loads(formatter.format(record)) for record in caplog_records]


def test_request_log_lines_are_json_with_the_request_id_and_no_personal_data(client, caplog):
    formatter = _json_formatter()
    with caplog.at_level(logging.INFO, logger="exitentry.request"):
        response = client.get("/api/v1/track", {"number": "X"}, headers={"X-Request-ID": "req-for-log-test"})
        client.get("/identity/11010119900307002X/13812345678")

    lines = _json_lines([r for r in caplog.records if r.name == "exitentry.request"], formatter)
    assert lines[0]["event"] == "request"
    assert lines[0]["request_id"] == "req-for-log-test"
    assert lines[0]["status"] == response.status_code
    assert lines[0]["path"] == "/api/v1/track"
    assert lines[0]["level"] == "info"
    assert lines[1]["path"] == "/identity/1101**********002X/138****5678"
    rendered = "\n".join(formatter.format(r) for r in caplog.records)
    assert "11010119900307002X" not in rendered
    assert "13812345678" not in rendered


def test_the_masking_processor_masks_id_and_phone_numbers_anywhere_in_an_event():
    formatter = _json_formatter()
    record = logging.LogRecord(
        "exitentry.test",
        logging.WARNING,
        __file__,
        1,
        "lookup of %s by %s failed",
        ("37010219900101123X", "+86 13912345678"),
        None,
    )
    record.applicant = {"id_number": "37010219900101123x", "phones": ["13800001111"], "age": 30}

    line = json.loads(formatter.format(record))

    assert line["event"] == "lookup of 3701**********123X by +86 139****5678 failed"
    assert line["applicant"] == {"id_number": "3701**********123x", "phones": ["138****1111"], "age": 30}


def test_masking_leaves_other_numbers_alone():
    assert mask_text("order 2024100800012345 took 1380 ms; ticket A012") == (
        "order 2024100800012345 took 1380 ms; ticket A012"
    )
    assert mask_text("id=11010519491231002X;") == "id=1101**********002X;"


def test_health_answers_ok_with_the_database(api):
    response = api.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_ready_checks_database_cache_and_task_backend(api):
    response = api.get("/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "tasks": "ok"}


def test_ready_is_503_when_the_cache_does_not_answer(api):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    with override_settings(CACHES=unreachable):
        caches.close_all()
        response = api.get("/ready")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "cache": "unavailable",
        "tasks": "ok",
    }


def test_ready_is_503_when_the_task_queue_does_not_answer(api, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0", "SOCKET_CONNECT_TIMEOUT": 0.2}}

    response = api.get("/ready")

    assert response.status_code == 503
    assert response.json()["tasks"] == "unavailable"


def _metric(body: str, name: str) -> dict[str, float]:
    found = {}
    for line in body.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, value = line.rsplit(" ", 1)
            found[key] = float(value)
    return found


def test_metrics_count_requests_by_route_pattern(client):
    before = _metric(client.get("/metrics").content.decode(), "exitentry_http_requests_total")
    client.get("/api/v1/health")
    client.get("/api/v1/health")

    body = client.get("/metrics").content.decode()

    key = 'exitentry_http_requests_total{method="GET",route="api/v1/health",status="200"}'
    assert _metric(body, "exitentry_http_requests_total")[key] == before.get(key, 0) + 2
    assert (
        'exitentry_http_request_duration_seconds_bucket{le="0.005",method="GET",route="api/v1/health"}'
        in body
    )


@time_machine.travel(dt.datetime(2026, 9, 21, 2, 0, tzinfo=dt.UTC), tick=False)
def test_metrics_show_bookings_today_queue_lengths_sla_flags_and_task_lag(client):
    from exitentry.queueing.tests.factories import appointment, at, make_hall, walk_in

    hall = make_hall()
    booked = appointment(hall, at(14))
    booked.booked_at = at(9)
    booked.save(update_fields=["booked_at"])
    walk_in(hall)
    walk_in(hall)

    body = client.get("/metrics").content.decode()

    assert _metric(body, "exitentry_bookings_today") == {'exitentry_bookings_today{status="booked"}': 1.0}
    assert _metric(body, "exitentry_queue_waiting") == {
        f'exitentry_queue_waiting{{service_point="{hall.pk}"}}': 2.0
    }
    assert _metric(body, "exitentry_sla_flags") == {
        'exitentry_sla_flags{level="warning"}': 0.0,
        'exitentry_sla_flags{level="breach"}': 0.0,
    }
    assert _metric(body, "exitentry_task_lag_seconds") == {"exitentry_task_lag_seconds": 0.0}
    assert _metric(body, "exitentry_metrics_read_failures") == {"exitentry_metrics_read_failures": 0.0}


def test_metrics_are_hidden_from_other_addresses_unless_the_scraper_brings_the_token(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"

    outsider = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", headers={"Authorization": "Bearer nope"})
    scraper = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", headers={"Authorization": "Bearer scrape-secret"}
    )

    assert (outsider.status_code, wrong.status_code, scraper.status_code) == (404, 404, 200)


def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    via_proxy = client.get("/metrics", REMOTE_ADDR="127.0.0.1", headers={"X-Forwarded-For": "203.0.113.9"})
    spoofed = client.get("/metrics", REMOTE_ADDR="198.51.100.4", headers={"X-Forwarded-For": "127.0.0.1"})
    direct = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    # The proxied client is an outsider; a client claiming to be local is not believed.
    assert (via_proxy.status_code, spoofed.status_code, direct.status_code) == (404, 404, 200)
