from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from exitentry.accounts.tests.factories import UserFactory
from exitentry.audit.models import AuditEvent
from exitentry.core.i18n import LANGUAGE_CODES
from exitentry.notifications import services
from exitentry.notifications.models import NotificationTemplate, placeholders_in

pytestmark = pytest.mark.django_db

PRODUCT_TEMPLATES = {
    "application_submitted",
    "payment_received",
    "materials_requested",
    "materials_to_upload",
    "item_approved",
    "item_rejected",
    "ready_for_pickup",
    "dispatched",
    "delivered",
    "permit_received",
    "sla_warning",
    "sla_breached",
    "appointment_booked",
    "appointment_reminder",
    "turn_near",
    "calendar_year_missing",
    # Seeded by the foreigners app (its migration 0002_policy_data).
    "foreigners_submitted",
    "foreigners_result_approved",
    "foreigners_result_refused",
}


def test_the_product_templates_are_seeded_complete_in_five_languages() -> None:
    templates = list(NotificationTemplate.objects.all())

    assert {t.code for t in templates} == PRODUCT_TEMPLATES
    for template in templates:
        template.full_clean()
        assert set(template.subjects) == set(template.bodies) == set(LANGUAGE_CODES), template.code
        used = {name for text in template.bodies.values() for name in placeholders_in(text)}
        assert used == set(template.placeholders), template.code


@pytest.mark.parametrize("code", sorted(PRODUCT_TEMPLATES))
@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_every_template_renders_in_every_language(code: str, language: str) -> None:
    template = NotificationTemplate.objects.get(code=code)
    context = {name: f"<{name}>" for name in template.placeholders}

    subject, body = services.render(template, language, context)

    assert subject == template.subjects[language]
    assert "{" not in body
    assert "}" not in body
    assert all(f"<{name}>" in body for name in template.placeholders)


@pytest.mark.parametrize(
    ("bodies_change", "message"),
    [
        ({"en": "Hello {name}"}, "en uses placeholders that are not declared: name."),
        ({"ru": "Привет {number"}, "ru has a brace that is not part of a {placeholder}."),
        ({"ko": ""}, "Give the text in every language (missing: ko)."),
    ],
)
def test_an_edited_template_is_checked_before_it_is_saved(
    bodies_change: dict[str, str], message: str
) -> None:
    template = NotificationTemplate.objects.get(code="item_approved")
    template.bodies = {**template.bodies, **bodies_change}

    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.save_template(template, actor=UserFactory(role="admin"))

    assert error.value.message_dict["bodies"] == [message]


def test_saving_a_template_is_audited() -> None:
    template = NotificationTemplate.objects.get(code="item_approved")
    template.bodies = {**template.bodies, "en": "Good news: application {number} is approved."}
    admin = UserFactory(role="admin")

    services.save_template(template, actor=admin)

    event = AuditEvent.objects.get(action="notifications.template_changed")
    assert event.actor == admin


def test_templates_are_edited_in_the_admin_one_box_per_language(client: Any) -> None:
    admin = UserFactory(role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    template = NotificationTemplate.objects.get(code="turn_near")
    url = f"/admin/notifications/notificationtemplate/{template.pk}/change/"

    page = client.get(url).content.decode()
    assert 'name="bodies__ko"' in page
    assert 'lang="ko"' in page

    form = {
        "code": "turn_near",
        "description": template.description,
        "placeholders": '["ticket", "counter", "waiting"]',
        "is_active": "on",
        **{f"subjects__{code}": text for code, text in template.subjects.items()},
        **{f"bodies__{code}": text for code, text in template.bodies.items()},
        "bodies__en": "Ticket {ticket}: please come to counter {counter}.",
    }
    response = client.post(url, form)

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.bodies["en"] == "Ticket {ticket}: please come to counter {counter}."
    assert AuditEvent.objects.filter(action="notifications.template_changed").count() == 1
