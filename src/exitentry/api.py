"""The JSON API at /api/v1: one NinjaAPI, each app mounts its own Router.

Every error leaves as `{"code", "message", "details"}` with a translated message; a malformed
body, a wrong type or an unknown route is a 4xx, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from exitentry.core.errors import (
    DomainError,
    InvalidInput,
    MalformedRequest,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ServerError,
    ServiceUnavailable,
    Throttled,
)
from exitentry.core.rendering import JSONRenderer

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="exitentry API",
    version="1.0",
    description="Exit-entry administration: catalog, calendar, identity checks, accounts.",
    urls_namespace="api",
    docs_url="/docs",
    renderer=JSONRenderer(),
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, **details: Any
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "details": details}, status=status)


def standard_error_response(request: HttpRequest, error: type[DomainError], **details: Any) -> HttpResponse:
    """The answer for one of the standard errors, with its message in the request's language.

    The messages live on the error classes in `exitentry.core.errors`, so that the core
    catalogue translates them.
    """
    return error_response(request, error.status, error.code, str(error.default_message), **details)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


def _clean_validation_error(error: dict[str, Any]) -> dict[str, Any]:
    # Pydantic puts the offending input and an exception object in `ctx`; neither is JSON-safe
    # nor needed by a caller, who gets the location, a message and a type.
    return {
        "loc": [str(part) for part in error.get("loc", ())],
        "msg": str(error.get("msg", "")),
        "type": str(error.get("type", "")),
    }


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Same status and message as InvalidInput, with the code callers already rely on.
    return error_response(
        request,
        InvalidInput.status,
        "validation_error",
        str(InvalidInput.default_message),
        errors=[_clean_validation_error(error) for error in exc.errors],
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return standard_error_response(request, NotAuthenticated)


@api.exception_handler(AuthorizationError)
def on_authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return standard_error_response(request, PermissionDenied)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return standard_error_response(request, MalformedRequest)
    if exc.status_code == 429:
        return standard_error_response(request, Throttled)
    return error_response(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return standard_error_response(request, NotFound)


@api.exception_handler(MultiPartParserError)
def on_malformed_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    # A multipart body without a usable boundary is the caller's mistake, not ours.
    return standard_error_response(request, MalformedRequest)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The database is restarting, failing over or unreachable: the caller gets an immediate 503
    # it can retry (an Idempotency-Key makes the retry safe), not a 500 or a hung request.
    logger.warning("database unavailable in %s %s: %s", request.method, request.path, exc)
    response = standard_error_response(request, ServiceUnavailable)
    response["Retry-After"] = str(ServiceUnavailable.retry_after_seconds)
    return response


# psycopg's refusal of text holding U+0000, which PostgreSQL cannot store (SQLite can).
_NUL_REFUSED = "cannot contain NUL"


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A NUL character in any text input is the caller's error, wherever it reaches the database.

    Fields validated earlier answer their own code; this catches the rest, which psycopg refuses
    before anything is sent. Any other DataError is a server error.
    """
    if _NUL_REFUSED not in str(exc):
        return on_unexpected_error(request, exc)
    return error_response(
        request,
        InvalidInput.status,
        "validation_error",
        str(InvalidInput.default_message),
        errors=[
            {
                "loc": [],
                "msg": "Text must not contain the NUL character (U+0000).",
                "type": "string_nul_character",
            }
        ],
    )


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unexpected error in %s %s", request.method, request.path)
    return standard_error_response(request, ServerError)


def _mount_routers() -> None:
    # Imported here so that each app's api module can import `exitentry.api` helpers freely.
    from exitentry.accommodation.api import router as accommodation_router
    from exitentry.accounts.api import router as accounts_router
    from exitentry.applications.api import router as applications_router
    from exitentry.applications.api import tracking_router
    from exitentry.appointments.api import router as appointments_router
    from exitentry.catalog.api import router as catalog_router
    from exitentry.consult.api import router as consult_router
    from exitentry.core.api import router as core_router
    from exitentry.foreigners.api import router as foreigners_router
    from exitentry.identity.api import router as identity_router
    from exitentry.insight.api import router as insight_router
    from exitentry.kiosk.api import router as kiosk_router
    from exitentry.notifications.api import router as notifications_router
    from exitentry.ops.api import router as ops_router
    from exitentry.payments.api import router as payments_router
    from exitentry.photos.api import router as photos_router
    from exitentry.queueing.api import hall_router as hall_queue_router
    from exitentry.queueing.api import router as queueing_router
    from exitentry.routing.api import router as routing_router
    from exitentry.servicepoints.api import router as servicepoints_router
    from exitentry.transit.api import router as transit_router
    from exitentry.workdays.api import router as workdays_router

    # Django tries URL patterns in order: the busiest public paths (health checks, tracking,
    # the booking rush) come first instead of behind sixty others (docs/adr/0011).
    api.add_router("/", core_router)
    api.add_router("/", ops_router)
    api.add_router("/track", tracking_router)
    api.add_router("/appointments", appointments_router)
    api.add_router("/auth", accounts_router)
    api.add_router("/calendar", workdays_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/consult", consult_router)
    api.add_router("/identity", identity_router)
    api.add_router("/service-points", servicepoints_router)
    api.add_router("/applications", applications_router)
    api.add_router("/payments", payments_router)
    api.add_router("/photos", photos_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/service-points", hall_queue_router)
    api.add_router("/queue", queueing_router)
    api.add_router("/recommendations", routing_router)
    api.add_router("/kiosk", kiosk_router)
    api.add_router("/insight", insight_router)
    api.add_router("/transit", transit_router)
    api.add_router("/accommodation", accommodation_router)
    api.add_router("/foreigners", foreigners_router)


_mount_routers()
