"""JSON endpoints of the routing app (mounted in `exitentry.api` when it has some)."""

from ninja import Router

router = Router(tags=["routing"])
