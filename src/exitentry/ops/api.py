from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from exitentry.ops import services
from exitentry.ops.schemas import ReadyOut

router = Router(tags=["health"])


@router.get("/ready", response={200: ReadyOut, 503: ReadyOut}, auth=None)
def ready(request: HttpRequest) -> Status[ReadyOut]:
    """Readiness: the database, the cache and the task backend all answer (503 otherwise)."""
    checks = services.readiness()
    return Status(200 if checks["status"] == "ok" else 503, ReadyOut(**checks))
