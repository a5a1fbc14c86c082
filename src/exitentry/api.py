"""The JSON API at /api/v1: one NinjaAPI, each app mounts its own Router.

Every error leaves as `{"code", "message", "details"}` with a translated message; a malformed
body, a wrong type or an unknown route is a 4xx, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from exitentry.core.errors import DomainError

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="exitentry API",
    version="1.0",
    description="Exit-entry administration: catalog, calendar, identity checks, accounts.",
    urls_namespace="api",
    docs_url="/docs",
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, **details: Any
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "details": details}, status=status)


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
    return error_response(
        request,
        422,
        "validation_error",
        _("Some of the information given is not valid."),
        errors=[_clean_validation_error(error) for error in exc.errors],
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "not_authenticated", _("Please sign in first."))


@api.exception_handler(AuthorizationError)
def on_authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return error_response(request, 403, "permission_denied", _("You are not allowed to do this."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return error_response(request, 400, "malformed_request", _("The request body could not be read."))
    if exc.status_code == 429:
        return error_response(
            request, 429, "throttled", _("Too many attempts. Please wait a while and try again.")
        )
    return error_response(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Nothing was found."))


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unexpected error in %s %s", request.method, request.path)
    return error_response(
        request, 500, "server_error", _("Something went wrong on our side. Please try again.")
    )


def _mount_routers() -> None:
    # Imported here so that each app's api module can import `exitentry.api` helpers freely.
    from exitentry.accounts.api import router as accounts_router
    from exitentry.catalog.api import router as catalog_router
    from exitentry.core.api import router as core_router
    from exitentry.identity.api import router as identity_router
    from exitentry.servicepoints.api import router as servicepoints_router
    from exitentry.workdays.api import router as workdays_router

    api.add_router("/", core_router)
    api.add_router("/auth", accounts_router)
    api.add_router("/calendar", workdays_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/identity", identity_router)
    api.add_router("/service-points", servicepoints_router)


_mount_routers()
