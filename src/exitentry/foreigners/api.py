"""Foreigners' API at /api/v1/foreigners: thin wrappers of services.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from ninja import Header, Router
from ninja.responses import Status

from exitentry.accounts.auth import api_auth
from exitentry.applications.models import ApplicationItem
from exitentry.core.errors import NotAuthenticated
from exitentry.core.masking import mask_name
from exitentry.core.schemas import ErrorOut
from exitentry.foreigners import services
from exitentry.foreigners.models import ForeignerCase, PortVisa
from exitentry.foreigners.schemas import (
    ApplicationIn,
    ApproveIn,
    CaseOut,
    IssueIn,
    ItemOut,
    PortVisaIn,
    PortVisaOut,
    PortVisaRefuseIn,
    QueueItemOut,
    ReasonOut,
    RefuseIn,
    WorkPermitOut,
)

router = Router(tags=["foreigners"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _user(request: HttpRequest) -> Any:
    user = getattr(request, "auth", None)
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    return user


def _payment_url(order: str) -> str | None:
    if not order:
        return None
    try:
        return reverse("payments:order", args=[order])
    except NoReverseMatch:
        return None


def case_out(case: ForeignerCase) -> CaseOut:
    application = case.application
    items = list(application.items.all())
    status = services.public_status(case)
    dates = [item.promised_date for item in items if item.promised_date]
    return CaseOut(
        number=application.number,
        kind=case.kind,
        status=status,
        status_label=str(services.STATUS_LABELS[status]),
        outcome_reason=case.outcome_reason,
        employer=case.employer_name,
        passport=f"{case.passport.nationality} {case.passport.number}",
        service_point_id=application.service_point_id,
        promised_date=max(dates) if dates else None,
        payment_url=_payment_url(application.payment_order_id),
        items=[
            ItemOut(
                id=item.pk,
                service=item.service_code,
                status=item.status,
                authority=services.authority_of(item.document_type),
                fee_cny=f"{item.fee:.2f}",
                promised_date=item.promised_date,
            )
            for item in items
        ],
    )


def queue_out(item: ApplicationItem) -> QueueItemOut:
    case = services.case_of_item(item)
    return QueueItemOut(
        id=item.pk,
        number=item.application.number,
        service=item.service_code,
        status=item.status,
        applicant=mask_name(item.application.full_name),
        passport=f"{case.passport.nationality} ****{case.passport.number[-3:]}",
        employer=case.employer_name,
        promised_date=item.promised_date,
    )


def port_visa_out(visa: PortVisa) -> PortVisaOut:
    return PortVisaOut(
        id=visa.pk,
        service_point_id=visa.service_point_id,
        status=visa.status,
        passport=visa.passport.number,
        nationality=visa.passport.nationality,
        reason=visa.reason.code,
        number=visa.number,
        valid_from=visa.valid_from,
        valid_until=visa.valid_until,
        entries=visa.entries,
        stay_days=visa.stay_days,
        refusal_reason=visa.refusal_reason,
    )


@router.post("/applications", response={201: CaseOut, 200: CaseOut, **ERRORS}, auth=api_auth)
def file_application(
    request: HttpRequest,
    payload: ApplicationIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status[CaseOut]:
    """File a foreigner's application; an employer files the joint work + residence permit
    application for its staff. The same Idempotency-Key and body answer 200 with the first one."""
    filed = services.submit_foreigner_application(
        submitted_by=_user(request),
        form=services.ForeignerForm(
            kind=payload.kind,
            mrz=payload.mrz,
            phone=payload.phone,
            service_point_id=payload.service_point_id,
            job_title=payload.job_title,
            purpose=payload.purpose,
        ),
        idempotency_key=idempotency_key,
        request=request,
    )
    return Status(200 if filed.replayed else 201, case_out(filed.case))


@router.get("/applications", response={200: list[CaseOut], 401: ErrorOut, 403: ErrorOut}, auth=api_auth)
def my_cases(request: HttpRequest) -> list[CaseOut]:
    """The employer's filed applications, or the foreigner's own, newest first."""
    return [case_out(case) for case in services.cases_of(_user(request))[:200]]


@router.get("/applications/{number}", response={200: CaseOut, 401: ErrorOut, 404: ErrorOut}, auth=api_auth)
def one_case(request: HttpRequest, number: str) -> CaseOut:
    return case_out(services.case_for(_user(request), number, request=request))


@router.get("/decisions", response={200: list[QueueItemOut], 401: ErrorOut, 403: ErrorOut}, auth=api_auth)
def decision_queue(request: HttpRequest) -> list[QueueItemOut]:
    """The items waiting for the caller's decision: the work-permit office sees work permits, an
    exit-entry officer the residence permits and visas of their halls."""
    return [queue_out(item) for item in services.decision_queue(_user(request))]


@router.post("/decisions/{item_id}/approve", response={200: CaseOut, **ERRORS}, auth=api_auth)
def approve(request: HttpRequest, item_id: int, payload: ApproveIn) -> CaseOut:
    grant = (
        services.Grant(category=payload.category, valid_to=payload.valid_to)
        if payload.category and payload.valid_to
        else None
    )
    case = services.approve(_user(request), item_id, note=payload.note, grant=grant, request=request)
    return case_out(case)


@router.post("/decisions/{item_id}/refuse", response={200: CaseOut, **ERRORS}, auth=api_auth)
def refuse(request: HttpRequest, item_id: int, payload: RefuseIn) -> CaseOut:
    return case_out(services.refuse(_user(request), item_id, reason=payload.reason, request=request))


@router.get("/work-permits", response={200: list[WorkPermitOut], 401: ErrorOut}, auth=api_auth)
def my_work_permits(request: HttpRequest) -> list[WorkPermitOut]:
    """The caller's own work permits (a foreigner's account)."""
    return [
        WorkPermitOut(
            number=permit.number,
            category=permit.category,
            employer=permit.employer_name,
            valid_from=permit.valid_from,
            valid_to=permit.valid_to,
            in_force=permit.in_force_on(services.clock.today()),
            high_level_talent=permit.category == "A" and permit.in_force_on(services.clock.today()),
        )
        for permit in services.work_permits_of(_user(request))
    ]


@router.get("/port-visa-reasons", response={200: list[ReasonOut]})
def port_visa_reasons(request: HttpRequest) -> list[ReasonOut]:
    return [ReasonOut(code=reason.code, name=reason.name) for reason in services.reasons()]


@router.post("/port-visas", response={201: PortVisaOut, **ERRORS}, auth=api_auth)
def record_port_visa(
    request: HttpRequest,
    payload: PortVisaIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status[PortVisaOut]:
    """An officer at a port visa office records an on-arrival application."""
    visa = services.record_port_visa_application(
        _user(request),
        services.PortVisaForm(
            service_point_id=payload.service_point_id,
            mrz=payload.mrz,
            reason=payload.reason,
            reason_details=payload.reason_details,
            arrival=payload.arrival,
        ),
        idempotency_key=idempotency_key,
        request=request,
    )
    return Status(201, port_visa_out(visa))


@router.post("/port-visas/{visa_id}/issue", response={200: PortVisaOut, **ERRORS}, auth=api_auth)
def issue_port_visa(request: HttpRequest, visa_id: int, payload: IssueIn) -> PortVisaOut:
    visa = services.issue_port_visa(
        _user(request),
        visa_id,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        entries=payload.entries,
        stay_days=payload.stay_days,
        request=request,
    )
    return port_visa_out(visa)


@router.post("/port-visas/{visa_id}/refuse", response={200: PortVisaOut, **ERRORS}, auth=api_auth)
def refuse_port_visa(request: HttpRequest, visa_id: int, payload: PortVisaRefuseIn) -> PortVisaOut:
    return port_visa_out(
        services.refuse_port_visa(_user(request), visa_id, reason=payload.refusal_reason, request=request)
    )
