"""Orders, payments and refunds: every change of money state happens here.

- `create_order` is idempotent on the caller's key: the same key gives the same order.
- `handle_callback` verifies a gateway's signature, checks the amount and applies the payment
  in ONE transaction with the subject's handler (`registry`), idempotent on the gateway's
  transaction id (a replay answers the same and applies nothing). A payment for an order that can
  no longer take it (expired, already paid) is recorded and returned: the refund path.
- `record_counter_payment` is the same for cash or card taken by an officer at a counter.
- `refund_order` returns a paid order's money, whole or line by line; the gateway is asked after
  commit (`submit_refund`, a task), so a slow payment service never holds a transaction open.
- `expire_unpaid_orders` closes orders whose time to pay (catalog rule
  `online_payment_window`) has passed.

Every change locks the order row first (`SELECT ... FOR UPDATE`; SQLite's IMMEDIATE transactions
serialise writers), moves the status with a conditional UPDATE, and writes its audit event in the
same transaction. Unique constraints back up what the locks promise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any
from urllib.parse import urljoin

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import STAFF_ROLES, Role, User
from exitentry.accounts.services import require_role
from exitentry.audit.services import record_event
from exitentry.catalog import services as catalog_services
from exitentry.catalog.models import PromiseScope, TimeUnit
from exitentry.core import clock
from exitentry.core.errors import Conflict, DomainError, InvalidInput, InvalidTransition, NotFound
from exitentry.identity.models import Person
from exitentry.payments import registry
from exitentry.payments.gateways.base import (
    CallbackEvent,
    CallbacksNotAccepted,
    InvalidSignature,
    MalformedCallback,
    PaymentRequest,
    get_gateway,
)
from exitentry.payments.models import (
    CURRENCY,
    ONLINE_CHANNELS,
    PAYABLE_STATUSES,
    REFUNDABLE_STATUSES,
    ZERO,
    Channel,
    CounterMethod,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentOutcome,
    Refund,
    RefundStatus,
)

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
MAX_ORDER_AMOUNT = Decimal("1000000.00")
MAX_LINES = 50
NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read out over the phone
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:\-]{1,100}")
RECEIPT_NUMBER = re.compile(r"[A-Za-z0-9\-]{1,40}")
# Who may take money at a counter and who may return it.
COUNTER_ROLES = (Role.OFFICER, Role.SUPERVISOR)
REFUND_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.MANAGER)


class OrderNotFound(NotFound):
    code = "order_not_found"
    default_message = _("There is no such payment order.")


class InvalidOrder(InvalidInput):
    code = "invalid_order"
    default_message = _("The payment order is not valid.")


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"
    default_message = _("This idempotency key was already used for a different payment order.")


class PaymentWindowNotSet(Conflict):
    code = "payment_window_not_set"
    default_message = _("The time allowed for payment is not set in the catalog.")


class AmountMismatch(Conflict):
    code = "amount_mismatch"
    default_message = _("The amount paid does not match the amount of the order.")


class OrderNotPayable(InvalidTransition):
    code = "order_not_payable"
    default_message = _("This order can no longer be paid.")


class OrderExpired(Conflict):
    code = "order_expired"
    default_message = _("The time to pay this order has passed.")


class OrderNotRefundable(InvalidTransition):
    code = "order_not_refundable"
    default_message = _("Only a paid order can be refunded.")


class NothingToRefund(Conflict):
    code = "nothing_to_refund"
    default_message = _("Everything chosen has already been refunded.")


class TransactionIdReused(Conflict):
    code = "transaction_id_reused"
    default_message = _("This transaction id was already used for another order.")


class ReceiptNumberReused(Conflict):
    code = "receipt_number_reused"
    default_message = _("This receipt number was already recorded for another order.")


@dataclass(frozen=True)
class CallbackOutcome:
    """What a callback did; a replay of the same transaction gets the same outcome."""

    order_number: str
    order_status: str
    outcome: str
    transaction_id: str
    replayed: bool = False


# ---------------------------------------------------------------------------------------------
# Helpers


def _number(prefix: str) -> str:
    suffix = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(10))
    return f"{prefix}{clock.today():%Y%m%d}{suffix}"


def _money(value: Any, *, field: str) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise InvalidOrder(field=field, problem="not_a_number") from error
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise InvalidOrder(field=field, problem="more_than_two_decimal_places")
    return amount.quantize(CENT)


def _payer(payer: Any) -> tuple[User | None, Person | None]:
    if isinstance(payer, User):
        return payer, payer.person
    if isinstance(payer, Person):
        return getattr(payer, "account", None), payer
    raise InvalidOrder(field="payer", problem="not_a_user_or_person")


def _clean_lines(lines: Sequence[tuple[str, Any, str]]) -> list[tuple[str, Decimal, str]]:
    if not lines or len(lines) > MAX_LINES:
        raise InvalidOrder(field="lines", problem="between_1_and_50_lines")
    cleaned = []
    for index, line in enumerate(lines):
        try:
            description, amount, reference = line
        except (TypeError, ValueError) as error:
            raise InvalidOrder(field=f"lines[{index}]", problem="description_amount_reference") from error
        description, reference = str(description).strip(), str(reference or "").strip()
        money = _money(amount, field=f"lines[{index}].amount")
        if not description or len(description) > 200 or len(reference) > 64 or money < 0:
            raise InvalidOrder(field=f"lines[{index}]", problem="invalid_line")
        cleaned.append((description, money, reference))
    return cleaned


def _fingerprint(**parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def payment_deadline(now: dt.datetime) -> dt.datetime:
    """When an order created at `now` lapses unpaid: the catalog's payment-window rule."""
    today = clock.to_local(now).date()
    rule = catalog_services.promise_rule(PromiseScope.ONLINE_PAYMENT_WINDOW, on=today)
    if rule is None:
        raise PaymentWindowNotSet(on=today.isoformat())
    if rule.unit == TimeUnit.CALENDAR_DAYS:
        return now + dt.timedelta(days=rule.amount)
    if rule.unit == TimeUnit.HOURS:
        return now + dt.timedelta(hours=rule.amount)
    # Working days or the same day: until the end of the due day, local time.
    due = catalog_services.due_date(rule, today)
    return clock.local_datetime(due + dt.timedelta(days=1), dt.time(0, 0))


def _actor_label(order: Order) -> Any:
    return order.payer or "system"


def _snapshot(order: Order) -> dict[str, Any]:
    return {"status": order.status, "refunded_amount": f"{order.refunded_amount:.2f}"}


def _move(order: Order, to: str, *, allowed_from: Iterable[str], **fields: Any) -> str:
    """Conditional UPDATE of the order's status; the in-memory order follows. Returns the old status."""
    before = order.status
    now = clock.now()
    changed = Order.objects.filter(pk=order.pk, status__in=list(allowed_from)).update(
        status=to, updated_at=now, **fields
    )
    if changed != 1:
        raise InvalidTransition(order=order.number, status=before, to=to)
    order.status = to
    order.updated_at = now
    for name, value in fields.items():
        setattr(order, name, value)
    return before


def _locked(order: Order | str) -> Order:
    query = Order.objects.select_for_update()
    found = (
        query.filter(number=order).first() if isinstance(order, str) else query.filter(pk=order.pk).first()
    )
    if found is None:
        raise OrderNotFound(order=order if isinstance(order, str) else order.number)
    return found


# ---------------------------------------------------------------------------------------------
# Creating and reading orders


def create_order(
    *,
    payer: User | Person,
    lines: Sequence[tuple[str, Decimal, str]],
    subject_type: str,
    subject_id: str | int,
    channel: str,
    idempotency_key: str,
) -> Order:
    """An order for `lines` (description, amount in CNY, reference); the same key, the same order."""
    if not IDEMPOTENCY_KEY.fullmatch(idempotency_key or ""):
        raise InvalidOrder(field="idempotency_key", problem="1_to_100_letters_digits_or_._:-")
    if channel not in Channel.values:
        raise InvalidOrder(field="channel", problem="unknown_channel", channels=Channel.values)
    subject_type, subject_id = str(subject_type).strip(), str(subject_id).strip()
    if not (0 < len(subject_type) <= 60 and 0 < len(subject_id) <= 64):
        raise InvalidOrder(field="subject", problem="subject_type_and_id_required")
    user, person = _payer(payer)
    cleaned = _clean_lines(lines)
    total = sum((amount for _d, amount, _r in cleaned), ZERO)
    if not ZERO < total <= MAX_ORDER_AMOUNT:
        raise InvalidOrder(field="lines", problem="total_must_be_positive", total=f"{total:.2f}")
    fingerprint = _fingerprint(
        payer=user.pk if user else None,
        person=person.pk if person else None,
        subject=[subject_type, subject_id],
        channel=channel,
        lines=[[d, f"{a:.2f}", r] for d, a, r in cleaned],
    )

    existing = _same_order(idempotency_key, fingerprint)
    if existing is not None:
        return existing
    now = clock.now()
    expires_at = payment_deadline(now)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    number=_number("P"),
                    payer=user,
                    payer_person=person,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    channel=channel,
                    amount=total,
                    idempotency_key=idempotency_key,
                    fingerprint=fingerprint,
                    expires_at=expires_at,
                    created_at=now,
                    updated_at=now,
                )
                OrderLine.objects.bulk_create(
                    OrderLine(order=order, position=index, description=d, amount=a, reference=r)
                    for index, (d, a, r) in enumerate(cleaned, start=1)
                )
                record_event(
                    "payments.order_created",
                    actor=user or "system",
                    obj=order,
                    after={
                        "number": order.number,
                        "amount": f"{total:.2f}",
                        "channel": channel,
                        "subject": f"{subject_type}:{subject_id}",
                        "expires_at": expires_at.isoformat(),
                    },
                )
                return order
        except IntegrityError:
            existing = _same_order(idempotency_key, fingerprint)
            if existing is not None:
                return existing  # a concurrent call with the same key won
            # otherwise the random number collided: draw another
    raise RuntimeError("could not allocate an order number")


def _same_order(idempotency_key: str, fingerprint: str) -> Order | None:
    existing = Order.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None and existing.fingerprint != fingerprint:
        raise IdempotencyKeyReused(idempotency_key=idempotency_key)
    return existing


def is_staff(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_role(*STAFF_ROLES))


def orders_visible_to(user: User) -> QuerySet[Order]:
    """The orders a signed-in user pays (as an account or as the person behind it)."""
    condition = Q(payer=user)
    if user.person_id:
        condition |= Q(payer_person_id=user.person_id)
    return Order.objects.filter(condition)


def order_for(user: Any, number: str) -> Order:
    """The order, if `user` pays it or is staff; anyone else gets the same 404 as for no order."""
    if user is None or not user.is_authenticated:
        raise OrderNotFound(order=number)
    orders = Order.objects.all() if is_staff(user) else orders_visible_to(user)
    order = orders.filter(number=number).first()
    if order is None:
        raise OrderNotFound(order=number)
    return order


def callback_url(base_url: str, channel: str) -> str:
    return urljoin(base_url, reverse("api:payments_callback", kwargs={"gateway": channel}))


def start_payment(
    order: Order,
    *,
    actor: Any,
    base_url: str,
    channel: str | None = None,
    request: HttpRequest | None = None,
) -> PaymentRequest:
    """Ask the gateway where to pay; the order becomes `pending` (asked again: the same answer).

    `channel` switches an unpaid order to another online channel (the payer's choice); a payment
    that still arrives through the earlier one is accepted all the same.
    """
    channel = channel or order.channel
    if channel not in Channel.values:
        raise InvalidInput(field="channel", choices=Channel.values)
    gateway = get_gateway(channel)
    if not gateway.accepts_callbacks:
        if channel != order.channel:
            raise InvalidInput(field="channel", choices=list(ONLINE_CHANNELS))
        return gateway.create_payment(order, notify_url="", return_url="")
    notify_url = callback_url(base_url, channel)
    return_url = urljoin(base_url, reverse("payments:result", args=[order.number]))
    with transaction.atomic():
        locked = _locked(order)
        if locked.status not in PAYABLE_STATUSES:
            raise OrderNotPayable(order=locked.number, status=locked.status)
        if locked.expires_at <= clock.now():
            raise OrderExpired(order=locked.number, expired_at=locked.expires_at.isoformat())
        if locked.status == OrderStatus.PENDING and locked.channel == channel and locked.payment_url:
            return PaymentRequest(url=locked.payment_url, qr_payload=locked.qr_payload)
        before_channel = locked.channel
        locked.channel = channel
        payment = gateway.create_payment(locked, notify_url=notify_url, return_url=return_url)
        before = _move(
            locked,
            OrderStatus.PENDING,
            allowed_from=PAYABLE_STATUSES,
            channel=channel,
            payment_url=payment.url,
            qr_payload=payment.qr_payload,
        )
        record_event(
            "payments.payment_started",
            actor=actor,
            obj=locked,
            request=request,
            before={"status": before, "channel": before_channel},
            after={"status": locked.status, "channel": channel},
        )
    order.refresh_from_db()
    return payment


# ---------------------------------------------------------------------------------------------
# Money in


def handle_callback(
    gateway_code: str, headers: Mapping[str, str], body: bytes, *, request: HttpRequest | None = None
) -> CallbackOutcome:
    """Verify and apply one gateway callback. Bad signature: 400 (audited); wrong amount: 409."""
    gateway = get_gateway(gateway_code)
    if not gateway.accepts_callbacks:
        raise CallbacksNotAccepted(gateway=gateway_code)
    try:
        event = gateway.verify_callback(headers, body)
    except (InvalidSignature, MalformedCallback) as error:
        _reject(gateway_code, error, request=request)
        raise
    try:
        with transaction.atomic():
            return _apply_callback(event, request=request)
    except IntegrityError:
        # A concurrent delivery of the same transaction committed first: answer as a replay.
        payment = (
            Payment.objects.select_related("order")
            .filter(gateway_transaction_id=event.transaction_id)
            .first()
        )
        if payment is None:
            raise
        return _outcome(payment, replayed=True)
    except DomainError as error:
        _reject(gateway_code, error, request=request, transaction_id=event.transaction_id)
        raise


def _reject(gateway_code: str, error: DomainError, *, request: HttpRequest | None, **extra: Any) -> None:
    logger.warning("payment callback from %s rejected: %s %s", gateway_code, error.code, error.details)
    details = {key: str(value) for key, value in error.details.items()}
    with transaction.atomic():
        record_event(
            "payments.callback_rejected",
            actor=f"gateway:{gateway_code}",
            object_type="payments.gateway",
            object_id=gateway_code,
            request=request,
            code=error.code,
            details=details,
            **extra,
        )


def _outcome(payment: Payment, *, replayed: bool) -> CallbackOutcome:
    return CallbackOutcome(
        order_number=payment.order.number,
        order_status=payment.order.status,
        outcome=payment.outcome,
        transaction_id=payment.gateway_transaction_id,
        replayed=replayed,
    )


def _apply_callback(event: CallbackEvent, *, request: HttpRequest | None) -> CallbackOutcome:
    order = _locked(event.order_number)
    existing = Payment.objects.filter(gateway_transaction_id=event.transaction_id).first()
    if existing is not None:
        if existing.order_id != order.pk:
            raise TransactionIdReused(transaction_id=event.transaction_id)
        existing.order = order
        return _outcome(existing, replayed=True)
    if event.currency != CURRENCY or event.amount != order.amount:
        raise AmountMismatch(
            order=order.number,
            expected=f"{order.amount:.2f}",
            received=f"{event.amount:.2f}",
            currency=event.currency,
        )
    actor = f"gateway:{event.gateway}"
    if not event.succeeded:
        payment = Payment.objects.create(
            order=order,
            gateway=event.gateway,
            gateway_transaction_id=event.transaction_id,
            amount=event.amount,
            outcome=PaymentOutcome.FAILED,
            raw_callback=event.raw,
            verified_at=clock.now(),
        )
        before = order.status
        if order.status in (OrderStatus.CREATED, OrderStatus.PENDING):
            _move(order, OrderStatus.FAILED, allowed_from=(OrderStatus.CREATED, OrderStatus.PENDING))
        record_event(
            "payments.payment_failed",
            actor=actor,
            obj=order,
            request=request,
            before={"status": before},
            after={"status": order.status},
            transaction_id=event.transaction_id,
        )
        return _outcome(payment, replayed=False)
    payment = _settle(
        order,
        gateway=event.gateway,
        transaction_id=event.transaction_id,
        amount=event.amount,
        raw=event.raw,
        actor=actor,
        request=request,
    )
    return _outcome(payment, replayed=False)


def _settle(
    order: Order,
    *,
    gateway: str,
    transaction_id: str,
    amount: Decimal,
    raw: dict[str, Any],
    actor: Any,
    request: HttpRequest | None,
    method: str = "",
    recorded_by: User | None = None,
) -> Payment:
    """Apply money that arrived for a locked order, or return it if the order cannot take it."""
    now = clock.now()
    if order.status in PAYABLE_STATUSES and order.expires_at <= now:
        _expire(order, actor=actor)
    fields = {
        "order": order,
        "gateway": gateway,
        "gateway_transaction_id": transaction_id,
        "amount": amount,
        "raw_callback": raw,
        "verified_at": now,
        "method": method,
        "recorded_by": recorded_by,
    }
    if order.status in PAYABLE_STATUSES:
        before = _move(order, OrderStatus.PAID, allowed_from=PAYABLE_STATUSES, paid_at=now)
        payment = Payment.objects.create(outcome=PaymentOutcome.APPLIED, **fields)
        record_event(
            "payments.order_paid",
            actor=actor,
            obj=order,
            request=request,
            before={"status": before},
            after={"status": order.status},
            gateway=gateway,
            transaction_id=transaction_id,
            amount=f"{amount:.2f}",
        )
        registry.dispatch(registry.PAID, order)
        return payment
    # The order expired or was already paid: keep the money's trail and send it back.
    payment = Payment.objects.create(outcome=PaymentOutcome.REFUNDED, **fields)
    refund = Refund.objects.create(
        number=_number("R"),
        order=order,
        payment=payment,
        amount=amount,
        reason=f"payment arrived for an order that was {order.status}",
        created_at=now,
    )
    record_event(
        "payments.payment_returned",
        actor=actor,
        obj=order,
        request=request,
        order_status=order.status,
        gateway=gateway,
        transaction_id=transaction_id,
        amount=f"{amount:.2f}",
        refund=refund.number,
    )
    transaction.on_commit(partial(_enqueue_refund, refund.pk))
    return payment


def record_counter_payment(
    order: Order,
    *,
    officer: User,
    amount: Decimal | str,
    method: str,
    receipt_number: str,
    request: HttpRequest | None = None,
) -> Payment:
    """Cash or card taken at a counter. The same receipt number again is the same payment."""
    require_role(officer, *COUNTER_ROLES)
    if method not in CounterMethod.values:
        raise InvalidInput(field="method", choices=CounterMethod.values)
    receipt_number = (receipt_number or "").strip()
    if not RECEIPT_NUMBER.fullmatch(receipt_number):
        raise InvalidInput(field="receipt_number")
    money = _money(amount, field="amount")
    transaction_id = f"counter-{receipt_number}"
    with transaction.atomic():
        locked = _locked(order)
        existing = Payment.objects.filter(gateway_transaction_id=transaction_id).first()
        if existing is not None:
            if existing.order_id != locked.pk:
                raise ReceiptNumberReused(receipt_number=receipt_number)
            return existing
        if money != locked.amount:
            raise AmountMismatch(
                order=locked.number, expected=f"{locked.amount:.2f}", received=f"{money:.2f}"
            )
        if locked.status not in PAYABLE_STATUSES:
            raise OrderNotPayable(order=locked.number, status=locked.status)
        if locked.expires_at <= clock.now():
            raise OrderExpired(order=locked.number, expired_at=locked.expires_at.isoformat())
        payment = _settle(
            locked,
            gateway=Channel.COUNTER,
            transaction_id=transaction_id,
            amount=money,
            raw={"receipt_number": receipt_number, "method": method},
            actor=officer,
            request=request,
            method=method,
            recorded_by=officer,
        )
    order.refresh_from_db()
    return payment


# ---------------------------------------------------------------------------------------------
# Expiry


def _expire(order: Order, *, actor: Any) -> None:
    before = _move(order, OrderStatus.EXPIRED, allowed_from=PAYABLE_STATUSES)
    record_event(
        "payments.order_expired",
        actor=actor,
        obj=order,
        before={"status": before},
        after={"status": order.status},
        expires_at=order.expires_at.isoformat(),
    )
    registry.dispatch(registry.EXPIRED, order)


def expire_unpaid_orders(now: dt.datetime | None = None, *, batch: int = 500) -> int:
    """Orders still unpaid when their time ran out become `expired`; how many did."""
    now = now or clock.now()
    expired = 0
    due = Q(status__in=PAYABLE_STATUSES, expires_at__lte=now)
    for order_id in Order.objects.filter(due).order_by("expires_at").values_list("pk", flat=True)[:batch]:
        with transaction.atomic():
            order = Order.objects.select_for_update().filter(due, pk=order_id).first()
            if order is None:
                continue  # paid (or expired) meanwhile
            _expire(order, actor="system")
            expired += 1
    return expired


# ---------------------------------------------------------------------------------------------
# Money out


def _choose_lines(all_lines: list[OrderLine], chosen: Iterable[OrderLine | str] | None) -> list[OrderLine]:
    if chosen is None:
        return all_lines
    picked: dict[int, OrderLine] = {}
    for spec in chosen:
        if isinstance(spec, OrderLine):
            matches = [line for line in all_lines if line.pk == spec.pk]
        else:
            matches = [line for line in all_lines if line.reference and line.reference == str(spec)]
        if not matches:
            raise InvalidInput(field="lines", unknown=str(spec))
        picked.update((line.pk, line) for line in matches)
    return [line for line in all_lines if line.pk in picked]


def refund_order(
    order: Order,
    *,
    reason: str,
    actor: Any,
    lines: Iterable[OrderLine | str] | None = None,
    request: HttpRequest | None = None,
) -> list[Refund]:
    """Refund a paid order: every line not yet refunded, or only `lines` (lines or references).

    The order becomes `refunded` when all its money is returned, else `partially_refunded`; the
    subject's refund handlers run in the same transaction; the gateway is asked after commit.
    """
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise InvalidInput(field="reason")
    with transaction.atomic():
        locked = _locked(order)
        if locked.status not in REFUNDABLE_STATUSES:
            raise OrderNotRefundable(order=locked.number, status=locked.status)
        payment = locked.payments.get(outcome=PaymentOutcome.APPLIED)
        all_lines = list(OrderLine.objects.select_for_update().filter(order=locked).order_by("position"))
        chosen = [line for line in _choose_lines(all_lines, lines) if line.refundable_amount > 0]
        if not chosen:
            raise NothingToRefund(order=locked.number)
        now = clock.now()
        refunds = []
        for line in chosen:
            amount = line.refundable_amount
            changed = OrderLine.objects.filter(pk=line.pk, refunded_amount=line.refunded_amount).update(
                refunded_amount=F("amount")
            )
            if changed != 1:
                raise NothingToRefund(order=locked.number, line=line.reference)
            line.refunded_amount = line.amount
            refunds.append(
                Refund.objects.create(
                    number=_number("R"),
                    order=locked,
                    payment=payment,
                    line=line,
                    amount=amount,
                    reason=reason,
                    requested_by=actor if isinstance(actor, User) else None,
                    created_at=now,
                )
            )
        before = _snapshot(locked)
        refunded = locked.refunded_amount + sum((refund.amount for refund in refunds), ZERO)
        status = OrderStatus.REFUNDED if refunded == locked.amount else OrderStatus.PARTIALLY_REFUNDED
        _move(locked, status, allowed_from=(locked.status,), refunded_amount=refunded)
        record_event(
            "payments.order_refunded",
            actor=actor,
            obj=locked,
            request=request,
            before=before,
            after=_snapshot(locked),
            reason=reason,
            refunds=[refund.number for refund in refunds],
            lines=[line.reference or str(line.position) for line in chosen],
        )
        registry.dispatch(registry.REFUNDED, locked, refunds)
        for refund in refunds:
            transaction.on_commit(partial(_enqueue_refund, refund.pk))
    order.refresh_from_db()
    return refunds


def refund_order_line(*, order_number: str, reference: str, reason: str, requested_by: Any) -> list[Refund]:
    """Refund the line(s) of an order with one reference, e.g. one withdrawn application item."""
    order = Order.objects.filter(number=order_number).first()
    if order is None:
        raise OrderNotFound(order=order_number)
    return refund_order(order, reason=reason, actor=requested_by, lines=[reference])


def _enqueue_refund(refund_id: int) -> None:
    from exitentry.payments.tasks import submit_refund

    submit_refund.enqueue(refund_id)


def submit_refund(refund_id: int) -> Refund:
    """Ask the gateway to return a requested refund; `succeeded` or `failed` (audited)."""
    claimed = Refund.objects.filter(pk=refund_id, status=RefundStatus.PENDING).update(
        status=RefundStatus.SUBMITTING
    )
    refund = Refund.objects.select_related("payment", "order").get(pk=refund_id)
    if not claimed:
        return refund
    error = ""
    result = None
    try:
        result = get_gateway(refund.payment.gateway).refund(
            refund.payment, refund.amount, reference=refund.number
        )
    except Exception as exc:  # any gateway failure leaves the refund `failed` for a person to retry
        logger.exception("refund %s failed at %s", refund.number, refund.payment.gateway)
        error = f"{type(exc).__name__}: {exc}"[:500]
    with transaction.atomic():
        now = clock.now()
        if result is not None and result.succeeded:
            Refund.objects.filter(pk=refund.pk, status=RefundStatus.SUBMITTING).update(
                status=RefundStatus.SUCCEEDED,
                gateway_refund_id=result.refund_id,
                completed_at=now,
                last_error="",
            )
            action = "payments.refund_succeeded"
        else:
            error = (
                error or (result.message if result is not None else "") or "refused by the payment service"
            )
            Refund.objects.filter(pk=refund.pk, status=RefundStatus.SUBMITTING).update(
                status=RefundStatus.FAILED, last_error=error[:500]
            )
            action = "payments.refund_failed"
        record_event(
            action, actor="system", obj=refund, order=refund.order.number, amount=f"{refund.amount:.2f}"
        )
    refund.refresh_from_db()
    return refund


def retry_refund(refund: Refund, *, actor: Any, request: HttpRequest | None = None) -> Refund:
    """Send a failed refund to the gateway again."""
    with transaction.atomic():
        changed = Refund.objects.filter(pk=refund.pk, status=RefundStatus.FAILED).update(
            status=RefundStatus.PENDING
        )
        if not changed:
            raise InvalidTransition(refund=refund.number, status=refund.status)
        record_event("payments.refund_retried", actor=actor, obj=refund, request=request)
        transaction.on_commit(partial(_enqueue_refund, refund.pk))
    refund.refresh_from_db()
    return refund
