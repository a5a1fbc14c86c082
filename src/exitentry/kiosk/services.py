"""Self-service kiosks: devices, ID scan, instant endorsements in one visit, form printing.

Instant endorsement state machine (`models.ENDORSEMENT_TRANSITIONS`)::

    awaiting_payment ──paid──► paid ──► printing ──► issued
          │                     │          │
          └─► payment_timed_out └──────────┴──► refund_due ──► refunded
                    │ (payment arrives late)        ▲
                    └───────────────────────────────┘

Money is never kept without an endorsement: a printer fault, a payment that arrives after the
kiosk gave up, or a paid endorsement left unprinted (`sweep_instant_endorsements`, a periodic
task) all lead to `refund_due`, and the refund is requested through the payments app in the same
transaction that moves the endorsement to `refunded`. Every move is a conditional UPDATE on the
expected status and writes its audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import Role, User
from exitentry.accounts.services import require_role, service_point_ids_in_scope
from exitentry.applications.adapters import (
    FaceVerificationUnavailable,
    InformationSharingUnavailable,
    PersonFacts,
    face_verification,
    information_sharing,
)
from exitentry.audit.services import record_event
from exitentry.catalog import services as catalog_services
from exitentry.catalog.models import Channel as CatalogChannel
from exitentry.catalog.models import Service, VerificationSource
from exitentry.core import clock
from exitentry.core.errors import Conflict, DomainError, InvalidInput, InvalidTransition, NotFound
from exitentry.identity.models import ENDORSABLE_TYPES, HeldDocument, HeldDocumentStatus, Person
from exitentry.identity.services import update_held_document
from exitentry.kiosk import adapters
from exitentry.kiosk.models import (
    ENDORSEMENT_TRANSITIONS,
    REPORTABLE_STATUSES,
    DeviceStatus,
    EndorsementBasis,
    EndorsementStatus,
    InstantEndorsement,
    InstantEndorsementRule,
    KioskDevice,
    KioskPolicy,
)
from exitentry.kiosk.mrz_ocr import MrzImageUnreadable, MrzReading, read_mrz_image
from exitentry.payments import services as payments
from exitentry.payments.gateways.base import PaymentRequest
from exitentry.payments.models import Channel as PaymentChannel
from exitentry.payments.models import Order, OrderStatus
from exitentry.photos.services import BestChoice, choose_best_photo
from exitentry.servicepoints.models import ServicePoint

ORDER_SUBJECT = "kiosk_endorsement"
PAYMENT_CHANNEL = PaymentChannel.WECHAT_PAY
DEVICE_ADMIN_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)
DEVICE_VIEW_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)
ENTERPRISE_FILING_MATERIAL = "enterprise_filing"


# --- Errors --------------------------------------------------------------------------------------


class KioskPolicyNotSet(Conflict):
    code = "kiosk_policy_not_set"
    default_message = _("No kiosk policy is in force. An administrator must add one.")


class DeviceNotRegistered(DomainError):
    status = 401
    code = "kiosk_device_not_registered"
    default_message = _("This device is not registered as a kiosk, or its token was withdrawn.")


class InvalidDeviceStatus(InvalidInput):
    code = "invalid_device_status"
    default_message = _("A device may report only: ok, out_of_paper or printer_jam.")


class DeviceCodeTaken(Conflict):
    code = "device_code_taken"
    default_message = _("A kiosk with this code is already registered.")


class ServicePointNotFound(NotFound):
    code = "service_point_not_found"
    default_message = _("There is no such service point.")


class CardUnreadable(DomainError):
    status = 422
    code = "card_unreadable"
    default_message = _(
        "The identity card could not be read. Take it out, check that it is your own valid card "
        "and insert it again, chip side down. If it still fails, please go to a window."
    )


class MrzUnreadable(DomainError):
    status = 422
    code = "mrz_unreadable"
    default_message = _(
        "The machine-readable lines of the passport could not be read. Lay the data page flat "
        "on the scanner glass, hold still and try again."
    )


class NoValidPermit(InvalidInput):
    code = "no_valid_permit"
    default_message = _(
        "You hold no valid Hong Kong/Macau or Taiwan travel permit, so no endorsement can be issued here."
    )


class ExitRestricted(InvalidInput):
    code = "self_service_not_available"
    default_message = _("Self-service is not available for you. Please go to a window.")


class EndorsementNotOffered(InvalidInput):
    code = "endorsement_not_offered"
    default_message = _("This endorsement cannot be issued at a kiosk for you.")


class FaceCheckFailed(InvalidInput):
    code = "face_check_failed"
    default_message = _("Your face did not match the photo on record. Please go to a window.")


class FaceCheckUnavailable(DomainError):
    status = 503
    code = "face_check_unavailable"
    default_message = _("The face check is not available just now. Please try again in a few minutes.")


class EndorsementInProgress(Conflict):
    code = "endorsement_in_progress"
    default_message = _("An endorsement for this permit is already being issued.")


class EndorsementNotFound(NotFound):
    code = "endorsement_not_found"
    default_message = _("There is no such endorsement visit.")


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_message = _("This idempotency key was already used for a different request.")


# --- Policy --------------------------------------------------------------------------------------


def current_policy(on: dt.date | None = None) -> KioskPolicy:
    policy = KioskPolicy.objects.filter(effective_from__lte=on or clock.today()).first()
    if policy is None:
        raise KioskPolicyNotSet()
    return policy


def instant_rules(on: dt.date) -> list[InstantEndorsementRule]:
    rules = InstantEndorsementRule.objects.filter(effective_from__lte=on).filter(
        models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=on)
    )
    newest: dict[str, InstantEndorsementRule] = {}
    for rule in rules.order_by("endorsement_type", "-effective_from"):
        newest.setdefault(rule.endorsement_type, rule)
    return list(newest.values())


# --- Devices -------------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_for_token(token: str | None) -> KioskDevice | None:
    if not token or len(token) > 200:
        return None
    return (
        KioskDevice.objects.select_related("service_point")
        .filter(token_hash=hash_token(token), is_active=True)
        .first()
    )


def require_device(token: str | None) -> KioskDevice:
    device = device_for_token(token)
    if device is None:
        raise DeviceNotRegistered()
    return device


def _require_point_in_scope(user: User, service_point_id: int) -> None:
    scope = service_point_ids_in_scope(user)
    if scope is not None and service_point_id not in scope:
        raise ServicePointNotFound(service_point=service_point_id)


@dataclass(frozen=True)
class IssuedDevice:
    device: KioskDevice
    token: str  # shown once; only its hash is kept


def register_device(
    *,
    actor: User,
    service_point_id: int,
    code: str,
    name: str,
    idle_timeout_seconds: int | None = None,
    request: HttpRequest | None = None,
) -> IssuedDevice:
    """Register a kiosk at a service point and issue its token (shown once, stored hashed)."""
    require_role(actor, *DEVICE_ADMIN_ROLES)
    point = ServicePoint.objects.filter(pk=service_point_id).first()
    if point is None:
        raise ServicePointNotFound(service_point=service_point_id)
    _require_point_in_scope(actor, point.pk)
    code, name = (code or "").strip().lower(), (name or "").strip()
    if not code or not name or len(code) > 40 or len(name) > 100:
        raise InvalidInput(field="code" if not code or len(code) > 40 else "name")
    timeout = idle_timeout_seconds or current_policy().default_idle_timeout_seconds
    if not 15 <= timeout <= 3600:
        raise InvalidInput(field="idle_timeout_seconds", minimum=15, maximum=3600)
    token = "kd_" + secrets.token_urlsafe(32)
    now = clock.now()
    try:
        with transaction.atomic():
            device = KioskDevice.objects.create(
                code=code,
                name=name,
                service_point=point,
                token_hash=hash_token(token),
                token_hint=token[-4:],
                idle_timeout_seconds=timeout,
                registered_by=actor,
                created_at=now,
                updated_at=now,
            )
            record_event(
                "kiosk.device_registered",
                actor=actor,
                obj=device,
                request=request,
                after={"code": code, "service_point": point.code, "idle_timeout_seconds": timeout},
            )
    except IntegrityError as error:
        raise DeviceCodeTaken(code=code) from error
    return IssuedDevice(device=device, token=token)


def record_heartbeat(device: KioskDevice, *, status: str, request: HttpRequest | None = None) -> KioskDevice:
    """A device says it is alive and how its printer is; a change of status is audited."""
    if status not in REPORTABLE_STATUSES:
        raise InvalidDeviceStatus(status=status, allowed=list(REPORTABLE_STATUSES))
    now = clock.now()
    with transaction.atomic():
        previous = (
            KioskDevice.objects.select_for_update()
            .filter(pk=device.pk)
            .values_list("status", flat=True)
            .get()
        )
        KioskDevice.objects.filter(pk=device.pk).update(status=status, last_heartbeat_at=now, updated_at=now)
        if previous != status:
            record_event(
                "kiosk.device_status_changed",
                actor=f"kiosk:{device.code}",
                obj=device,
                request=request,
                before={"status": previous},
                after={"status": status},
            )
    device.refresh_from_db()
    return device


def flag_offline_devices(now: dt.datetime | None = None) -> int:
    """Mark `offline` every active device silent for longer than the policy allows."""
    now = now or clock.now()
    cutoff = now - dt.timedelta(minutes=current_policy(clock.to_local(now).date()).offline_after_minutes)
    silent = (
        KioskDevice.objects.filter(is_active=True)
        .exclude(status=DeviceStatus.OFFLINE)
        .filter(
            models.Q(last_heartbeat_at__lt=cutoff)
            | models.Q(last_heartbeat_at__isnull=True, created_at__lt=cutoff)
        )
    )
    flagged = 0
    for device_id, previous in silent.values_list("pk", "status"):
        with transaction.atomic():
            changed = (
                KioskDevice.objects.filter(pk=device_id, status=previous)
                .filter(models.Q(last_heartbeat_at__lt=cutoff) | models.Q(last_heartbeat_at__isnull=True))
                .update(status=DeviceStatus.OFFLINE, updated_at=now)
            )
            if changed:
                flagged += 1
                record_event(
                    "kiosk.device_status_changed",
                    actor="system",
                    object_type="kiosk.kioskdevice",
                    object_id=device_id,
                    before={"status": previous},
                    after={"status": DeviceStatus.OFFLINE.value},
                    reason="no_heartbeat",
                )
    return flagged


def devices_for(user: User) -> models.QuerySet[KioskDevice]:
    """The devices an officer may see: those of their own service points."""
    require_role(user, *DEVICE_VIEW_ROLES)
    devices = KioskDevice.objects.select_related("service_point").filter(is_active=True)
    scope = service_point_ids_in_scope(user)
    if scope is not None:
        devices = devices.filter(service_point_id__in=scope)
    return devices.order_by("service_point__code", "code")


def endorsements_for(user: User, *, problems_only: bool = False) -> models.QuerySet[InstantEndorsement]:
    require_role(user, *DEVICE_VIEW_ROLES)
    rows = InstantEndorsement.objects.select_related("device", "person")
    scope = service_point_ids_in_scope(user)
    if scope is not None:
        rows = rows.filter(device__service_point_id__in=scope)
    if problems_only:
        rows = rows.exclude(failure_code="")
    return rows.order_by("-created_at")


# --- Reading documents ---------------------------------------------------------------------------


def read_card(slot: str) -> adapters.CardData:
    """Read the inserted resident identity card; `CardUnreadable` when the chip does not answer."""
    try:
        return adapters.card_reader().read(slot)
    except adapters.CardReadFailed as error:
        raise CardUnreadable() from error


def read_passport(image_bytes: bytes) -> MrzReading:
    """Read and validate a passport's MRZ from a camera image; `MrzUnreadable` otherwise."""
    try:
        return read_mrz_image(image_bytes)
    except MrzImageUnreadable as error:
        raise MrzUnreadable(reason=error.reason) from error


def person_for_card(card: adapters.CardData) -> Person | None:
    return Person.objects.filter(id_number=card.id_number).select_related("household_city").first()


# --- Instant endorsements: eligibility -----------------------------------------------------------


def _facts(person: Person) -> PersonFacts:
    city = person.household_city
    return PersonFacts(
        id_number=person.id_number or "",
        full_name=person.full_name,
        household_city_code=city.code if city else "",
    )


@dataclass(frozen=True)
class EndorsementOption:
    service_code: str
    endorsement_type: str
    name: str
    entries: str
    fee: Decimal
    basis: str
    available: bool
    reason: str = ""  # why not, in the person's language
    basis_reference: str = ""


@dataclass(frozen=True)
class Eligibility:
    permit: HeldDocument
    options: list[EndorsementOption]


def valid_permit(person: Person, on: dt.date | None = None) -> HeldDocument:
    if person.exit_restricted:
        raise ExitRestricted()
    permit = (
        HeldDocument.objects.filter(
            person=person,
            document_type__in=[str(kind) for kind in ENDORSABLE_TYPES],
            status=HeldDocumentStatus.VALID,
            expires_on__gte=on or clock.today(),
        )
        .order_by("document_type", "-issued_on")
        .first()
    )
    if permit is None:
        raise NoValidPermit()
    return permit


def _held_before(person: Person, document_type: str) -> set[str]:
    codes: set[str] = set()
    for endorsements in HeldDocument.objects.filter(person=person, document_type=document_type).values_list(
        "endorsements", flat=True
    ):
        codes.update(endorsements or [])
    return codes


def eligibility(person: Person, *, on: dt.date | None = None) -> Eligibility:
    """Which endorsements this person can get at a kiosk today, and why the others not."""
    on = on or clock.today()
    permit = valid_permit(person, on)
    held = _held_before(person, permit.document_type)
    services = {
        service.endorsement_type.code: service
        for service in Service.objects.filter(
            is_active=True, document_type__code=permit.document_type, endorsement_type__isnull=False
        ).select_related("endorsement_type")
        if service.endorsement_type is not None and CatalogChannel.KIOSK in (service.channels or [])
    }
    options = []
    for rule in instant_rules(on):
        service = services.get(rule.endorsement_type)
        if service is None:
            continue
        assert service.endorsement_type is not None
        fee = catalog_services.fee_for(service, on=on)
        available, reason, reference = True, "", ""
        if rule.basis == EndorsementBasis.REPEAT:
            if rule.endorsement_type not in held:
                available, reason = False, str(_("Only an endorsement you have held before is issued here."))
        else:
            try:
                answer = information_sharing().confirm(
                    source=VerificationSource.ENTERPRISE_LICENCE,
                    material=ENTERPRISE_FILING_MATERIAL,
                    person=_facts(person),
                )
            except InformationSharingUnavailable:
                available = False
                reason = str(
                    _("The enterprise register did not answer. Please try again later or go to a window.")
                )
            else:
                if answer.confirmed:
                    reference = answer.reference
                else:
                    available = False
                    reason = str(_("No verified enterprise filing was found for you."))
        options.append(
            EndorsementOption(
                service_code=service.code,
                endorsement_type=rule.endorsement_type,
                name=service.name,
                entries=fee.entries or service.endorsement_type.default_entries,
                fee=fee.amount,
                basis=rule.basis,
                available=available,
                reason=reason,
                basis_reference=reference,
            )
        )
    options.sort(key=lambda option: (not option.available, option.service_code))
    return Eligibility(permit=permit, options=options)


def verify_face(person: Person) -> str:
    """The kiosk camera's live face check against the photo on record; the check's reference."""
    adapter = face_verification()
    try:
        started = adapter.start(person=_facts(person), return_url="")
        if started.redirect_url is not None or not adapter.passed(
            person=_facts(person), reference=started.reference
        ):
            raise FaceCheckFailed()
    except FaceVerificationUnavailable as error:
        raise FaceCheckUnavailable() from error
    return started.reference


# --- Instant endorsements: the visit ---------------------------------------------------------------


def _move(endorsement: InstantEndorsement, to: str, *, actor: Any, **fields: Any) -> bool:
    """Move `endorsement` to `to` if it is still where it was read; audit in the same transaction."""
    before = endorsement.status
    if to not in ENDORSEMENT_TRANSITIONS[before]:
        raise InvalidTransition(endorsement=endorsement.number, status=before, to=to)
    now = clock.now()
    changed = InstantEndorsement.objects.filter(pk=endorsement.pk, status=before).update(
        status=to, updated_at=now, **fields
    )
    if not changed:
        return False
    for name, value in fields.items():
        setattr(endorsement, name, value)
    endorsement.status, endorsement.updated_at = to, now
    extra = {"failure": fields["failure_code"]} if fields.get("failure_code") else {}
    record_event(
        "kiosk.endorsement_status_changed",
        actor=actor,
        obj=endorsement,
        before={"status": before},
        after={"status": to},
        **extra,
    )
    return True


def _new_number() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "KE" + clock.today().strftime("%y%m%d") + "".join(secrets.choice(alphabet) for _ in range(8))


def start_instant_endorsement(
    *,
    device: KioskDevice,
    person: Person,
    service_code: str,
    face_check_reference: str,
    idempotency_key: str,
    base_url: str,
    request: HttpRequest | None = None,
) -> tuple[InstantEndorsement, PaymentRequest]:
    """Check eligibility again, open the endorsement and its payment order; the QR to pay with."""
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 100:
        raise InvalidInput(field="idempotency_key")
    existing = InstantEndorsement.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.person_id != person.pk or existing.service_code != service_code:
            raise IdempotencyKeyReused()
        return existing, _payment_request(existing, base_url=base_url, device=device)
    if not face_check_reference or not face_verification().passed(
        person=_facts(person), reference=face_check_reference
    ):
        raise FaceCheckFailed()
    found = eligibility(person)
    option = next((item for item in found.options if item.service_code == service_code), None)
    if option is None or not option.available:
        raise EndorsementNotOffered(service=service_code, reason=option.reason if option else "")
    policy = current_policy()
    now = clock.now()
    try:
        with transaction.atomic():
            endorsement = InstantEndorsement.objects.create(
                number=_new_number(),
                device=device,
                person=person,
                permit=found.permit,
                service_code=option.service_code,
                endorsement_type=option.endorsement_type,
                entries=option.entries,
                basis=option.basis,
                basis_reference=option.basis_reference,
                fee=option.fee,
                face_check_reference=face_check_reference[:100],
                idempotency_key=key,
                created_at=now,
                payment_due_at=now + dt.timedelta(seconds=policy.payment_wait_seconds),
                updated_at=now,
            )
            order = payments.create_order(
                payer=person,
                lines=[(option.name, option.fee, endorsement.number)],
                subject_type=ORDER_SUBJECT,
                subject_id=endorsement.number,
                channel=PAYMENT_CHANNEL,
                idempotency_key=f"kiosk-{endorsement.number}",
            )
            endorsement.order_number = order.number
            endorsement.save(update_fields=["order_number"])
            record_event(
                "kiosk.endorsement_started",
                actor=f"kiosk:{device.code}",
                obj=endorsement,
                request=request,
                after={
                    "status": endorsement.status,
                    "endorsement_type": endorsement.endorsement_type,
                    "permit": found.permit.masked_number,
                    "basis": endorsement.basis,
                    "fee": f"{endorsement.fee:.2f}",
                    "order": order.number,
                },
            )
    except IntegrityError as error:
        if InstantEndorsement.objects.filter(idempotency_key=key).exists():
            return start_instant_endorsement(
                device=device,
                person=person,
                service_code=service_code,
                face_check_reference=face_check_reference,
                idempotency_key=key,
                base_url=base_url,
                request=request,
            )
        raise EndorsementInProgress() from error
    return endorsement, _payment_request(endorsement, base_url=base_url, device=device)


def _payment_request(
    endorsement: InstantEndorsement, *, base_url: str, device: KioskDevice
) -> PaymentRequest:
    order = Order.objects.get(number=endorsement.order_number)
    if order.payment_url and order.status == OrderStatus.PENDING:
        return PaymentRequest(url=order.payment_url, qr_payload=order.qr_payload)
    return payments.start_payment(order, actor=f"kiosk:{device.code}", base_url=base_url)


def endorsement_at(device: KioskDevice, number: str) -> InstantEndorsement:
    endorsement = (
        InstantEndorsement.objects.select_related("permit", "device")
        .filter(number=number, device=device)
        .first()
    )
    if endorsement is None:
        raise EndorsementNotFound(number=number)
    return endorsement


def on_order_paid(order: Order) -> None:
    """Payments' handler, inside the transaction that records the payment."""
    endorsement = InstantEndorsement.objects.select_for_update().filter(number=order.subject_id).first()
    if endorsement is None:
        return
    if endorsement.status == EndorsementStatus.AWAITING_PAYMENT:
        _move(endorsement, EndorsementStatus.PAID, actor="payments", paid_at=clock.now())
    elif endorsement.status == EndorsementStatus.PAYMENT_TIMED_OUT:
        # The person paid after the kiosk gave up: the money goes back.
        _move(
            endorsement,
            EndorsementStatus.REFUND_DUE,
            actor="payments",
            paid_at=clock.now(),
            failure_code="late_payment",
        )
        transaction.on_commit(partial(_enqueue_refund, endorsement.pk))


def on_order_expired(order: Order) -> None:
    endorsement = InstantEndorsement.objects.select_for_update().filter(number=order.subject_id).first()
    if endorsement is not None and endorsement.status == EndorsementStatus.AWAITING_PAYMENT:
        _move(
            endorsement, EndorsementStatus.PAYMENT_TIMED_OUT, actor="payments", failure_code="payment_timeout"
        )


def _enqueue_refund(endorsement_id: int) -> None:
    from exitentry.kiosk.tasks import refund_instant_endorsement

    refund_instant_endorsement.enqueue(endorsement_id)


def time_out_payment(endorsement: InstantEndorsement, *, now: dt.datetime | None = None) -> bool:
    """The kiosk stops waiting for a payment that is overdue; a later payment is refunded."""
    now = now or clock.now()
    if endorsement.status != EndorsementStatus.AWAITING_PAYMENT or endorsement.payment_due_at > now:
        return False
    with transaction.atomic():
        return _move(
            endorsement, EndorsementStatus.PAYMENT_TIMED_OUT, actor="system", failure_code="payment_timeout"
        )


def issue_endorsement(endorsement: InstantEndorsement, *, actor: Any) -> InstantEndorsement:
    """Print a paid endorsement on the permit and record it the same day; refund on a printer fault."""
    with transaction.atomic():
        claimed = endorsement.status == EndorsementStatus.PAID and _move(
            endorsement, EndorsementStatus.PRINTING, actor=actor
        )
    if not claimed:
        endorsement.refresh_from_db()
        return endorsement
    job = adapters.EndorsementPrintJob(
        device_code=endorsement.device.code,
        permit_number=endorsement.permit.number,
        endorsement_type=endorsement.endorsement_type,
        entries=endorsement.entries,
        issued_on=clock.today(),
        reference=endorsement.number,
    )
    try:
        adapters.printer().print_endorsement(job)
    except adapters.PrinterFault as fault:
        with transaction.atomic():
            _move(endorsement, EndorsementStatus.REFUND_DUE, actor=actor, failure_code=fault.code)
        return refund_endorsement(endorsement, actor=actor)
    with transaction.atomic():
        permit = HeldDocument.objects.select_for_update().get(pk=endorsement.permit_id)
        if endorsement.endorsement_type not in (permit.endorsements or []):
            permit.endorsements = [*(permit.endorsements or []), endorsement.endorsement_type]
            update_held_document(permit, actor=actor, changed_fields=["endorsements"])
        _move(endorsement, EndorsementStatus.ISSUED, actor=actor, issued_at=clock.now())
    return endorsement


def refund_endorsement(endorsement: InstantEndorsement, *, actor: Any) -> InstantEndorsement:
    """Return the money of an endorsement that will not be issued (idempotent)."""
    with transaction.atomic():
        locked = InstantEndorsement.objects.select_for_update().get(pk=endorsement.pk)
        if locked.status != EndorsementStatus.REFUND_DUE:
            endorsement.refresh_from_db()
            return endorsement
        order = Order.objects.filter(number=locked.order_number).first()
        if order is not None and order.status == OrderStatus.PAID:
            payments.refund_order(
                order,
                reason=f"kiosk endorsement {locked.number} not issued: {locked.failure_code}",
                actor=actor,
            )
        _move(locked, EndorsementStatus.REFUNDED, actor=actor, refunded_at=clock.now())
    endorsement.refresh_from_db()
    return endorsement


def advance(endorsement: InstantEndorsement, *, actor: Any) -> InstantEndorsement:
    """What the kiosk does while the person waits: print once paid, give up once overdue."""
    endorsement.refresh_from_db()
    if endorsement.status == EndorsementStatus.PAID:
        return issue_endorsement(endorsement, actor=actor)
    if endorsement.status == EndorsementStatus.AWAITING_PAYMENT:
        time_out_payment(endorsement)
    return endorsement


def sweep_instant_endorsements(now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic safety net: time out overdue payments, refund what is paid but not issued."""
    now = now or clock.now()
    policy = current_policy(clock.to_local(now).date())
    stuck_before = now - dt.timedelta(minutes=policy.stuck_after_minutes)
    counts = {"timed_out": 0, "refunded": 0}
    for endorsement in InstantEndorsement.objects.filter(
        status=EndorsementStatus.AWAITING_PAYMENT, payment_due_at__lte=now
    ):
        counts["timed_out"] += time_out_payment(endorsement, now=now)
    stuck = InstantEndorsement.objects.filter(
        status__in=[EndorsementStatus.PAID, EndorsementStatus.PRINTING], updated_at__lt=stuck_before
    )
    for endorsement in stuck:
        with transaction.atomic():
            moved = _move(
                endorsement, EndorsementStatus.REFUND_DUE, actor="system", failure_code="not_printed"
            )
        if not moved:
            continue
    for endorsement in InstantEndorsement.objects.filter(status=EndorsementStatus.REFUND_DUE):
        refunded = refund_endorsement(endorsement, actor="system")
        counts["refunded"] += refunded.status == EndorsementStatus.REFUNDED
    return counts


# --- Form printing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormFacts:
    """What the kiosk read from the person's documents, to pre-fill the application form."""

    full_name: str = ""
    sex: str = ""
    ethnicity: str = ""
    birth_date: dt.date | None = None
    address: str = ""
    id_number: str = ""
    passport_number: str = ""
    passport_expiry: dt.date | None = None
    latin_name: str = ""


def facts_from_card(card: adapters.CardData) -> FormFacts:
    return FormFacts(
        full_name=card.full_name,
        sex=card.sex,
        ethnicity=card.ethnicity,
        birth_date=card.birth_date,
        address=card.address,
        id_number=card.id_number,
    )


def facts_with_passport(facts: FormFacts, reading: MrzReading) -> FormFacts:
    check = reading.check
    latin = " ".join(part for part in (check.surname, check.given_names) if part)
    return FormFacts(
        full_name=facts.full_name or latin,
        sex=facts.sex or (check.sex if check.sex in ("M", "F") else ""),
        ethnicity=facts.ethnicity,
        birth_date=facts.birth_date or check.birth_date,
        address=facts.address,
        id_number=facts.id_number,
        passport_number=check.document_number or "",
        passport_expiry=check.expiry_date,
        latin_name=latin,
    )


def application_form_pdf(facts: FormFacts, *, device: KioskDevice) -> bytes:
    """The exit-entry application form, pre-filled from the scan (embedded CJK font)."""
    from exitentry.core import pdf

    sexes = {"M": str(_("Male")), "F": str(_("Female"))}
    style = pdf.styles()
    rows = [
        (str(_("Full name")), facts.full_name),
        (str(_("Name in Latin letters")), facts.latin_name),
        (str(_("Sex")), sexes.get(facts.sex, "")),
        (str(_("Ethnicity")), facts.ethnicity),
        (str(_("Birth date")), facts.birth_date.isoformat() if facts.birth_date else ""),
        (str(_("Resident ID number")), facts.id_number),
        (str(_("Address")), facts.address),
        (str(_("Passport number")), facts.passport_number),
        (str(_("Passport valid until")), facts.passport_expiry.isoformat() if facts.passport_expiry else ""),
        (str(_("Contact phone")), ""),
        (str(_("Documents applied for")), ""),
    ]
    title = str(_("Application form for exit-entry documents"))
    story = [
        pdf.paragraph(title, style["title"]),
        pdf.paragraph(
            str(_("Filled in at self-service device %(device)s, %(point)s, on %(date)s."))
            % {"device": device.name, "point": device.service_point.name, "date": clock.today().isoformat()},
            style["small"],
        ),
        pdf.key_value_table(rows),
        pdf.paragraph(
            str(_("I declare that the information above is true. Signature: ____________________")),
            style["body"],
        ),
    ]
    data: bytes = pdf.build_pdf(title=title, story=story)
    return data


def record_alive(device: KioskDevice) -> None:
    """The kiosk page is open and answering: refresh the heartbeat; an offline device is back."""
    now = clock.now()
    with transaction.atomic():
        KioskDevice.objects.filter(pk=device.pk).update(last_heartbeat_at=now, updated_at=now)
        came_back = KioskDevice.objects.filter(pk=device.pk, status=DeviceStatus.OFFLINE).update(
            status=DeviceStatus.OK
        )
        if came_back:
            record_event(
                "kiosk.device_status_changed",
                actor=f"kiosk:{device.code}",
                obj=device,
                before={"status": DeviceStatus.OFFLINE.value},
                after={"status": DeviceStatus.OK.value},
            )


# --- Photos --------------------------------------------------------------------------------------


def choose_photo(shots: list[bytes]) -> BestChoice:
    """The best of a burst of shots, cropped to the passport format, with reasons for the others."""
    return choose_best_photo(shots, spec_code="passport")
