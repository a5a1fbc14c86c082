from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from exitentry.accounts import services
from exitentry.core.errors import DomainError


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, going through the same throttled sign-in as the API."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            try:
                self.user_cache = services.sign_in(self.request, username, password)
            except DomainError as error:
                raise forms.ValidationError(str(error.message), code=error.code) from error
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class OtpForm(forms.Form):
    code = forms.CharField(
        label=_("Security code"),
        max_length=32,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        error_messages={"required": _("Enter the security code.")},
    )
