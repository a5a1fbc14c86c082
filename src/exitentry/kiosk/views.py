"""Kiosk pages (touchscreen, one person at a time) and the officers' device page.

Every kiosk page goes through `kiosk_page`: it finds the device from its signed cookie (or sends
the browser to the setup page), ends a visit left idle longer than the device's timeout, switches
to the language the person chose, and marks the answer `no-store`.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import secrets
from collections.abc import Callable
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.signing import BadSignature
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from exitentry.core.errors import DomainError, PermissionDenied
from exitentry.kiosk import services, visit
from exitentry.kiosk.adapters import SandboxCardReader
from exitentry.kiosk.forms import DeviceRegistrationForm
from exitentry.kiosk.models import EndorsementStatus, KioskDevice

LANGUAGES = [(code, name) for code, name in settings.LANGUAGES]
KioskView = Callable[..., HttpResponse]
MAX_SHOTS = 8
MAX_SHOT_BYTES = 6 * 1024 * 1024


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(
        response
    )  # Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private
    response["Pragma"] = "no-cache"
    return response


def _device(request: HttpRequest) -> KioskDevice | None:
    try:
        token = request.get_signed_cookie(visit.DEVICE_COOKIE, salt=visit.DEVICE_COOKIE_SALT)
    except (KeyError, BadSignature):
        return None
    return services.device_for_token(token)


def kiosk_page(view: KioskView) -> KioskView:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        device = _device(request)
        if device is None:
            return _no_store(redirect("kiosk:setup"))
        if visit.idle_too_long(request, device.idle_timeout_seconds):
            visit.wipe(request)
            return _ended(reverse("kiosk:start") + "?ended=idle")
        language = visit.data(request).get("language")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        visit.touch(request)
        request.kiosk_device = device  # type: ignore[attr-defined]
        response = view(request, device, *args, **kwargs)
        return _no_store(response)

    return wrapper


def _ended(location: str) -> HttpResponse:
    response = HttpResponseRedirect(location)
    # Ask the browser to drop anything a page might have left: caches and web storage.
    response["Clear-Site-Data"] = '"cache", "storage"'
    return _no_store(response)


def _render(
    request: HttpRequest, device: KioskDevice, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context = {
        "device": device,
        "idle_seconds": device.idle_timeout_seconds,
        "visit_language": visit.data(request).get("language"),
        **context,
    }
    return render(request, f"kiosk/{template}", context, status=status)


# --- Setting up a device -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Bind this browser to a registered kiosk by its token (done once by staff)."""
    error = ""
    if request.method == "POST":
        token = (request.POST.get("token") or "").strip()
        device = services.device_for_token(token)
        if device is not None:
            visit.wipe(request)
            response = HttpResponseRedirect(reverse("kiosk:start"))
            response.set_signed_cookie(
                visit.DEVICE_COOKIE,
                token,
                salt=visit.DEVICE_COOKIE_SALT,
                max_age=3600 * 24 * 365,
                httponly=True,
                samesite="Strict",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return _no_store(response)
        error = _("This token does not belong to a registered kiosk.")
    return _no_store(render(request, "kiosk/setup.html", {"error": error}, status=400 if error else 200))


# --- The visit -----------------------------------------------------------------------------------


@kiosk_page
def start(request: HttpRequest, device: KioskDevice) -> HttpResponse:
    return _render(request, device, "start.html", {"languages": LANGUAGES, "ended": request.GET.get("ended")})


@require_POST
@kiosk_page
def choose_language(request: HttpRequest, device: KioskDevice) -> HttpResponse:
    language = request.POST.get("language", "")
    if language not in dict(LANGUAGES):
        return redirect("kiosk:start")
    visit.wipe(request)  # a new person: nothing of the one before
    visit.save(request, language=language)
    visit.touch(request)
    return redirect("kiosk:menu")


@kiosk_page
def menu(request: HttpRequest, device: KioskDevice) -> HttpResponse:
    return _render(request, device, "menu.html", {"card": visit.data(request).get("card")})


@require_POST
def end(request: HttpRequest) -> HttpResponse:
    """The person is done (or the idle timer fired): forget everything."""
    visit.wipe(request)
    reason = "idle" if request.POST.get("reason") == "idle" else "done"
    return _ended(reverse("kiosk:start") + f"?ended={reason}")


NEXT_STEPS = {"endorsement": "kiosk:endorsement", "form": "kiosk:form", "photo": "kiosk:photo"}


@require_http_methods(["GET", "POST"])
@kiosk_page
def card(request: HttpRequest, device: KioskDevice) -> HttpResponse:
    next_step = request.GET.get("next") or ""
    if next_step not in NEXT_STEPS:
        next_step = "endorsement"
    sandbox = settings.EXITENTRY_ADAPTERS.get("kiosk_card_reader", "").endswith("SandboxCardReader")
    context: dict[str, Any] = {
        "next": next_step,
        "sandbox": sandbox,
        "sandbox_cards": [f"applicant{number:03d}" for number in range(1, 11)] + [SandboxCardReader.DAMAGED],
    }
    if request.method == "POST":
        try:
            read = services.read_card(request.POST.get("slot", ""))
        except DomainError as error:
            context["error"] = error.message
            return _render(request, device, "card.html", context, status=422)
        person = services.person_for_card(read)
        visit.store_card(request, read, person.pk if person else None)
        return redirect(NEXT_STEPS[next_step])
    return _render(request, device, "card.html", context)


def _needs_card(request: HttpRequest, next_step: str) -> HttpResponse | None:
    if not visit.data(request).get("card"):
        return redirect(reverse("kiosk:card") + f"?next={next_step}")
    return None


def _person(request: HttpRequest) -> Any:
    from exitentry.identity.models import Person

    person_id = visit.data(request).get("person_id")
    return Person.objects.filter(pk=person_id).select_related("household_city").first() if person_id else None


@kiosk_page
def endorsement(request: HttpRequest, device: KioskDevice) -> HttpResponse:
    if (missing := _needs_card(request, "endorsement")) is not None:
        return missing
    person = _person(request)
    context: dict[str, Any] = {"card": visit.data(request)["card"], "key": secrets.token_urlsafe(16)}
    if person is None:
        context["error"] = _("We have no record of this identity card. Please go to a window.")
        return _render(request, device, "endorsement.html", context, status=422)
    try:
        found = services.eligibility(person)
    except DomainError as error:
        context["error"] = error.message
        return _render(request, device, "endorsement.html", context, status=422)
    context.update(permit=found.permit, options=found.options)
    return _render(request, device, "endorsement.html", context)


@require_POST
@kiosk_page
def endorsement_start(request: HttpRequest, device: KioskDevice) -> HttpResponse:
    person = _person(request)
    if person is None:
        return redirect(reverse("kiosk:card") + "?next=endorsement")
    service_code = request.POST.get("service", "")
    key = request.POST.get("key") or secrets.token_urlsafe(16)
    try:
        reference = services.verify_face(person)
        started, _payment = services.start_instant_endorsement(
            device=device,
            person=person,
            service_code=service_code,
            face_check_reference=reference,
            idempotency_key=key,
            base_url=settings.PAYMENTS_PUBLIC_BASE_URL or request.build_absolute_uri("/"),
            request=request,
        )
    except DomainError as error:
        found = None
        with contextlib.suppress(DomainError):
            found = services.eligibility(person)
        context = {
            "card": visit.data(request)["card"],
            "error": error.message,
            "permit": found.permit if found else None,
            "options": found.options if found else [],
            "key": secrets.token_urlsafe(16),
        }
        return _render(request, device, "endorsement.html", context, status=error.status)
    visit.save(request, endorsement=started.number)
    return redirect("kiosk:endorsement_status", number=started.number)


def _qr_svg(payload: str) -> str:
    return segno.make(payload, error="m").svg_inline(scale=6, title=_("Payment QR code"))


def _status_context(endorsement: Any) -> dict[str, Any]:
    from exitentry.payments.models import Order

    order = Order.objects.filter(number=endorsement.order_number).first()
    waiting = endorsement.status == EndorsementStatus.AWAITING_PAYMENT
    return {
        "endorsement": endorsement,
        "waiting": waiting,
        "busy": endorsement.status
        in (EndorsementStatus.AWAITING_PAYMENT, EndorsementStatus.PAID, EndorsementStatus.PRINTING),
        "qr_svg": _qr_svg(order.qr_payload) if waiting and order is not None and order.qr_payload else "",
        "pay_url": order.payment_url if waiting and order is not None else "",
        "failure_message": _failure_messages().get(endorsement.failure_code, ""),
    }


def _failure_messages() -> dict[str, str]:
    return {
        "printer_jam": _(
            "The printer jammed, so the endorsement was not printed. Your payment is being refunded "
            "in full. An officer has been told; please go to a window."
        ),
        "out_of_paper": _(
            "The printer ran out of supplies, so the endorsement was not printed. Your payment is "
            "being refunded in full. Please go to a window."
        ),
        "payment_timeout": _(
            "No payment arrived in time, so nothing was charged for this visit. If you paid after "
            "all, the money is returned automatically."
        ),
        "late_payment": _(
            "Your payment arrived after the kiosk stopped waiting. It is being refunded in full."
        ),
        "not_printed": _("The endorsement was not printed. Your payment is being refunded in full."),
    }


def _endorsement_for(request: HttpRequest, device: KioskDevice, number: str) -> Any:
    if visit.data(request).get("endorsement") != number:
        return None
    try:
        return services.endorsement_at(device, number)
    except DomainError:
        return None


@kiosk_page
def endorsement_status(request: HttpRequest, device: KioskDevice, number: str) -> HttpResponse:
    found = _endorsement_for(request, device, number)
    if found is None:
        return redirect("kiosk:menu")
    return _render(request, device, "endorsement_status.html", _status_context(found))


@require_POST
@kiosk_page
def endorsement_advance(request: HttpRequest, device: KioskDevice, number: str) -> HttpResponse:
    found = _endorsement_for(request, device, number)
    if found is None:
        return HttpResponse(status=404)
    found = services.advance(found, actor=f"kiosk:{device.code}")
    return _render(request, device, "_endorsement_progress.html", _status_context(found))


@require_http_methods(["GET", "POST"])
@kiosk_page
def form(request: HttpRequest, device: KioskDevice) -> HttpResponse:
    context: dict[str, Any] = {}
    if request.method == "POST":
        upload = request.FILES.get("passport")
        if upload is None or upload.size is None or upload.size > MAX_SHOT_BYTES:
            context["error"] = _("Choose a photo of the passport's data page.")
        else:
            try:
                reading = services.read_passport(upload.read())
            except DomainError as error:
                context["error"] = error.message
            else:
                check = reading.check
                visit.save(
                    request,
                    passport={
                        "number": check.document_number or "",
                        "latin_name": " ".join(p for p in (check.surname, check.given_names) if p),
                        "sex": check.sex if check.sex in ("M", "F") else "",
                        "birth_date": check.birth_date.isoformat() if check.birth_date else "",
                        "expiry": check.expiry_date.isoformat() if check.expiry_date else "",
                    },
                )
    facts = visit.form_facts(request)
    if (
        facts is None
        and "error" not in context
        and request.method == "GET"
        and request.GET.get("passport") != "1"
    ):
        return redirect(reverse("kiosk:card") + "?next=form")
    context["facts"] = facts
    return _render(request, device, "form.html", context, status=422 if "error" in context else 200)


@kiosk_page
def form_pdf(request: HttpRequest, device: KioskDevice) -> HttpResponse:
    facts = visit.form_facts(request)
    if facts is None:
        return redirect("kiosk:form")
    data = services.application_form_pdf(facts, device=device)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="application-form.pdf"'
    return response


@require_http_methods(["GET", "POST"])
@kiosk_page
def photo(request: HttpRequest, device: KioskDevice) -> HttpResponse:
    context: dict[str, Any] = {}
    if request.method == "POST":
        shots = [
            upload.read()
            for upload in request.FILES.getlist("shots")[:MAX_SHOTS]
            if (upload.size or 0) <= MAX_SHOT_BYTES
        ]
        if not shots:
            context["error"] = _("Take at least one photo.")
        else:
            try:
                choice = services.choose_photo(shots)
            except DomainError as error:
                context["error"] = error.message
            else:
                context["choice"] = choice
                context["best_src"] = (
                    "data:image/jpeg;base64," + base64.b64encode(choice.cropped_jpeg).decode()
                    if choice.cropped_jpeg
                    else ""
                )
                visit.save(request, photo_chosen=choice.best_index is not None)
    return _render(request, device, "photo.html", context, status=422 if "error" in context else 200)


@require_POST
def ping(request: HttpRequest) -> HttpResponse:
    """The kiosk page's own heartbeat: the device is alive (its printer status is left as reported)."""
    device = _device(request)
    if device is None:
        return _no_store(HttpResponse(status=401))
    services.record_alive(device)
    return _no_store(HttpResponse(status=204))


# --- Officers ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def devices(request: HttpRequest) -> HttpResponse:
    user = request.user
    try:
        rows = list(services.devices_for(user))  # type: ignore[arg-type]
    except PermissionDenied:
        return render(request, "kiosk/forbidden.html", status=403)
    issued = None
    registration = DeviceRegistrationForm(user, request.POST or None)  # type: ignore[arg-type]
    if request.method == "POST" and registration.is_valid():
        try:
            issued = services.register_device(
                actor=user,  # type: ignore[arg-type]
                service_point_id=registration.cleaned_data["service_point"].pk,
                code=registration.cleaned_data["code"],
                name=registration.cleaned_data["name"],
                idle_timeout_seconds=registration.cleaned_data["idle_timeout_seconds"],
                request=request,
            )
        except DomainError as error:
            registration.add_error(None, str(error.message))
        else:
            rows = list(services.devices_for(user))  # type: ignore[arg-type]
            registration = DeviceRegistrationForm(user)  # type: ignore[arg-type]
    problems = list(services.endorsements_for(user, problems_only=True)[:50])  # type: ignore[arg-type]
    response = render(
        request,
        "kiosk/devices.html",
        {"devices": rows, "problems": problems, "form": registration, "issued": issued},
    )
    return _no_store(response) if issued else response
