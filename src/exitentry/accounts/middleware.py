"""While STAFF_TOTP_REQUIRED is on, staff without an authenticator may only set one up."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from exitentry.accounts import totp


class TotpEnrolmentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            # Always allowed (below): skip loading the session's user for every API call.
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and totp.must_enrol(user):
            allowed = (
                reverse("accounts:totp_setup"),
                reverse("accounts:logout"),
                reverse("set_language"),
                "/static/",
                "/api/",
            )
            if not request.path.startswith(allowed):
                return redirect("accounts:totp_setup")
        return self.get_response(request)
