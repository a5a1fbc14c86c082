"""What happens to the thing paid for when its order is paid, refunded or expires.

The app that owns a subject registers handlers once, usually in its `AppConfig.ready()`:

    from exitentry.payments import registry
    registry.on_order_paid("application", items_paid)          # items_paid(order)
    registry.on_order_refunded("application", items_refunded)  # items_refunded(order, refunds)
    registry.on_order_expired("application", items_expired)    # items_expired(order)

Handlers run INSIDE the transaction that records the payment (or refund, or expiry), after the
order row has changed: the order and the subject commit together or not at all. A handler that
raises rolls the whole thing back (the gateway will deliver the callback again). Handlers must
not call outside services; schedule such work with `transaction.on_commit`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction

if TYPE_CHECKING:
    from exitentry.payments.models import Order, Refund

logger = logging.getLogger(__name__)

PaidHandler = Callable[["Order"], Any]
RefundedHandler = Callable[["Order", "list[Refund]"], Any]
ExpiredHandler = Callable[["Order"], Any]

PAID = "paid"
REFUNDED = "refunded"
EXPIRED = "expired"

_handlers: dict[str, dict[str, list[Callable[..., Any]]]] = {PAID: {}, REFUNDED: {}, EXPIRED: {}}


def _register(event: str, subject_type: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    handlers = _handlers[event].setdefault(subject_type, [])
    if handler not in handlers:  # `ready()` may run more than once (tests, reloads)
        handlers.append(handler)
    return handler


def on_order_paid(subject_type: str, handler: PaidHandler) -> PaidHandler:
    return _register(PAID, subject_type, handler)


def on_order_refunded(subject_type: str, handler: RefundedHandler) -> RefundedHandler:
    return _register(REFUNDED, subject_type, handler)


def on_order_expired(subject_type: str, handler: ExpiredHandler) -> ExpiredHandler:
    return _register(EXPIRED, subject_type, handler)


def unregister(subject_type: str, handler: Callable[..., Any]) -> None:
    for by_subject in _handlers.values():
        if handler in by_subject.get(subject_type, []):
            by_subject[subject_type].remove(handler)


def dispatch(event: str, order: Order, *args: Any) -> int:
    """Call the handlers for `event` on `order`'s subject type; how many ran."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("payment handlers must run inside the transaction that changed the order")
    handlers = list(_handlers[event].get(order.subject_type, []))
    if not handlers:
        logger.info("no %s handler for subject type %r (order %s)", event, order.subject_type, order.number)
    for handler in handlers:
        handler(order, *args)
    return len(handlers)
