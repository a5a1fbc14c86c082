from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from exitentry.accounts.tests.factories import UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.identity.tests.factories import PersonFactory
from exitentry.records import services
from exitentry.records.models import Certificate, CertificateChannel, Direction
from exitentry.records.services import Period, issue_record_certificate
from exitentry.records.tests.factories import TravelRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_day_fresh_counters():  # type: ignore[no-untyped-def]
    cache.clear()
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def _traveller():  # type: ignore[no-untyped-def]
    person = PersonFactory(full_name="李雷", id_number="370102199003070028")
    TravelRecordFactory(person=person, crossed_on=dt.date(2025, 5, 1), direction=Direction.EXIT)
    TravelRecordFactory(person=person, crossed_on=dt.date(2025, 5, 9), direction=Direction.ENTRY)
    TravelRecordFactory(person=person, crossed_on=dt.date(2022, 1, 9), direction=Direction.ENTRY)
    return person


def test_certificate_freezes_the_crossings_of_the_period_masked() -> None:
    person = _traveller()
    certificate = issue_record_certificate(
        person, period=Period(dt.date(2024, 1, 1), dt.date(2026, 3, 1)), channel=CertificateChannel.KIOSK
    )
    assert len(certificate.code) == 16
    assert certificate.content["name"] == "李雷"
    assert certificate.content["id_number_masked"] == "3701**********0028"
    assert [(row["date"], row["direction"]) for row in certificate.content["crossings"]] == [
        ("2025-05-01", "exit"),
        ("2025-05-09", "entry"),
    ]
    assert certificate.content["crossings"][0]["document_number_masked"] == "*****5678"
    assert certificate.content_hash == services.content_hash(certificate.content)
    assert (
        AuditEvent.objects.filter(action="records.certificate_issued", object_id=str(certificate.pk)).count()
        == 1
    )


def test_codes_are_random_and_distinct() -> None:
    person = _traveller()
    period = Period(dt.date(2024, 1, 1), dt.date(2026, 3, 1))
    codes = {issue_record_certificate(person, period=period, channel="web").code for _ in range(20)}
    assert len(codes) == 20
    assert all(set(code) <= set(services.CODE_ALPHABET) for code in codes)


def test_a_period_ending_in_the_future_is_refused() -> None:
    with pytest.raises(services.InvalidPeriod):
        issue_record_certificate(
            PersonFactory(), period=Period(dt.date(2026, 1, 1), dt.date(2026, 3, 3)), channel="web"
        )


def test_verify_page_shows_what_the_certificate_shows_and_nothing_more(client) -> None:  # type: ignore[no-untyped-def]
    person = _traveller()
    certificate = issue_record_certificate(
        person, period=Period(dt.date(2024, 1, 1), dt.date(2026, 3, 1)), channel="web"
    )
    typed = services.format_code(certificate.code).lower()
    response = client.get("/verify/", {"code": typed}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "李雷" in html
    assert "3701**********0028" in html
    assert "370102199003070028" not in html
    assert "2025-05-01" in html
    assert "2022-01-09" not in html
    assert "E12345678" not in html
    assert "*****5678" in html


def test_unknown_and_tampered_codes_look_the_same(client) -> None:  # type: ignore[no-untyped-def]
    certificate = issue_record_certificate(
        _traveller(), period=Period(dt.date(2024, 1, 1), dt.date(2026, 3, 1)), channel="web"
    )
    Certificate.objects.filter(pk=certificate.pk).update(content={**certificate.content, "name": "韩梅梅"})
    tampered = client.get("/verify/", {"code": certificate.code})
    unknown = client.get("/verify/", {"code": "0000-0000-0000-0000"})
    assert tampered.status_code == unknown.status_code == 404
    assert "韩梅梅" not in tampered.content.decode()


def test_verification_is_rate_limited_per_address(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECORDS_VERIFY_PER_MINUTE = 3
    statuses = [client.get("/verify/", {"code": "0000-0000-0000-0000"}).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_signed_in_person_prints_own_certificate_as_pdf(client) -> None:  # type: ignore[no-untyped-def]
    person = _traveller()
    user = UserFactory(person=person)
    client.force_login(user)
    response = client.post("/records/", {"period_from": "2024-01-01", "period_to": "2026-03-01"})
    assert response.status_code == 302
    certificate = Certificate.objects.get(person=person)
    assert response["Location"] == f"/records/certificates/{certificate.code}/"
    pdf = client.get(f"/records/certificates/{certificate.code}.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    client.force_login(UserFactory(person=PersonFactory()))
    assert client.get(f"/records/certificates/{certificate.code}.pdf").status_code == 404


def test_record_page_offers_the_last_three_years_as_iso_dates(client) -> None:  # type: ignore[no-untyped-def]
    person = _traveller()
    client.force_login(UserFactory(person=person))
    response = client.get("/records/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="period_from" value="2023-03-02"' in html
    assert 'name="period_to" value="2026-03-02"' in html
    assert "2025-05-01" in html
