"""Registering this app's handlers with the payments registry (called from `AppConfig.ready`)."""

from __future__ import annotations


def register() -> None:
    from exitentry.applications import services
    from exitentry.payments import registry

    registry.on_order_paid(services.SUBJECT_TYPE, services.on_order_paid)
    registry.on_order_refunded(services.SUBJECT_TYPE, services.on_order_refunded)
    registry.on_order_expired(services.SUBJECT_TYPE, services.on_order_expired)
