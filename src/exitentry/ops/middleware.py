"""Request ids, the real client address behind the reverse proxy, one log line and metrics per request."""

from __future__ import annotations

import ipaddress
import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from exitentry.ops import metrics

logger = structlog.get_logger("exitentry.request")

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> str:
    """The first address, from the right, of `X-Forwarded-For` that is not a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not remote or not _is_trusted_proxy(remote):
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    for address in reversed(forwarded):
        if not _is_trusted_proxy(address):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote
    return remote


class RequestContextMiddleware:
    """First in the chain: names the request, finds its client and measures it.

    - `X-Request-ID`: kept from the proxy when well formed, otherwise a new one; echoed on the
      response and bound to every log line written while the request is handled.
    - Behind the reverse proxies listed in `TRUSTED_PROXIES`, `REMOTE_ADDR` becomes the client
      address from `X-Forwarded-For`, so per-client limits and the audit trail see the client.
    - One `request` log line and the request metrics (by route pattern, never by raw path).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.META["REMOTE_ADDR"] = client_address(request)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match is not None else "unmatched"
        metrics.REQUESTS.labels(request.method or "", route, str(response.status_code)).inc()
        metrics.LATENCY.labels(request.method or "", route).observe(elapsed)
        response["X-Request-ID"] = request_id
        if request.path not in settings.QUIET_PATHS:
            if 400 <= response.status_code < 500:
                # The line below records it: spare Django's second `django.request` warning
                # (its formatting cost a tenth of a refused booking's time in the rush).
                response._has_been_logged = True  # type: ignore[attr-defined]
            logger.info(
                "request",
                method=request.method,
                path=request.path,
                route=route,
                status=response.status_code,
                duration_ms=round(elapsed * 1000, 1),
                user_id=getattr(getattr(request, "user", None), "pk", None),
            )
        structlog.contextvars.clear_contextvars()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A page whose database is restarting or failing over says so, with `Retry-After`, not a 500.

        The page is rendered without the request: the navigation would ask the database again.
        """
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        from exitentry.core.errors import ServiceUnavailable

        logger.warning("database unavailable", error=type(exception).__name__)
        response = HttpResponse(
            render_to_string("ops/unavailable.html", {"message": ServiceUnavailable.default_message}),
            status=ServiceUnavailable.status,
        )
        response["Retry-After"] = str(ServiceUnavailable.retry_after_seconds)
        return response
