from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from exitentry.core.services import database_status

router = Router(tags=["health"])


class HealthOut(Schema):
    status: str
    database: str


@router.get("/health", response={200: HealthOut, 503: HealthOut}, auth=None)
def health(request: HttpRequest) -> Status[HealthOut]:
    database = database_status()
    status = "ok" if database == "ok" else "degraded"
    return Status(200 if status == "ok" else 503, HealthOut(status=status, database=database))
