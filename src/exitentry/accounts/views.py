from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from exitentry.accounts import totp
from exitentry.accounts.forms import OtpForm, ThrottledAuthenticationForm
from exitentry.accounts.models import User
from exitentry.accounts.workplaces import workplaces_for
from exitentry.core import clock
from exitentry.core.errors import DomainError

PENDING = "accounts_otp_pending"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if totp.is_enrolled(user):
            # The password was right; the session is not signed in until the code is too.
            self.request.session[PENDING] = {
                "user": user.pk,
                "at": clock.now().timestamp(),
                "next": self.get_success_url(),
            }
            return redirect("accounts:login_otp")
        response = super().form_valid(form)
        if totp.must_enrol(user):
            return redirect("accounts:totp_setup")
        return response


def _pending_user(request: HttpRequest) -> tuple[User, str] | None:
    pending = request.session.get(PENDING)
    if not pending or clock.now().timestamp() - pending["at"] > settings.TOTP_PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending["next"]) if user is not None else None


@require_http_methods(["GET", "POST"])
def login_otp(request: HttpRequest) -> HttpResponse:
    found = _pending_user(request)
    if found is None:
        request.session.pop(PENDING, None)
        return redirect("accounts:login")
    user, next_url = found
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            totp.verify(user, form.cleaned_data["code"], request)
        except DomainError as error:
            form.add_error("code", str(error.message))
        else:
            request.session.pop(PENDING, None)
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            safe = url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            return redirect(next_url if safe else settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/login_otp.html", {"form": form})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return render(
        request,
        "accounts/profile.html",
        {
            "account": user,
            "may_enrol": totp.may_enrol(user),
            "enrolled": totp.is_enrolled(user),
            "workplaces": workplaces_for(user),
        },
    )


def _qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title="", dark="#0b0c0c")


@login_required
@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponseBase:
    """Set up the authenticator: start (a new secret and its QR), then confirm with a code."""
    user = request.user
    assert isinstance(user, User)
    if not totp.may_enrol(user):
        raise PermissionDenied
    context: dict[str, Any] = {"enrolled": totp.is_enrolled(user), "required": totp.must_enrol(user)}
    form = OtpForm(request.POST or None)
    action = request.POST.get("action")
    try:
        if request.method == "POST" and action == "start":
            totp.start_enrolment(user, request)
            form = OtpForm()
        elif request.method == "POST" and action == "confirm" and form.is_valid():
            enrolled = totp.confirm_enrolment(user, form.cleaned_data["code"], request)
            return render(request, "accounts/totp_recovery_codes.html", {"codes": enrolled.recovery_codes})
    except DomainError as error:
        form.add_error("code" if action == "confirm" else None, str(error.message))
    device = totp.pending_device(user)
    if device is not None and not context["enrolled"]:
        uri = totp.provisioning_uri(user, device.secret)
        context.update(pending=True, qr_svg=_qr_svg(uri), secret=device.secret)
    context["remaining"] = totp.remaining_recovery_codes(user) if context["enrolled"] else 0
    context["form"] = form
    return render(request, "accounts/totp_setup.html", context)
