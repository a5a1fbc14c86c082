from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from exitentry.audit.models import AuditEvent
from exitentry.kiosk import services
from exitentry.kiosk.models import DeviceStatus, EndorsementStatus, InstantEndorsement
from exitentry.kiosk.tests import factories as f
from exitentry.payments.models import Order, OrderStatus, Refund


def options_of(owner):
    return {option.endorsement_type: option for option in services.eligibility(owner).options}


def test_a_repeat_endorsement_is_offered_only_for_a_type_held_before():
    owner, _permit = f.permit_holder("not_found", endorsements=["G"])

    with translation.override("zh-hans"):
        options = options_of(owner)

    assert options["G"].available is True
    assert options["G"].fee == Decimal("15.00")
    assert options["T"].available is False
    assert options["S"].available is False
    assert options["S"].reason == "未找到您已核验的企业备案。"


def test_a_business_endorsement_needs_a_verified_enterprise_filing():
    verified, _permit = f.permit_holder("confirmed", endorsements=[])
    silent, _other = f.permit_holder("unavailable", endorsements=[])

    assert options_of(verified)["S"].available is True
    assert options_of(verified)["S"].basis_reference.startswith("SANDBOX-")
    assert options_of(silent)["S"].available is False


def test_no_valid_permit_means_no_endorsement():
    owner = f.person()

    with pytest.raises(services.NoValidPermit):
        services.eligibility(owner)


def test_a_restricted_person_is_sent_to_a_window():
    owner = f.person(restricted=True)
    f.hk_macau_permit(owner)

    with pytest.raises(services.ExitRestricted):
        services.eligibility(owner)


def test_paid_business_endorsement_is_printed_and_recorded_the_same_visit(
    client, kiosk, django_capture_on_commit_callbacks
):
    device, _token = kiosk
    owner, permit = f.permit_holder("confirmed", endorsements=["G"])
    endorsement = f.start(device, owner)
    order = Order.objects.get(number=endorsement.order_number)
    assert (order.status, order.amount, order.qr_payload != "") == (
        OrderStatus.PENDING,
        Decimal("15.00"),
        True,
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert f.pay(client, order).status_code == 200
    issued = services.advance(endorsement, actor="kiosk:test")

    assert issued.status == EndorsementStatus.ISSUED
    assert issued.issued_at == f.MONDAY_10
    permit.refresh_from_db()
    assert permit.endorsements == ["G", "S"]
    moves = AuditEvent.objects.filter(
        action="kiosk.endorsement_status_changed", object_id=str(endorsement.pk)
    )
    assert [event.summary["after"]["status"] for event in moves.order_by("id")] == [
        "paid",
        "printing",
        "issued",
    ]


def test_the_same_idempotency_key_gives_the_same_visit(kiosk):
    device, _token = kiosk
    owner, _permit = f.permit_holder("confirmed")

    first = f.start(device, owner, key="same-key-123")
    second = f.start(device, owner, key="same-key-123")

    assert first.pk == second.pk
    assert InstantEndorsement.objects.count() == 1
    assert Order.objects.filter(subject_type=services.ORDER_SUBJECT).count() == 1


def test_a_second_visit_for_the_same_permit_waits_for_the_first(kiosk):
    device, _token = kiosk
    owner, _permit = f.permit_holder("confirmed")
    f.start(device, owner, key="first-visit-1")

    with pytest.raises(services.EndorsementInProgress):
        f.start(device, owner, "hk_macau_endorsement.G", key="second-visit-2")


def test_an_endorsement_not_offered_cannot_be_started(kiosk):
    device, _token = kiosk
    owner, _permit = f.permit_holder("not_found", endorsements=["G"])

    with pytest.raises(services.EndorsementNotOffered):
        f.start(device, owner, "hk_macau_endorsement.S")
    assert InstantEndorsement.objects.count() == 0


def test_a_printer_jam_refunds_the_payment_and_leaves_the_permit_unchanged(
    client, kiosk, django_capture_on_commit_callbacks
):
    device, _token = kiosk
    owner, permit = f.permit_holder("confirmed", endorsements=["G"])
    endorsement = f.start(device, owner)
    order = Order.objects.get(number=endorsement.order_number)
    f.pay(client, order)
    services.record_heartbeat(device, status=DeviceStatus.PRINTER_JAM)

    with django_capture_on_commit_callbacks(execute=True):
        result = services.advance(endorsement, actor="kiosk:test")

    assert (result.status, result.failure_code) == (EndorsementStatus.REFUNDED, "printer_jam")
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert [refund.status for refund in Refund.objects.filter(order=order)] == ["succeeded"]
    permit.refresh_from_db()
    assert permit.endorsements == ["G"]


def test_a_payment_that_never_comes_times_out(kiosk, clock):
    device, _token = kiosk
    owner, _permit = f.permit_holder("confirmed")
    endorsement = f.start(device, owner)

    clock.shift(dt.timedelta(seconds=179))
    assert services.advance(endorsement, actor="kiosk:test").status == EndorsementStatus.AWAITING_PAYMENT
    clock.shift(dt.timedelta(seconds=2))
    result = services.advance(endorsement, actor="kiosk:test")

    assert (result.status, result.failure_code) == (EndorsementStatus.PAYMENT_TIMED_OUT, "payment_timeout")


def test_a_payment_after_the_timeout_is_refunded_not_kept(
    client, kiosk, clock, django_capture_on_commit_callbacks
):
    device, _token = kiosk
    owner, permit = f.permit_holder("confirmed", endorsements=[])
    endorsement = f.start(device, owner)
    clock.shift(dt.timedelta(minutes=4))
    services.advance(endorsement, actor="kiosk:test")

    with django_capture_on_commit_callbacks(execute=True):
        f.pay(client, Order.objects.get(number=endorsement.order_number))

    endorsement.refresh_from_db()
    assert (endorsement.status, endorsement.failure_code) == (EndorsementStatus.REFUNDED, "late_payment")
    assert Order.objects.get(number=endorsement.order_number).status == OrderStatus.REFUNDED
    permit.refresh_from_db()
    assert permit.endorsements == []


def test_the_sweeper_refunds_a_paid_endorsement_left_unprinted(
    client, kiosk, clock, django_capture_on_commit_callbacks
):
    device, _token = kiosk
    owner, _permit = f.permit_holder("confirmed")
    endorsement = f.start(device, owner)
    f.pay(client, Order.objects.get(number=endorsement.order_number))

    clock.shift(dt.timedelta(minutes=14))
    assert services.sweep_instant_endorsements() == {"timed_out": 0, "refunded": 0}
    clock.shift(dt.timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep_instant_endorsements() == {"timed_out": 0, "refunded": 1}

    endorsement.refresh_from_db()
    assert (endorsement.status, endorsement.failure_code) == (EndorsementStatus.REFUNDED, "not_printed")
    assert Order.objects.get(number=endorsement.order_number).status == OrderStatus.REFUNDED


def test_no_endorsement_ends_paid_and_not_issued(client, kiosk, clock, django_capture_on_commit_callbacks):
    """Every fault path ends issued or refunded: nothing keeps money without an endorsement."""
    device, _token = kiosk
    results = []
    for outcome in ("ok", "jam", "late"):
        owner, _permit = f.permit_holder("confirmed")
        services.record_heartbeat(
            device, status=DeviceStatus.PRINTER_JAM if outcome == "jam" else DeviceStatus.OK
        )
        endorsement = f.start(device, owner, key=f"key-{outcome}-0001")
        order = Order.objects.get(number=endorsement.order_number)
        if outcome == "late":
            clock.shift(dt.timedelta(minutes=4))
            services.advance(endorsement, actor="kiosk:test")
        with django_capture_on_commit_callbacks(execute=True):
            f.pay(client, order)
        with django_capture_on_commit_callbacks(execute=True):
            services.advance(endorsement, actor="kiosk:test")
        endorsement.refresh_from_db()
        results.append(endorsement.status)

    assert results == ["issued", "refunded", "refunded"]
    assert not InstantEndorsement.objects.filter(status__in=["paid", "printing", "refund_due"]).exists()
