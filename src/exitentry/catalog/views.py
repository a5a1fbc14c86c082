"""Public pages: the one-time notification checklist and the list of services with fees."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from exitentry.catalog import services
from exitentry.catalog.forms import ChecklistForm
from exitentry.catalog.models import Holder
from exitentry.core.errors import DomainError


@require_http_methods(["GET", "POST"])
def checklist(request: HttpRequest) -> HttpResponse:
    """Questions, then one printable list. Answers come by POST, or by GET for a shared link."""
    data = request.POST if request.method == "POST" else (request.GET if "services" in request.GET else None)
    form = ChecklistForm(data, summaries=services.list_services(holder=Holder.CITIZEN))
    result = None
    if data is not None and form.is_valid():
        try:
            result = services.build_checklist(form.cleaned_data["services"], form.applicant_facts())
        except DomainError as error:
            form.add_domain_error(error)
    return render(request, "catalog/checklist.html", {"form": form, "result": result})


@require_http_methods(["GET"])
def service_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "catalog/services.html", {"groups": ChecklistForm(summaries=services.list_services()).groups}
    )
