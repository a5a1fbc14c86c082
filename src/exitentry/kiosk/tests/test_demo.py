from __future__ import annotations

from exitentry.kiosk import demo, services
from exitentry.kiosk.models import KioskDevice
from exitentry.kiosk.tests import factories as f


def test_the_demo_kiosk_is_registered_once_with_the_same_token_every_run():
    hall = f.hall("jinan-lixia")
    owner, _permit = f.permit_holder("confirmed", endorsements=["G"])
    f.applicant_user(owner, username="applicant001")

    first = demo.seed_demo_kiosk()
    second = demo.seed_demo_kiosk()

    assert KioskDevice.objects.filter(code=demo.DEMO_CODE).count() == 1
    assert first.token == second.token
    assert services.device_for_token(second.token).service_point == hall
    assert (second.business_card, second.repeat_card) == ("applicant001", "applicant001")
