"""Courier delivery: booking a shipment on dispatch, recording the courier's scans, delivering.

- `book_shipment` asks the courier adapter for a booking (idempotent on the item: the reference
  is `item-<id>`), outside any transaction since it is a call to the outside world.
- `record_scan` stores one scan (unique per shipment and scan code, so a repeated report is
  stored once), moves the shipment forward only, and on "delivered" moves the item to
  `delivered` and registers the issued document in identity, all in one transaction. A scan for
  an item already delivered changes nothing.
- `poll_shipments` (a periodic task) asks the adapter for the scans of every open outbound
  shipment; `verify_callback` checks the HMAC signature of a courier that pushes its scans instead.

Both directions for endorsements: an applicant who holds the permit may send it IN by courier
(`Application.permit_by_mail`, only with the result mailed back). `send_permit` records the
applicant's own courier and tracking number as an inbound shipment (the hall's address is shown
to them); `receive_permit` is the officer's record that the permit arrived: the inbound shipment
is delivered, each endorsement item waiting for that permit is stamped `permit_received_at`, an
item already approved goes to production, and the applicant is told. An endorsement item waiting
for its permit cannot go to production before that (`PermitNotReceived`, 409).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.applications import issuance, lifecycle
from exitentry.applications.adapters import (
    CourierScan,
    CourierUnavailable,
    ShipmentRequest,
    courier,
)
from exitentry.applications.models import (
    SHIPMENT_ORDER,
    ApplicationItem,
    ItemStatus,
    Shipment,
    ShipmentDirection,
    ShipmentEvent,
    ShipmentStatus,
)
from exitentry.audit.services import record_event
from exitentry.core import clock
from exitentry.core.errors import Conflict, DomainError, InvalidInput, NotFound

logger = logging.getLogger(__name__)


class CourierNotAvailable(DomainError):
    status = 503
    code = "courier_unavailable"
    default_message = _("The courier cannot take the booking now. Please try again in a few minutes.")


class UnknownShipment(NotFound):
    code = "shipment_not_found"
    default_message = _("No shipment has this tracking number.")


class UnknownScan(InvalidInput):
    code = "unknown_courier_event"
    default_message = _("The courier event must be picked_up, in_transit, out_for_delivery or delivered.")


class BadCourierSignature(DomainError):
    status = 401
    code = "bad_signature"
    default_message = _("The courier callback signature does not match.")


class PermitNotReceived(Conflict):
    code = "permit_not_received"
    default_message = _(
        "The applicant's permit has not arrived yet: record its receipt before the endorsement is made."
    )


class PermitNotExpected(Conflict):
    code = "permit_not_expected"
    default_message = _("This item does not wait for a permit sent in by courier.")


class PermitAlreadyReceived(Conflict):
    code = "permit_already_received"
    default_message = _("The hall has already received this permit.")


class TrackingNumberTaken(Conflict):
    code = "tracking_number_taken"
    default_message = _("This tracking number is already used for another parcel. Check it and try again.")


@dataclass(frozen=True)
class Booking:
    courier: str
    tracking_number: str


def book_shipment(item: ApplicationItem) -> Booking:
    """Book the courier for `item` (a retry returns the same booking); raises 503 when it is down."""
    existing = Shipment.objects.filter(item_id=item.pk, direction=ShipmentDirection.OUTBOUND).first()
    if existing is not None:
        return Booking(existing.courier, existing.tracking_number)
    application = item.application
    try:
        booking = courier().book(
            ShipmentRequest(
                reference=f"item-{item.pk}",
                recipient_name=application.full_name,
                phone=application.phone,
                address=application.delivery_address,
            )
        )
    except CourierUnavailable as error:
        logger.warning("courier booking failed for item %s: %s", item.pk, error)
        raise CourierNotAvailable(item=item.pk) from error
    return Booking(booking.courier[:60], booking.tracking_number.strip().upper()[:40])


def create_shipment(item: ApplicationItem, booking: Booking, *, actor: Any) -> Shipment:
    """The shipment row for a dispatched item (call inside the dispatching transaction)."""
    now = clock.now()
    shipment, _created = Shipment.objects.get_or_create(
        item=item,
        direction=ShipmentDirection.OUTBOUND,
        defaults={
            "courier": booking.courier,
            "tracking_number": booking.tracking_number,
            "address": item.application.delivery_address,
            "booked_at": now,
            "updated_at": now,
        },
    )
    return shipment


def _rank(code: str) -> int:
    return SHIPMENT_ORDER.index(code)


def record_scan(
    tracking_number: str, scan: CourierScan, *, actor: Any = "courier", request: HttpRequest | None = None
) -> bool:
    """Store a courier scan; True when it was new. "delivered" delivers the item (once)."""
    if scan.code not in SHIPMENT_ORDER or scan.code == ShipmentStatus.BOOKED:
        raise UnknownScan(field="event")
    now = clock.now()
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update()
            .select_related("item")
            .filter(tracking_number=tracking_number.strip().upper())
            .first()
        )
        if shipment is None:
            raise UnknownShipment(tracking_number=tracking_number)
        try:
            with transaction.atomic():
                ShipmentEvent.objects.create(
                    shipment=shipment,
                    code=scan.code,
                    at=scan.at,
                    location=scan.location[:120],
                    received_at=now,
                )
        except IntegrityError:
            return False  # reported before
        updates: dict[str, Any] = {"updated_at": now}
        if _rank(scan.code) > _rank(shipment.status):
            updates["status"] = scan.code
        if scan.code == ShipmentStatus.DELIVERED:
            updates["delivered_at"] = scan.at
        Shipment.objects.filter(pk=shipment.pk).update(**updates)
        record_event(
            "applications.courier_scan",
            actor=actor,
            object_type="applications.shipment",
            object_id=shipment.pk,
            request=request,
            item=shipment.item_id,
            event=scan.code,
        )
        if scan.code == ShipmentStatus.DELIVERED and shipment.direction == ShipmentDirection.OUTBOUND:
            # An inbound parcel is only received when an officer says so (`receive_permit`).
            deliver(shipment.item, actor=actor, request=request)
    return True


def deliver(item: ApplicationItem, *, actor: Any, request: HttpRequest | None = None) -> ApplicationItem:
    """The courier handed the document over: item → delivered and identity updated; idempotent."""
    with transaction.atomic():
        item.refresh_from_db(fields=["status"])
        if item.status == ItemStatus.DISPATCHED:
            item = lifecycle.apply_transition(
                item, ItemStatus.DELIVERED, action="delivered", actor=actor, request=request
            )
            _notify_on_commit(item, "delivered")
        if item.status == ItemStatus.DELIVERED:
            issuance.register_issued(item, actor=actor, request=request)
    return item


def poll_shipments(now: dt.datetime | None = None) -> dict[str, int]:
    """Ask the courier for the scans of every shipment not yet delivered and record the new ones."""
    now = now or clock.now()
    adapter = courier()
    checked = recorded = 0
    # Inbound parcels travel with the applicant's own courier: nothing to ask our adapter.
    open_shipments = (
        Shipment.objects.filter(direction=ShipmentDirection.OUTBOUND)
        .exclude(status=ShipmentStatus.DELIVERED)
        .order_by("booked_at")
    )
    for shipment in open_shipments.iterator():
        checked += 1
        try:
            scans = adapter.events(
                tracking_number=shipment.tracking_number, booked_at=shipment.booked_at, now=now
            )
        except CourierUnavailable as error:
            logger.warning("courier tracking failed for %s: %s", shipment.tracking_number, error)
            continue
        for scan in sorted(scans, key=lambda s: _rank(s.code)):
            recorded += record_scan(shipment.tracking_number, scan)
    return {"checked": checked, "recorded": recorded}


def sign_callback(body: bytes) -> str:
    return hmac.new(settings.COURIER_CALLBACK_SECRET.encode(), body, hashlib.sha256).hexdigest()


def verify_callback(body: bytes, signature: str) -> None:
    secret = settings.COURIER_CALLBACK_SECRET
    if not secret or not hmac.compare_digest(sign_callback(body), (signature or "").strip().lower()):
        with transaction.atomic():
            record_event("applications.courier_callback_refused", actor="courier", reason="bad_signature")
        raise BadCourierSignature()


# --- The permit sent IN by the applicant, for endorsements ------------------------------------------

CLOSED_STATUSES = (ItemStatus.WITHDRAWN, ItemStatus.REJECTED, ItemStatus.EXPIRED)
# The applicant may still send the permit (or correct the tracking number) before production.
SEND_OPEN_STATUSES = (
    ItemStatus.SUBMITTED,
    ItemStatus.AWAITING_PAYMENT,
    ItemStatus.PAID,
    ItemStatus.UNDER_REVIEW,
    ItemStatus.NEEDS_MORE_MATERIALS,
    ItemStatus.APPROVED,
)


class CourierRequired(InvalidInput):
    code = "courier_required"
    default_message = _("Say which courier company carries your parcel.")


def waits_for_permit(item: ApplicationItem) -> bool:
    """An endorsement of a permit-by-mail application going on the permit the applicant holds
    (a new permit in the same application gets the endorsement directly)."""
    if not item.endorsement_type or not item.application.permit_by_mail:
        return False
    return not (
        ApplicationItem.objects.filter(
            application_id=item.application_id, document_type=item.document_type, endorsement_type=""
        )
        .exclude(status__in=CLOSED_STATUSES)
        .exists()
    )


def permit_received(item: ApplicationItem) -> bool:
    return ApplicationItem.objects.filter(pk=item.pk, permit_received_at__isnull=False).exists()


def _same_permit(item: ApplicationItem) -> Any:
    """The open endorsement items of the application that go on the same permit as `item`."""
    return (
        ApplicationItem.objects.filter(application_id=item.application_id, document_type=item.document_type)
        .exclude(endorsement_type="")
        .exclude(status__in=CLOSED_STATUSES)
    )


def inbound_shipment(item: ApplicationItem) -> Shipment | None:
    """The parcel carrying the permit for `item` (one per permit, whichever endorsement it hangs on)."""
    return (
        Shipment.objects.filter(
            direction=ShipmentDirection.INBOUND,
            item__application_id=item.application_id,
            item__document_type=item.document_type,
        )
        .order_by("pk")
        .first()
    )


def hall_address(item: ApplicationItem) -> str:
    point = item.application.service_point
    return f"{point.name}, {point.address}"[:300]


def send_permit(
    user: Any, item_id: int, *, courier: str, tracking_number: str, request: HttpRequest | None = None
) -> Shipment:
    """The applicant sent the permit to the hall with their own courier: record the parcel.

    Sending again before the hall received it corrects the courier or tracking number.
    """
    from exitentry.applications import services

    tracking_number = (tracking_number or "").strip().upper()
    courier = (courier or "").strip()
    if not services.TRACKING_NUMBER.fullmatch(tracking_number):
        raise services.InvalidTrackingNumber(field="tracking_number")
    if not 1 <= len(courier) <= 60:
        raise CourierRequired(field="courier")
    item = services.own_item(user, item_id)
    if not waits_for_permit(item):
        raise PermitNotExpected(item=item.pk)
    if item.permit_received_at is not None:
        raise PermitAlreadyReceived(item=item.pk)
    if item.status not in SEND_OPEN_STATUSES:
        raise PermitNotExpected(item=item.pk, status=item.status)
    now = clock.now()
    try:
        with transaction.atomic():
            if _same_permit(item).filter(permit_received_at__isnull=False).exists():
                raise PermitAlreadyReceived(item=item.pk)
            shipment = inbound_shipment(item)
            before = None
            if shipment is None:
                shipment = Shipment.objects.create(
                    item=item,
                    direction=ShipmentDirection.INBOUND,
                    courier=courier,
                    tracking_number=tracking_number,
                    address=hall_address(item),
                    status=ShipmentStatus.BOOKED,
                    booked_at=now,
                    updated_at=now,
                )
            else:
                before = {"courier": shipment.courier, "tracking_number": shipment.tracking_number}
                Shipment.objects.filter(pk=shipment.pk).update(
                    courier=courier, tracking_number=tracking_number, updated_at=now
                )
                shipment.refresh_from_db()
            record_event(
                "applications.permit_sent",
                actor=user,
                object_type="applications.shipment",
                object_id=shipment.pk,
                request=request,
                before=before,
                after={"courier": courier, "tracking_number": tracking_number},
                item=item.pk,
                application=item.application_id,
            )
    except IntegrityError as error:
        raise TrackingNumberTaken(field="tracking_number") from error
    return shipment


def receive_permit(user: Any, item_id: int, *, request: HttpRequest | None = None) -> ApplicationItem:
    """An officer records that the applicant's permit arrived at the hall.

    In one transaction: every open endorsement for that permit is stamped received (a conditional
    UPDATE, so a second officer gets 409 `permit_already_received`), the inbound parcel is delivered,
    the audit event written, approved items go to production, and the applicant is told.
    """
    from exitentry.applications import services

    item = services.item_for_officer(user, item_id)
    if not waits_for_permit(item):
        raise PermitNotExpected(item=item.pk)
    now = clock.now()
    with transaction.atomic():
        if item.permit_received_at is not None:
            raise PermitAlreadyReceived(item=item.pk)
        if item.status not in SEND_OPEN_STATUSES:
            raise PermitNotExpected(item=item.pk, status=item.status)
        waiting = list(
            _same_permit(item).filter(permit_received_at__isnull=True).values_list("pk", flat=True)
        )
        if item.pk not in waiting:
            raise PermitAlreadyReceived(item=item.pk)
        changed = ApplicationItem.objects.filter(pk__in=waiting, permit_received_at__isnull=True).update(
            permit_received_at=now
        )
        if changed != len(waiting):
            raise PermitAlreadyReceived(item=item.pk)
        shipment = inbound_shipment(item)
        if shipment is not None:
            ShipmentEvent.objects.get_or_create(
                shipment=shipment,
                code=ShipmentStatus.DELIVERED,
                defaults={
                    "at": now,
                    "location": item.application.service_point.name[:120],
                    "received_at": now,
                },
            )
            Shipment.objects.filter(pk=shipment.pk).update(
                status=ShipmentStatus.DELIVERED, delivered_at=now, updated_at=now
            )
        record_event(
            "applications.permit_received",
            actor=user,
            object_type="applications.applicationitem",
            object_id=item.pk,
            request=request,
            application=item.application_id,
            items=waiting,
            shipment=shipment.pk if shipment is not None else None,
        )
        for approved in ApplicationItem.objects.filter(pk__in=waiting, status=ItemStatus.APPROVED):
            services.start_production(approved, actor=user, request=request)
        _notify_on_commit(item, "permit_received")
    item.refresh_from_db()
    return item


def _notify_on_commit(item: ApplicationItem, template: str) -> None:
    from exitentry.applications import services

    services._notify_on_commit(item.application, template, item=item)
