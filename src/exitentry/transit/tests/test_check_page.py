"""The public transit checker page, through Django's test client."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

TRIP = {
    "nationality": "FRA",
    "entry_port": "PVG",
    "arrival": "2026-05-01T09:00",
    "origin": "FRA",
    "destination": "JPN",
    "departure": "2026-05-10T18:00",
}


def test_eligible_trip_shows_the_latest_departure(client):
    response = client.get("/transit/", TRIP, headers={"Accept-Language": "en"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Your trip qualifies for visa-free transit" in html
    assert '<dd id="stay-ends-at">2026-05-12 00:00 (240 hours)</dd>' in html
    assert "Shanghai, Jiangsu and Zhejiang" in html


def test_ineligible_trip_says_why(client):
    response = client.get("/transit/", {**TRIP, "destination": "FRA"}, headers={"Accept-Language": "en"})

    html = response.content.decode()
    assert "Your trip does not qualify for visa-free transit" in html
    assert 'data-code="destination_same_as_origin"' in html


def test_missing_answers_are_listed_in_an_error_summary(client):
    response = client.get("/transit/", {"nationality": ""}, headers={"Accept-Language": "en"})

    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert '<a href="#id_nationality">Choose the nationality of your passport</a>' in html
    assert 'aria-invalid="true"' in html
    assert "Your trip" not in html


def test_empty_page_shows_only_the_form(client):
    html = client.get("/transit/").content.decode()

    assert 'class="error-summary"' not in html
    assert 'name="entry_port"' in html
