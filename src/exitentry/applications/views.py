"""The application pages: the apply flow, my applications, tracking and the officer console.

The apply flow keeps the answers in the session under a form token made on the first step:
choose documents → your details → how and when → (face check, for zero-visit) → documents →
check your answers → send. Files chosen on the documents step are kept against the token and
attached when the form is sent. Sending uses the token as the Idempotency-Key, so a double click
or a reload creates one application. Every page works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from exitentry.accounts.models import Role, User
from exitentry.applications import bulk, documents, eligibility, services, shipping
from exitentry.applications.adapters import FaceVerificationUnavailable, face_verification
from exitentry.applications.api import payment_url
from exitentry.applications.forms import (
    ApproveForm,
    BulkFilingForm,
    ChooseDocumentsForm,
    DetailsForm,
    DispatchForm,
    HandOverForm,
    MaterialsForm,
    OptionsForm,
    PermitSentForm,
    RejectForm,
    RequestMaterialsForm,
    SubmitForm,
    TrackForm,
    UploadForm,
)
from exitentry.applications.models import (
    Application,
    ApplicationItem,
    ItemStatus,
    MaterialStatus,
    Priority,
    SlaLevel,
    Upload,
)
from exitentry.audit.services import record_access
from exitentry.catalog.models import Channel, City, Material, Reason
from exitentry.catalog.services import active_services
from exitentry.core.errors import DomainError
from exitentry.core.masking import mask_name

DRAFT = "application_draft"
# Which step of the flow asks for each field a service error may name.
FIELD_STEPS = {
    "services": "applications:apply",
    "entries": "applications:apply",
    "phone": "applications:details",
}
# Service error fields → form field names on the options step.
OPTION_FIELDS = {
    "pickup_point_id": "pickup_point",
    "delivery_address": "delivery_address",
    "delivery_method": "delivery_method",
    "priority": "priority",
    "channel": "channel",
    "emergency_reason": "emergency_reason",
    "emergency_details": "emergency_details",
    "lost_on": "lost_on",
    "loss_circumstances": "loss_circumstances",
    "permit_by_mail": "permit_by_mail",
}


def _add_error(form: django_forms.Form, error: DomainError, fields: dict[str, str] | None = None) -> None:
    name = str(error.details.get("field") or "")
    name = (fields or {}).get(name, name)
    form.add_error(name if name in form.fields else None, str(error.message))


def staff_required(*roles: str) -> Callable[..., Any]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user: Any = _account(request)
            if not (user.has_role(*roles) or user.role == Role.ADMIN):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- The draft in the session ------------------------------------------------------------------


def _draft(request: HttpRequest, *, new: bool = False) -> dict[str, Any]:
    draft = request.session.get(DRAFT)
    if new or not isinstance(draft, dict) or draft.get("submitted"):
        draft = {"token": uuid.uuid4().hex}
        request.session[DRAFT] = draft
    return draft


def _save_draft(request: HttpRequest, draft: dict[str, Any]) -> None:
    request.session[DRAFT] = draft
    request.session.modified = True


def _form_from_draft(draft: dict[str, Any]) -> services.ApplicationForm:
    lost_on = draft.get("lost_on")
    return services.ApplicationForm(
        services=tuple(draft.get("services", [])),
        entries=dict(draft.get("entries", {})),
        channel=draft.get("channel", Channel.ONLINE),
        priority=draft.get("priority", "normal"),
        emergency_reason=draft.get("emergency_reason", ""),
        emergency_details=draft.get("emergency_details", ""),
        delivery_method=draft.get("delivery_method", "pickup"),
        pickup_point_id=draft.get("pickup_point_id"),
        delivery_address=draft.get("delivery_address", ""),
        permit_by_mail=bool(draft.get("permit_by_mail", False)),
        phone=draft.get("phone", ""),
        lost_on=dt.date.fromisoformat(lost_on) if lost_on else None,
        lost_where=draft.get("lost_where", ""),
        loss_circumstances=draft.get("loss_circumstances", ""),
        face_check_reference=draft.get("face_check_reference", ""),
    )


def _step_done(draft: dict[str, Any], step: str) -> bool:
    return step in draft.get("done", [])


def _mark_done(draft: dict[str, Any], step: str) -> None:
    draft["done"] = sorted({*draft.get("done", []), step})


def _staff_page(request: HttpRequest) -> HttpResponse | None:
    if services.is_staff(_account(request)):
        return render(request, "applications/staff_not_applicant.html", status=403)
    return None


def _not_eligible(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(
        request,
        "applications/not_eligible.html",
        {
            "error": error,
            "failures": error.details.get("failures", []),
            "places": error.details.get("where_to_go", []),
            "booking_url": error.details.get("booking_url"),
        },
    )


def _posted(request: HttpRequest) -> Any:
    """The POSTed data (even when empty, so that the form is validated), or None for a GET."""
    return request.POST if request.method == "POST" else None


def _account(request: HttpRequest) -> User:
    return cast(User, request.user)


def _person(request: HttpRequest) -> Any:
    user: Any = _account(request)
    return user.person if user.person_id else None


# --- Start and step 1: choose documents --------------------------------------------------------


def start(request: HttpRequest) -> HttpResponse:
    return render(request, "applications/start.html")


@login_required
@require_http_methods(["GET", "POST"])
def choose(request: HttpRequest) -> HttpResponse:
    if (refused := _staff_page(request)) is not None:
        return refused
    if _person(request) is None:
        result = eligibility.check_zero_visit(None, [], face_reference=None)
        return _not_eligible(request, services.NoResidentRecord(**services.eligibility_details(result)))
    draft = _draft(request, new=request.GET.get("new") == "1")
    initial: dict[str, Any] = {}
    for code in draft.get("services", []):
        document, _sep, _reason = code.partition(".")
        if "endorsement" in document:
            initial[f"endorsement_{code}"] = True
        else:
            initial[f"document_{document}"] = code
    for code, entries in draft.get("entries", {}).items():
        initial[f"entries_{code}"] = entries
    form = ChooseDocumentsForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_choice(_account(request), form.chosen_services(), form.chosen_entries())
        except DomainError as error:
            _add_error(form, error)
        else:
            draft.update(services=form.chosen_services(), entries=form.chosen_entries())
            _mark_done(draft, "choose")
            _save_draft(request, draft)
            return redirect("applications:details")
    return render(
        request, "applications/choose.html", {"form": form, "step": 1}, status=422 if form.errors else 200
    )


# --- Step 2: your details ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest) -> HttpResponse:
    if (refused := _staff_page(request)) is not None:
        return refused
    draft = _draft(request)
    person = _person(request)
    if not _step_done(draft, "choose") or person is None:
        return redirect("applications:apply")
    form = DetailsForm(_posted(request), initial={"phone": draft.get("phone") or person.phone})
    if request.method == "POST" and form.is_valid():
        try:
            phone = services.clean_phone(form.cleaned_data["phone"])
        except DomainError as error:
            _add_error(form, error)
        else:
            draft["phone"] = phone
            _mark_done(draft, "details")
            _save_draft(request, draft)
            return redirect("applications:options")
    return render(
        request,
        "applications/details.html",
        {"form": form, "person": person, "step": 2},
        status=422 if form.errors else 200,
    )


# --- Step 3: how and when ----------------------------------------------------------------------


def _options_form(request: HttpRequest, draft: dict[str, Any], data: Any = None) -> OptionsForm:
    chosen = list(active_services(draft.get("services", [])))
    halls = [
        (hall.pk, f"{hall.name} ({hall.city.name})")
        for hall in services.active_halls().order_by("city__code", "code")
    ]
    user: Any = _account(request)
    initial = {
        key: draft[key]
        for key in (
            "channel",
            "priority",
            "emergency_reason",
            "emergency_details",
            "delivery_method",
            "delivery_address",
            "permit_by_mail",
            "lost_on",
            "lost_where",
            "loss_circumstances",
        )
        if key in draft
    }
    if draft.get("pickup_point_id"):
        initial["pickup_point"] = str(draft["pickup_point_id"])
    if draft.get("lost_on"):
        initial["loss_confirmed"] = True
    return OptionsForm(
        data,
        initial=initial,
        halls=halls,
        lost=any(service.reason == Reason.REPLACEMENT_LOST for service in chosen),
        green_channel=bool(user.organisation.strip()),
        home_service=bool(chosen) and all(Channel.HOME_SERVICE in (s.channels or []) for s in chosen),
        permit_in=_endorsement_on_held_permit(chosen),
    )


def _endorsement_on_held_permit(chosen: list[Any]) -> bool:
    """An endorsement goes on a permit the applicant holds (no new permit of that kind chosen)."""
    new_permits = {service.document_type_id for service in chosen if not service.is_endorsement}
    return any(s.is_endorsement and s.document_type_id not in new_permits for s in chosen)


@login_required
@require_http_methods(["GET", "POST"])
def options(request: HttpRequest) -> HttpResponse:
    if (refused := _staff_page(request)) is not None:
        return refused
    draft = _draft(request)
    if not _step_done(draft, "details"):
        return redirect("applications:details" if _step_done(draft, "choose") else "applications:apply")
    form = _options_form(request, draft, _posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        priority = data["priority"]
        answers = {
            "channel": "green_channel" if priority == "green_channel" else data["channel"],
            "priority": priority,
            "emergency_reason": data.get("emergency_reason", "") if priority == "emergency" else "",
            "emergency_details": data.get("emergency_details", "").strip() if priority == "emergency" else "",
            "delivery_method": data["delivery_method"],
            "pickup_point_id": int(data["pickup_point"]) if data.get("pickup_point") else None,
            "delivery_address": data.get("delivery_address", "").strip(),
            "permit_by_mail": bool(data.get("permit_by_mail")),
            "lost_on": data["lost_on"].isoformat() if data.get("lost_on") else None,
            "lost_where": data.get("lost_where", "").strip(),
            "loss_circumstances": data.get("loss_circumstances", "").strip(),
        }
        candidate = {**draft, **answers}
        try:
            plan = services.plan_application(
                _account(request),
                _form_from_draft(candidate),
                check_face=False,
            )
        except services.NotEligibleForZeroVisit as error:
            return _not_eligible(request, error)
        except DomainError as error:
            _add_error(form, error, OPTION_FIELDS)
        else:
            draft.update(answers)
            draft["zero_visit"] = plan.zero_visit
            _mark_done(draft, "options")
            _save_draft(request, draft)
            return redirect("applications:face_check" if plan.zero_visit else "applications:materials")
    return render(
        request, "applications/options.html", {"form": form, "step": 3}, status=422 if form.errors else 200
    )


# --- Step 4: live face check (zero-visit only) -------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def face_check(request: HttpRequest) -> HttpResponse:
    if (refused := _staff_page(request)) is not None:
        return refused
    draft = _draft(request)
    person = _person(request)
    if not _step_done(draft, "options") or person is None:
        return redirect("applications:options")
    if not draft.get("zero_visit"):
        return redirect("applications:materials")
    error: str | None = None
    reference = request.GET.get("reference", "")[:100]  # a provider sends the applicant back here
    if request.method == "POST":
        try:
            started = face_verification().start(
                person=eligibility.person_facts(person),
                return_url=request.build_absolute_uri(reverse("applications:face_check")),
            )
        except FaceVerificationUnavailable:
            error = _("The face check service is not answering. Please try again in a few minutes.")
        else:
            if started.redirect_url:
                return redirect(started.redirect_url)
            reference = started.reference
    if reference:
        failure = eligibility.face_check_failure(person, reference)
        if failure is None:
            draft["face_check_reference"] = reference
            _mark_done(draft, "face_check")
            _save_draft(request, draft)
            return redirect("applications:materials")
        error = failure.message
    return render(
        request, "applications/face_check.html", {"error": error, "step": 4}, status=422 if error else 200
    )


# --- Step 5: documents -------------------------------------------------------------------------


def _plan_or_redirect(request: HttpRequest, draft: dict[str, Any]) -> services.Plan | HttpResponse:
    if not _step_done(draft, "options"):
        return redirect("applications:options")
    if draft.get("zero_visit") and not _step_done(draft, "face_check"):
        return redirect("applications:face_check")
    try:
        return services.plan_application(_account(request), _form_from_draft(draft))
    except services.NotEligibleForZeroVisit as error:
        return _not_eligible(request, error)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(FIELD_STEPS.get(str(error.details.get("field")), "applications:options"))


@login_required
@require_http_methods(["GET", "POST"])
def materials(request: HttpRequest) -> HttpResponse:
    if (refused := _staff_page(request)) is not None:
        return refused
    draft = _draft(request)
    plan = _plan_or_redirect(request, draft)
    if isinstance(plan, HttpResponse):
        return plan
    to_upload = plan.to_upload
    form = MaterialsForm(
        _posted(request), (request.FILES if request.method == "POST" else None), materials=to_upload
    )
    if request.method == "POST" and form.is_valid():
        for material in to_upload:
            sent = request.FILES.get(f"file_{material.code}")
            if sent is None:
                continue
            try:
                services.stage_upload(
                    _account(request),
                    token=draft["token"],
                    material_code=material.code,
                    stream=sent,
                    name=sent.name or "",
                )
            except DomainError as error:
                form.add_error(f"file_{material.code}", str(error.message))
        if not form.errors:
            _mark_done(draft, "materials")
            _save_draft(request, draft)
            return redirect("applications:check")
    staged = services.staged_uploads(_account(request), draft["token"])
    return render(
        request,
        "applications/materials.html",
        {
            "form": form,
            "plan": plan,
            "staged": staged,
            "rows": [
                (m, form[f"file_{m.code}"] if m in to_upload else None, staged.get(m.code))
                for m in plan.materials
            ],
            "step": 5,
        },
        status=422 if form.errors else 200,
    )


# --- Step 6: check and send --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    if (refused := _staff_page(request)) is not None:
        return refused
    user: Any = _account(request)
    if request.method == "POST":
        token = request.POST.get("token", "")
        already = services.submitted_with_key(user, f"web-{token}") if token else None
        if already is not None:  # a second click, or a reload after sending
            return redirect(reverse("applications:detail", args=[already.number]) + "?submitted=1")
    draft = _draft(request)
    if not _step_done(draft, "materials"):
        return redirect("applications:materials")
    plan = _plan_or_redirect(request, draft)
    if isinstance(plan, HttpResponse):
        return plan
    form = SubmitForm(_posted(request), initial={"token": draft["token"]})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["token"] != draft["token"]:
            form.add_error(
                None, _("This form was replaced by a newer one. Check your answers and send again.")
            )
        else:
            try:
                submission = services.submit_application(
                    submitted_by=user,
                    form=_form_from_draft(draft),
                    idempotency_key=f"web-{draft['token']}",
                    request=request,
                    staged_token=draft["token"],
                )
            except services.NotEligibleForZeroVisit as error:
                return _not_eligible(request, error)
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                draft["submitted"] = submission.application.number
                _save_draft(request, draft)
                return redirect(
                    reverse("applications:detail", args=[submission.application.number]) + "?submitted=1"
                )
    staged = services.staged_uploads(user, draft["token"])
    pickup = (
        services.active_halls().filter(pk=plan.form.pickup_point_id).first()
        if plan.form.pickup_point_id
        else None
    )
    return render(
        request,
        "applications/check.html",
        {
            "form": form,
            "plan": plan,
            "material_rows": [(m, staged.get(m.code)) for m in plan.materials],
            "pickup": pickup,
            "priority_label": Priority(plan.form.priority).label,
            "channel_label": Channel(plan.form.channel).label,
            "step": 6,
        },
        status=422 if form.errors else 200,
    )


# --- After sending: my applications, one application -------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    rows = []
    for application in services.applications_of(_account(request))[:100]:
        items = list(application.items.all())
        status = services.overall_status(item.status for item in items)
        rows.append(
            {
                "application": application,
                "status": status,
                "status_label": ItemStatus(status).label,
                "names": [item.service.name for item in items],
                "promised_date": max((i.promised_date for i in items if i.promised_date), default=None),
            }
        )
    return render(request, "applications/mine.html", {"rows": rows})


def _permit_in(item: ApplicationItem) -> dict[str, Any] | None:
    """For an endorsement whose permit the applicant sends in: where to, the parcel, and whether
    the applicant may still tell us (or correct) the tracking number."""
    if not shipping.waits_for_permit(item):
        return None
    shipment = shipping.inbound_shipment(item)
    return {
        "hall": item.application.service_point,
        "shipment": shipment,
        "received_at": item.permit_received_at,
        "can_send": item.permit_received_at is None and item.status in shipping.SEND_OPEN_STATUSES,
    }


def _own_application(request: HttpRequest, number: str) -> Application:
    try:
        return services.own_application(_account(request), number)
    except DomainError as error:
        raise Http404(str(error.message)) from error


def _detail_context(application: Application) -> dict[str, Any]:
    items = list(application.items.select_related("service").prefetch_related("events"))
    for item in items:
        item.courier_scans = services.courier_events(item) if item.tracking_number else []  # type: ignore[attr-defined]
        item.permit_in = _permit_in(item)  # type: ignore[attr-defined]
    status = services.overall_status(item.status for item in items)
    upload_open = any(item.status in services.UPLOAD_OPEN_STATUSES for item in items)
    materials_rows = []
    for material in application.materials.select_related("material").prefetch_related("uploads"):
        wanted = material.status in (MaterialStatus.TO_UPLOAD, MaterialStatus.REQUESTED) and upload_open
        materials_rows.append(
            {"material": material, "wanted": wanted, "uploads": list(material.uploads.all())}
        )
    events = sorted(
        (
            (event, item)
            for item in items
            for event in item.events.all()
            if event.to_status != ItemStatus.DRAFT
        ),
        key=lambda pair: (pair[0].at, pair[0].pk),
    )
    return {
        "application": application,
        "items": items,
        "status": status,
        "status_label": ItemStatus(status).label,
        "promised_date": max((i.promised_date for i in items if i.promised_date), default=None),
        "awaiting_payment": any(item.status == ItemStatus.AWAITING_PAYMENT for item in items),
        "payment_url": payment_url(application),
        "materials": materials_rows,
        "to_send": [row for row in materials_rows if row["wanted"]],
        "events": events,
        "withdrawable": services.WITHDRAWABLE_STATUSES,
        "receipt_available": documents.receipt_available(application),
    }


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    application = _own_application(request, number)
    context = _detail_context(application)
    context.update(
        just_submitted=request.GET.get("submitted") == "1",
        upload_form=UploadForm(),
        permit_form=PermitSentForm(),
    )
    return render(request, "applications/detail.html", context)


@login_required
@require_POST
def permit_sent(request: HttpRequest, item_id: int) -> HttpResponse:
    """The applicant tells us the tracking number of the parcel carrying their permit."""
    try:
        item = services.own_item(_account(request), item_id)
    except DomainError as error:
        raise Http404 from error
    form = PermitSentForm(request.POST)
    if form.is_valid():
        try:
            shipping.send_permit(
                _account(request),
                item_id,
                courier=form.cleaned_data["courier"],
                tracking_number=form.cleaned_data["tracking_number"],
                request=request,
            )
        except DomainError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Thank you. We will tell you when your permit arrives."))
            return redirect(
                reverse("applications:detail", args=[item.application.number]) + f"#permit-{item.pk}"
            )
    context = _detail_context(item.application)
    context.update(upload_form=UploadForm(), permit_form=form, failed_permit=item.pk)
    return render(request, "applications/detail.html", context, status=422)


@login_required
@require_POST
def upload(request: HttpRequest, number: str) -> HttpResponse:
    application = _own_application(request, number)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        sent = form.cleaned_data["file"]
        try:
            services.upload_material(
                _account(request),
                application.number,
                material_code=form.cleaned_data["material"],
                stream=sent,
                name=sent.name or "",
                size=sent.size,
                request=request,
            )
        except DomainError as error:
            form.add_error("file", str(error.message))
        else:
            messages.success(request, _("Thank you. We have your document."))
            return redirect(reverse("applications:detail", args=[application.number]) + "#documents")
    context = _detail_context(application)
    context.update(upload_form=form, failed_material=request.POST.get("material", ""))
    return render(request, "applications/detail.html", context, status=422)


@login_required
@require_POST
def withdraw(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        item = services.withdraw_own_item(_account(request), item_id, request=request)
    except services.ItemNotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, str(error.message))
        number = (
            ApplicationItem.objects.filter(pk=item_id).values_list("application__number", flat=True).first()
        )
        return redirect("applications:detail", number=number) if number else redirect("applications:mine")
    messages.success(request, _("You have withdrawn %(service)s.") % {"service": item.service.name})
    return redirect("applications:detail", number=item.application.number)


@login_required
def upload_file(request: HttpRequest, upload_id: int) -> FileResponse:
    """A document sent for an application, for its owner or an officer of its service point."""
    upload = Upload.objects.select_related("application_material__application").filter(pk=upload_id).first()
    user: Any = _account(request)
    if upload is None:
        raise Http404
    if upload.application_material is None:
        if upload.owner_id != user.pk:
            raise Http404
    else:
        application = upload.application_material.application
        if user.pk not in (application.applicant_id, application.submitted_by_id, upload.owner_id):
            try:
                services.item_for_officer(
                    user,
                    application.items.values_list("pk", flat=True).first() or 0,
                    roles=services.QUEUE_VIEWER_ROLES,
                )
            except DomainError as error:
                raise Http404 from error
            record_access(user, application, purpose="material_viewed", request=request)
    response = FileResponse(upload.file.open("rb"), content_type=upload.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Tracking ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(_posted(request))
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = services.track(
                form.cleaned_data["number"],
                form.cleaned_data["id_last4"],
                client=request.META.get("REMOTE_ADDR"),
            )
        except DomainError as error:
            form.add_error("number" if error.status == 404 else None, str(error.message))
            status = error.status
    elif form.errors:
        status = 422
    return render(request, "applications/track.html", {"form": form, "result": result}, status=status)


# --- Officer console ---------------------------------------------------------------------------


@staff_required(*services.QUEUE_VIEWER_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    wanted = [s for s in request.GET.getlist("status") if s in ItemStatus.values]
    items = services.work_queue(_account(request), statuses=wanted or None)
    rows = [{"item": item, "applicant": mask_name(item.application.full_name)} for item in items]
    return render(
        request,
        "applications/officer/queue.html",
        {
            "rows": rows,
            "statuses": [(s, ItemStatus(s).label) for s in services.QUEUE_STATUSES],
            "wanted": wanted,
        },
    )


ACTIONS = (
    "approve",
    "reject",
    "request-materials",
    "start-production",
    "produce",
    "dispatch",
    "delivered",
    "hand-over",
    "permit-received",
)
# Which actions make sense in which state (the service still checks the transition table).
ACTIONS_BY_STATUS = {
    ItemStatus.UNDER_REVIEW: ("approve", "reject", "request-materials"),
    ItemStatus.APPROVED: ("start-production",),
    ItemStatus.IN_PRODUCTION: ("produce", "dispatch"),
    ItemStatus.READY_FOR_PICKUP: ("hand-over",),
    ItemStatus.DISPATCHED: ("delivered",),
}


def _review_context(
    request: HttpRequest, item: ApplicationItem, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    application = item.application
    context = _detail_context(application)
    material_choices = [(m.code, m.name) for m in Material.objects.order_by("sort_order", "code")]
    actions = list(ACTIONS_BY_STATUS.get(ItemStatus(item.status), ()))
    if "produce" in actions and application.delivery_method != "pickup":
        actions.remove("produce")
    if "dispatch" in actions and application.delivery_method != "mail":
        actions.remove("dispatch")
    permit_in = _permit_in(item)
    if permit_in is not None and permit_in["can_send"]:
        actions.insert(0, "permit-received")
    if "start-production" in actions and permit_in is not None and permit_in["received_at"] is None:
        actions.remove("start-production")
    context.update(
        item=item,
        actions=actions,
        approve_form=ApproveForm(),
        reject_form=RejectForm(),
        request_form=RequestMaterialsForm(material_choices=material_choices),
        dispatch_form=DispatchForm(),
        hand_over_form=HandOverForm(),
        household_city=City.objects.filter(code=application.household_city_code).first(),
        item_scans=services.courier_events(item),
        permit_in=permit_in,
    )
    context.update(forms or {})
    return context


@staff_required(*services.QUEUE_VIEWER_ROLES)
def review(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        item = services.item_for_officer(_account(request), item_id, roles=services.QUEUE_VIEWER_ROLES)
    except DomainError as error:
        raise Http404 from error
    record_access(_account(request), item.application, purpose="application_review", request=request)
    return render(request, "applications/officer/review.html", _review_context(request, item))


def _action_form(action: str, data: Any, material_choices: list[tuple[str, str]]) -> django_forms.Form | None:
    if action == "approve":
        return ApproveForm(data)
    if action == "reject":
        return RejectForm(data)
    if action == "request-materials":
        return RequestMaterialsForm(data, material_choices=material_choices)
    if action == "dispatch":
        return DispatchForm(data)
    if action == "hand-over":
        return HandOverForm(data)
    return None


@staff_required(*services.OFFICER_ROLES)
@require_POST
def officer_action(request: HttpRequest, item_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    user: Any = _account(request)
    try:
        item = services.item_for_officer(user, item_id)
    except DomainError as error:
        raise Http404 from error
    material_choices = [(m.code, m.name) for m in Material.objects.order_by("sort_order", "code")]
    form = _action_form(action, request.POST, material_choices)
    status = 422
    if form is None or form.is_valid():
        data = form.cleaned_data if form is not None else {}
        calls: dict[str, Callable[[], Any]] = {
            "approve": lambda: services.approve_item(user, item_id, note=data["note"], request=request),
            "reject": lambda: services.reject_item(user, item_id, reason=data["reason"], request=request),
            "request-materials": lambda: services.request_more_materials(
                user, item_id, materials=data["materials"], note=data["note"], request=request
            ),
            "start-production": lambda: services.officer_start_production(user, item_id, request=request),
            "produce": lambda: services.mark_ready_for_pickup(user, item_id, request=request),
            "dispatch": lambda: services.dispatch_item(
                user,
                item_id,
                tracking_number=data["tracking_number"],
                courier=data["courier"],
                request=request,
            ),
            "delivered": lambda: services.officer_mark_delivered(user, item_id, request=request),
            "hand-over": lambda: services.hand_over_item(
                user, item_id, id_last4=data["id_last4"], request=request
            ),
            "permit-received": lambda: shipping.receive_permit(user, item_id, request=request),
        }
        try:
            done = calls[action]()
        except DomainError as error:
            status = error.status
            if form is None:
                messages.error(request, str(error.message))
                return redirect("applications:review", item_id=item_id)
            _add_error(form, error)
        else:
            messages.success(
                request,
                _("%(service)s of %(number)s is now: %(status)s.")
                % {
                    "service": done.service.name,
                    "number": done.application.number,
                    "status": done.get_status_display(),
                },
            )
            return redirect("applications:review", item_id=item_id)
    form_names = {
        "approve": "approve_form",
        "reject": "reject_form",
        "request-materials": "request_form",
        "dispatch": "dispatch_form",
        "hand-over": "hand_over_form",
    }
    item.refresh_from_db()
    context = _review_context(request, item, {form_names[action]: form, "failed_action": action})
    return render(request, "applications/officer/review.html", context, status=status)


@staff_required(*services.SLA_VIEWER_ROLES)
def sla(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level", "")
    open_only = request.GET.get("open", "1") != "0"
    flags = services.sla_flags_for(_account(request), level=level or None, open_only=open_only)
    return render(
        request,
        "applications/officer/sla.html",
        {"flags": flags, "level": level, "open_only": open_only, "levels": SlaLevel.choices},
    )


# --- Printable documents -----------------------------------------------------------------------


def _pdf(request: HttpRequest, number: str, render_pdf: Callable[..., tuple[str, bytes]]) -> HttpResponse:
    try:
        name, data = render_pdf(
            _account(request), number, base_url=request.build_absolute_uri("/"), request=request
        )
    except DomainError as error:
        if error.status == 404:
            raise Http404 from error
        messages.error(request, str(error.message))
        return redirect("applications:detail", number=number)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def form_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The application form as PDF, for its owner or an officer of its service point."""
    return _pdf(request, number, documents.form_pdf_for)


@login_required
def receipt_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The payment receipt as PDF, once the order is paid."""
    return _pdf(request, number, documents.receipt_pdf_for)


# --- Enterprise green channel --------------------------------------------------------------------


def _enterprise(request: HttpRequest) -> User:
    user = _account(request)
    # An enterprise account without its organisation on record cannot file (bulk refuses it).
    if user.role != Role.ENTERPRISE or not user.organisation:
        raise PermissionDenied
    return user


def _halls() -> list[tuple[int, str]]:
    return [(hall.pk, str(hall.name)) for hall in services.active_halls().order_by("code")]


@login_required
@require_http_methods(["GET", "POST"])
def enterprise(request: HttpRequest) -> HttpResponse:
    """An enterprise account sends a spreadsheet of employees and sees its filings."""
    user = _enterprise(request)
    form = BulkFilingForm(request.POST or None, request.FILES or None, halls=_halls())
    row_errors: list[bulk.RowError] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            sent = form.cleaned_data["file"]
            try:
                result = bulk.file_bulk(
                    user,
                    stream=sent,
                    file_name=sent.name or "",
                    pickup_point_id=form.cleaned_data["pickup_point"],
                    request=request,
                )
            except DomainError as error:
                _add_error(form, error, {"": "file"})
                if not form.errors:
                    form.add_error("file", str(error.message))
            else:
                if result.filing is not None:
                    if result.replayed:
                        messages.info(request, _("This file was already filed: here is that filing."))
                    else:
                        messages.success(
                            request,
                            _("%(count)s applications filed through the green channel.")
                            % {"count": result.filing.row_count},
                        )
                    return redirect("applications:enterprise_filing", filing_id=result.filing.pk)
                row_errors = result.errors
                form.add_error("file", str(bulk.BulkRowsInvalid.default_message))
    filings = bulk.filings_of(user)
    return render(
        request,
        "applications/enterprise.html",
        {"form": form, "row_errors": row_errors, "filings": filings, "organisation": user.organisation},
        status=status,
    )


@login_required
def enterprise_filing(request: HttpRequest, filing_id: int) -> HttpResponse:
    """Where each employee's application of one filing stands."""
    user = _enterprise(request)
    try:
        filing = bulk.filing_for(user, filing_id)
    except DomainError as error:
        raise Http404 from error
    rows = []
    for application in filing.applications.prefetch_related("items__service").order_by("pk"):
        status = services.application_status(application)
        rows.append(
            {
                "application": application,
                "name": mask_name(application.full_name),
                "status": status,
                "status_label": ItemStatus(status).label,
                "names": [item.service.name for item in application.items.all()],
                "promised_date": services.promised_date_of(application),
            }
        )
    return render(request, "applications/enterprise_filing.html", {"filing": filing, "rows": rows})


@login_required
def enterprise_sample(request: HttpRequest) -> HttpResponse:
    """An empty spreadsheet with the column headings and one example row."""
    _enterprise(request)
    data = bulk.sample_xlsx(
        [
            ["name", "resident_id", "phone", "services"],
            ["张三", "370102199003070012", "13900000000", "passport.first_issue"],
        ]
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="green-channel-employees.xlsx"'
    return response
