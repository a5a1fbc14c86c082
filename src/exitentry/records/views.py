"""Printing one's own travel record, and the public verification page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from exitentry.core.errors import DomainError
from exitentry.records import services
from exitentry.records.documents import certificate_pdf, crossing_rows
from exitentry.records.forms import PeriodForm, VerifyForm
from exitentry.records.models import Certificate, CertificateChannel


@require_http_methods(["GET", "POST"])
@login_required
def my_record(request: HttpRequest) -> HttpResponse:
    person = request.user.person  # type: ignore[union-attr]
    form = PeriodForm(request.POST or None, initial=PeriodForm.initial_period())
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            certificate = services.issue_record_certificate(
                person,
                period=services.Period(form.cleaned_data["period_from"], form.cleaned_data["period_to"]),
                channel=CertificateChannel.WEB,
                issued_by=request.user,
                request=request,
            )
        except DomainError as exc:
            error = exc
        else:
            return redirect("records:certificate", code=certificate.code)
    initial = PeriodForm.initial_period()
    period = None if form.is_bound else services.Period(initial["period_from"], initial["period_to"])
    if form.is_bound and form.is_valid():
        period = services.Period(form.cleaned_data["period_from"], form.cleaned_data["period_to"])
    records = services.crossings(person, period) if person is not None and period is not None else []
    return render(
        request,
        "records/my_record.html",
        {"form": form, "person": person, "records": records, "error": error},
        status=422 if error or (form.is_bound and not form.is_valid()) else 200,
    )


def _own_certificate(request: HttpRequest, code: str) -> Certificate:
    certificate = Certificate.objects.filter(code=code, person__isnull=False).first()
    person = getattr(request.user, "person", None)
    if certificate is None or person is None or certificate.person_id != person.pk:
        raise Http404
    return certificate


@login_required
def certificate(request: HttpRequest, code: str) -> HttpResponse:
    certificate = _own_certificate(request, code)
    return render(
        request,
        "records/certificate.html",
        {
            "certificate": certificate,
            "code": services.format_code(certificate.code),
            "rows": crossing_rows(certificate.content),
        },
    )


@login_required
def certificate_file(request: HttpRequest, code: str) -> HttpResponse:
    certificate = _own_certificate(request, code)
    data = certificate_pdf(certificate, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="travel-record-{certificate.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET"])
def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.GET or None)
    found = error = None
    if form.is_bound and form.is_valid():
        try:
            found = services.verify_certificate(form.cleaned_data["code"], request=request)
        except DomainError as exc:
            error = exc
    context = {
        "form": form,
        "certificate": found,
        "rows": crossing_rows(found.content) if found else [],
        "code": services.format_code(found.code) if found else "",
        "error": error,
    }
    status = error.status if error is not None else 200
    response = render(request, "records/verify.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
