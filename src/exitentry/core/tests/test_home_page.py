"""The home page is the way in for every kind of visitor, citizens and foreign nationals alike."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_home_page_leads_to_every_public_service(client):
    html = client.get("/", headers={"Accept-Language": "en"}).content.decode()

    links = re.findall(r'<h[23]><a href="([^"]+)">([^<]+)</a></h[23]>', html)
    assert links == [
        ("/services/checklist/", "One list for everything"),
        ("/service-points/", "Service points near you"),
        ("/calendar/", "Working-day calendar"),
        ("/foreigners/", "Visas and residence permits"),
        ("/transit/", "240-hour visa-free transit"),
        ("/accommodation/", "Register a foreign guest"),
        ("/records/", "Exit-entry record certificate"),
        ("/photos/", "Check your document photo"),
        ("/figures/", "Open figures"),
    ]
    for path, _name in links:
        assert client.get(path).status_code in (200, 302), path


def test_home_page_speaks_russian_to_foreign_visitors(client):
    html = client.get("/", headers={"Accept-Language": "ru"}).content.decode()

    assert "Для иностранных граждан" in html
    assert "Безвизовый транзит на 240 часов" in html
