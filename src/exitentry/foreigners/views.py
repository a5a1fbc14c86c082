"""Pages of the foreigners' services: parse, authorise, call one service function, render."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from exitentry.accounts.models import Role
from exitentry.applications.models import ItemStatus
from exitentry.core.errors import DomainError, NotFound
from exitentry.core.masking import mask_name
from exitentry.foreigners import forms, services
from exitentry.foreigners.models import CaseKind, PortVisaStatus

FILER_ROLES = (Role.ENTERPRISE, Role.APPLICANT)


def _add_error(form: django_forms.Form, error: DomainError) -> None:
    name = str(error.details.get("field") or "")
    form.add_error(name if name in form.fields else None, str(error.message))


def role_required(*roles: str) -> Callable[..., Any]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user: Any = request.user
            if not (user.has_role(*roles) or user.role == Role.ADMIN):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def start(request: HttpRequest) -> HttpResponse:
    """What foreigners can apply for, how long it takes and where (the halls for foreigners)."""
    return render(
        request,
        "foreigners/start.html",
        {"halls": services.foreigners_halls().select_related("city"), "ports": services.port_offices()},
    )


@role_required(*FILER_ROLES)
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    kinds = (
        None
        if user.role == Role.ENTERPRISE
        else [k for k in CaseKind.values if k not in services.EMPLOYER_KINDS]
    )
    halls = list(services.foreigners_halls())
    token = request.POST.get("token") or uuid.uuid4().hex
    form = forms.ApplyForm(request.POST or None, halls=halls, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            filed = services.submit_foreigner_application(
                submitted_by=user,
                form=services.ForeignerForm(
                    kind=data["kind"],
                    mrz=data["mrz"],
                    phone=data["phone"],
                    service_point_id=data["service_point_id"],
                    job_title=data["job_title"],
                    purpose=data["purpose"],
                ),
                idempotency_key=token,
                request=request,
            )
        except DomainError as error:
            _add_error(form, error)
        else:
            return redirect("foreigners:case", number=filed.case.application.number)
    return render(
        request,
        "foreigners/apply.html",
        {"form": form, "token": token, "is_employer": user.role == Role.ENTERPRISE},
    )


@role_required(*FILER_ROLES)
def mine(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    rows = []
    for found in services.cases_of(user).prefetch_related("application__items")[:200]:
        status = services.public_status(found)
        rows.append({"case": found, "status": status, "label": services.STATUS_LABELS[status]})
    return render(
        request, "foreigners/mine.html", {"rows": rows, "is_employer": user.role == Role.ENTERPRISE}
    )


@role_required(*FILER_ROLES)
def case(request: HttpRequest, number: str) -> HttpResponse:
    user: Any = request.user
    try:
        found = services.case_for(user, number, request=request)
    except NotFound as error:
        raise Http404 from error
    status = services.public_status(found)
    items = list(found.application.items.select_related("service"))
    dates = [item.promised_date for item in items if item.promised_date]
    permit = services.work_permit_of_case(found)
    return render(
        request,
        "foreigners/case.html",
        {
            "case": found,
            "application": found.application,
            "status": status,
            "status_label": services.STATUS_LABELS[status],
            "items": items,
            "promised_date": max(dates) if dates else None,
            "permit": permit,
        },
    )


@role_required(Role.OFFICER, Role.SUPERVISOR, Role.WORK_PERMIT_OFFICER)
def decisions(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    queue = services.decision_queue(user)
    done = services.recently_decided(user)
    return render(
        request,
        "foreigners/decisions.html",
        {
            "queue": [_row(item) for item in queue],
            "done": [_row(item) for item in done],
            "is_work_permit_office": user.role == Role.WORK_PERMIT_OFFICER,
        },
    )


def _row(item: Any) -> dict[str, Any]:
    case = services.case_of_item(item)
    return {"item": item, "case": case, "applicant": mask_name(item.application.full_name)}


@role_required(Role.OFFICER, Role.SUPERVISOR, Role.WORK_PERMIT_OFFICER)
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, item_id: int) -> HttpResponse:
    user: Any = request.user
    try:
        item = services.item_to_decide(user, item_id, request=request)
    except NotFound as error:
        raise Http404 from error
    approve_form = forms.ApproveForm(request.POST if request.POST.get("decision") == "approve" else None)
    refuse_form = forms.RefuseForm(request.POST if request.POST.get("decision") == "refuse" else None)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "approve" and approve_form.is_valid():
                data = approve_form.cleaned_data
                grant = (
                    services.Grant(category=data["category"], valid_to=data["valid_to"])
                    if data["category"] and data["valid_to"]
                    else None
                )
                services.approve(user, item.pk, note=data["note"], grant=grant, request=request)
                messages.success(
                    request, gettext("Approved. The applicant hears the result once both halves are decided.")
                )
                return redirect("foreigners:decisions")
            if request.POST.get("decision") == "refuse" and refuse_form.is_valid():
                services.refuse(user, item.pk, reason=refuse_form.cleaned_data["reason"], request=request)
                messages.success(
                    request, gettext("Refused. The applicant and the employer receive one refusal notice.")
                )
                return redirect("foreigners:decisions")
        except DomainError as error:
            _add_error(approve_form if request.POST.get("decision") == "approve" else refuse_form, error)
    case = services.case_of_item(item)
    halves = services.half_approvals_of(item.application_id)
    half = halves.get(item.pk)
    siblings = [other for other in item.application.items.select_related("service") if other.pk != item.pk]
    return render(
        request,
        "foreigners/decide.html",
        {
            "item": item,
            "case": case,
            "application": item.application,
            "siblings": siblings,
            "open": item.status in services.OPEN_DECISION_STATUSES and half is None,
            "half": half,
            "half_approved_ids": set(halves),
            "needs_grant": item.document_type == services.WORK_PERMIT_DOCUMENT,
            "talent": services.is_high_level_talent(item.application.person),
            "approve_form": approve_form,
            "refuse_form": refuse_form,
            "under_review": ItemStatus.UNDER_REVIEW,
        },
    )


@role_required(Role.OFFICER, Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def port_visas(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    ports = list(services.my_ports(user))
    token = request.POST.get("token") or uuid.uuid4().hex
    form = forms.PortVisaForm(request.POST or None, ports=ports, reasons=services.reasons())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visa = services.record_port_visa_application(
                user,
                services.PortVisaForm(
                    service_point_id=data["service_point_id"],
                    mrz=data["mrz"],
                    reason=data["reason"],
                    reason_details=data["reason_details"],
                    arrival=data["arrival"],
                ),
                idempotency_key=token,
                request=request,
            )
        except DomainError as error:
            _add_error(form, error)
        else:
            return redirect("foreigners:port_visa", visa_id=visa.pk)
    return render(
        request,
        "foreigners/port_visas.html",
        {"form": form, "token": token, "ports": ports, "visas": services.port_visas_at(user)},
    )


@role_required(Role.OFFICER, Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def port_visa(request: HttpRequest, visa_id: int) -> HttpResponse:
    user: Any = request.user
    try:
        visa = services.port_visa_for(user, visa_id)
    except NotFound as error:
        raise Http404 from error
    decision = request.POST.get("decision")
    issue_form = forms.IssueForm(request.POST if decision == "issue" else None)
    refuse_form = forms.PortRefuseForm(request.POST if decision == "refuse" else None)
    if request.method == "POST":
        try:
            if decision == "issue" and issue_form.is_valid():
                data = issue_form.cleaned_data
                services.issue_port_visa(
                    user,
                    visa.pk,
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    entries=data["entries"],
                    stay_days=data["stay_days"],
                    request=request,
                )
                return redirect("foreigners:port_visa", visa_id=visa.pk)
            if decision == "refuse" and refuse_form.is_valid():
                services.refuse_port_visa(
                    user, visa.pk, reason=refuse_form.cleaned_data["refusal_reason"], request=request
                )
                return redirect("foreigners:port_visa", visa_id=visa.pk)
        except DomainError as error:
            _add_error(issue_form if decision == "issue" else refuse_form, error)
    return render(
        request,
        "foreigners/port_visa.html",
        {
            "visa": visa,
            "issue_form": issue_form,
            "refuse_form": refuse_form,
            "applied": visa.status == PortVisaStatus.APPLIED,
        },
    )
