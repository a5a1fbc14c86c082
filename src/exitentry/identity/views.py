"""The staff page that checks a resident ID number or a machine-readable zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from exitentry.accounts.models import STAFF_ROLES
from exitentry.core import clock
from exitentry.identity import services
from exitentry.identity.forms import MrzCheckForm, ResidentIdCheckForm

RESIDENT_ID_PREFIX = "resident"
MRZ_PREFIX = "mrz"


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in staff only: others are sent to sign in, signed-in non-staff get a 403."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_role(*STAFF_ROLES):  # type: ignore[union-attr]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@require_http_methods(["GET", "POST"])
@staff_required
def check(request: HttpRequest) -> HttpResponse:
    resident_form = ResidentIdCheckForm(prefix=RESIDENT_ID_PREFIX)
    mrz_form = MrzCheckForm(prefix=MRZ_PREFIX)
    resident_result = mrz_result = None
    form_with_errors: forms.Form | None = None
    if request.method == "POST":
        which = request.POST.get("check")
        if which == "resident_id":
            resident_form = ResidentIdCheckForm(request.POST, prefix=RESIDENT_ID_PREFIX)
            if resident_form.is_valid():
                resident_result = services.check_resident_id(resident_form.cleaned_data["number"])
            else:
                form_with_errors = resident_form
        elif which == "mrz":
            mrz_form = MrzCheckForm(request.POST, prefix=MRZ_PREFIX)
            if mrz_form.is_valid():
                mrz_result = services.check_mrz(mrz_form.cleaned_data["mrz"])
            else:
                form_with_errors = mrz_form
    return render(
        request,
        "identity/check.html",
        {
            "resident_form": resident_form,
            "mrz_form": mrz_form,
            "resident_result": resident_result,
            "mrz_result": mrz_result,
            "form_with_errors": form_with_errors,
            "mrz_rows": _mrz_rows(mrz_result) if mrz_result is not None else [],
        },
    )


def _mrz_rows(result: services.MrzCheck) -> list[dict[str, Any]]:
    """One row per part of the MRZ, with what was read and the problems found in it."""
    sex_labels = {"M": _("Male"), "F": _("Female"), "X": _("Not stated")}
    if result.format is None:
        return []
    name = ", ".join(part for part in (result.surname, result.given_names) if part)
    rows: list[tuple[str, Any, Any]] = [
        ("document_type", _("Document code"), result.document_type),
        ("country", _("Issuing country or organisation"), result.country),
        ("name", _("Name (surname, given names)"), name or None),
        ("document_number", _("Document number"), result.document_number),
        ("nationality", _("Nationality"), result.nationality),
        ("birth_date", _("Date of birth"), result.birth_date),
        ("sex", _("Sex"), sex_labels.get(result.sex or "")),
        ("expiry_date", _("Expiry date"), result.expiry_date),
        ("optional_data", _("Optional data (personal number)"), result.optional_data),
    ]
    if result.has_final_check_digit:
        rows.append(("final_hash", _("Overall check digit"), None))
    expired = result.expiry_date is not None and result.expiry_date < clock.today()
    return [
        {
            "field": field,
            "label": label,
            "value": value.isoformat() if isinstance(value, dt.date) else value,
            "problems": result.errors_for(field),
            "note": _("Expired") if field == "expiry_date" and expired else "",
        }
        for field, label, value in rows
    ]
