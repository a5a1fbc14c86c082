"""The public visa-free transit checker page: a GET form, so an answer can be bookmarked or shared."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from exitentry.transit import services
from exitentry.transit.forms import TransitCheckForm


@require_GET
def check(request: HttpRequest) -> HttpResponse:
    submitted = "nationality" in request.GET
    form = TransitCheckForm(request.GET if submitted else None)
    answer = services.check_transit(form.trip()) if submitted and form.is_valid() else None
    form.describe_fields()
    return render(
        request,
        "transit/check.html",
        {"form": form, "answer": answer, "form_has_errors": submitted and bool(form.errors)},
    )
