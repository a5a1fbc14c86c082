from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import User
from exitentry.accounts.services import service_point_ids_in_scope
from exitentry.servicepoints.models import ServicePoint


class DeviceRegistrationForm(forms.Form):
    service_point = forms.ModelChoiceField(label=_("Service point"), queryset=ServicePoint.objects.none())
    code = forms.SlugField(
        label=_("Device code"), max_length=40, help_text=_("Lower-case letters, digits and hyphens.")
    )
    name = forms.CharField(label=_("Name shown to staff"), max_length=100)
    idle_timeout_seconds = forms.IntegerField(
        label=_("Idle timeout (seconds)"),
        min_value=15,
        max_value=3600,
        required=False,
        help_text=_("Empty: the policy's default."),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        points = ServicePoint.objects.filter(is_active=True).order_by("code")
        scope = service_point_ids_in_scope(user)
        if scope is not None:
            points = points.filter(pk__in=scope)
        self.fields["service_point"].queryset = points  # type: ignore[attr-defined]
