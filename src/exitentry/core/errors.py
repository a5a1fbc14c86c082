"""Domain errors with a stable machine-readable code.

Services raise these; one handler in `exitentry.api` turns each into
`{"code", "message", "details"}` with the error's HTTP status. Messages are lazy so that
they are translated into the language of the request that reports them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    default_message: ClassVar[str | Promise] = _("The request could not be processed.")

    def __init__(self, message: str | Promise | None = None, **details: Any) -> None:
        self.message = message if message is not None else self.default_message
        self.details = details
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "details": self.details}


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
    default_message = _("Some of the information given is not valid.")


class MalformedRequest(DomainError):
    status = 400
    code = "malformed_request"
    default_message = _("The request body could not be read.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Nothing was found.")


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    default_message = _("You are not allowed to do this.")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = _("Please sign in first.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("This action is not allowed in the current state.")


class Throttled(DomainError):
    status = 429
    code = "throttled"
    default_message = _("Too many attempts. Please wait a while and try again.")


class ServerError(DomainError):
    """Never raised on purpose: the shape and message of an unexpected failure (HTTP 500)."""

    status = 500
    code = "server_error"
    default_message = _("Something went wrong on our side. Please try again.")


class ServiceUnavailable(DomainError):
    """A dependency (the database during a restart or failover) cannot be reached: retry shortly."""

    status = 503
    code = "service_unavailable"
    default_message = _("The service is briefly unavailable. Please try again in a few seconds.")
    retry_after_seconds: ClassVar[int] = 5
