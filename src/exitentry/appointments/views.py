"""The booking pages: service and hall → day → time → check and confirm → confirmation.

Each step is a GET form carrying the earlier answers, so the flow works without JavaScript and
the back button; only the final confirmation POSTs, with an idempotency key made when the page
was shown, so pressing the button twice books once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from exitentry.appointments import services
from exitentry.appointments.forms import (
    ChosenSlotForm,
    ConfirmForm,
    DayForm,
    ServiceAndPointForm,
    SlotChoiceForm,
)
from exitentry.appointments.models import Appointment, AppointmentStatus
from exitentry.core import clock
from exitentry.core.errors import DomainError
from exitentry.servicepoints import services as points
from exitentry.servicepoints.models import CalendarRule, Slot
from exitentry.servicepoints.tasks import SLOT_HORIZON_DAYS
from exitentry.workdays.services import first_day_without_calendar


def _url(name: str, **params: Any) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def _booking_window(point: Any) -> tuple[dt.date, dt.date] | None:
    """First and last day one can book at `point` now, or None when booking is not offered."""
    policy = services.booking_policy_for(point, clock.today())
    if policy is None:
        return None
    last = services.last_bookable_day(policy, clock.local_now())
    return clock.today(), min(last, clock.today() + dt.timedelta(days=SLOT_HORIZON_DAYS))


def _calendar_unknown_from(point: Any, window: tuple[dt.date, dt.date] | None) -> dt.date | None:
    """The first day in the booking window that has no slots for want of the year's holiday
    calendar (halls that follow working days), so the page can say why the list stops there."""
    if window is None or point.calendar_rule != CalendarRule.WORKING_DAYS:
        return None
    return first_day_without_calendar(*window)


@login_required
def choose_service(request: HttpRequest) -> HttpResponse:
    submitted = "service" in request.GET
    form = ServiceAndPointForm(
        request.GET if submitted else None, initial={"point": request.GET.get("point")}
    )
    if submitted and form.is_valid():
        return redirect(
            _url("appointments:day", service=form.cleaned_data["service"], point=form.cleaned_data["point"])
        )
    return render(request, "appointments/choose_service.html", {"form": form})


@login_required
def choose_day(request: HttpRequest) -> HttpResponse:
    form = ServiceAndPointForm(request.GET)
    if not form.is_valid():
        return redirect(_url("appointments:book", **request.GET.dict()))
    service, point = form.chosen_service, form.chosen_point
    window = _booking_window(point)
    days = points.availability_by_day(point, service.skill, *window) if window else []
    unknown_from = _calendar_unknown_from(point, window)
    return render(
        request,
        "appointments/choose_day.html",
        {
            "service": service,
            "point": point,
            "days": [
                (
                    day,
                    free,
                    _url("appointments:slot", service=service.code, point=point.pk, date=day.isoformat()),
                )
                for day, free in days
            ],
            "booking_offered": window is not None,
            "calendar_unknown_from": unknown_from,
            "back_url": _url("appointments:book", service=service.code, point=point.pk),
        },
    )


def _free_slots(point: Any, skill: str, day: dt.date) -> list[Slot]:
    hours = points.day_hours(point, day)
    now = clock.now()
    return [
        slot
        for slot in points.slots_on(point, day, skill)
        if slot.available > 0 and points.bookable_now(slot, now=now, hours=hours)
    ]


@login_required
def choose_slot(request: HttpRequest) -> HttpResponse:
    form = DayForm(request.GET)
    if not form.is_valid():
        return redirect(_url("appointments:book", **request.GET.dict()))
    service, point, day = form.chosen_service, form.chosen_point, form.cleaned_data["date"]
    window = _booking_window(point)
    slots = _free_slots(point, service.skill, day) if window and window[0] <= day <= window[1] else []
    choices = [
        (
            slot.pk,
            _("%(start)s to %(end)s (%(count)s left)")
            % {
                "start": clock.to_local(slot.start).strftime("%H:%M"),
                "end": clock.to_local(slot.end).strftime("%H:%M"),
                "count": slot.available,
            },
        )
        for slot in slots
    ]
    slot_form = SlotChoiceForm(request.GET if "choose" in request.GET else None, slots=choices)
    if slot_form.is_bound and slot_form.is_valid():
        return redirect(
            _url("appointments:confirm", service=service.code, slot=slot_form.cleaned_data["slot"])
        )
    return render(
        request,
        "appointments/choose_slot.html",
        {
            "service": service,
            "point": point,
            "day": day,
            "form": slot_form,
            "has_slots": bool(choices),
            "back_url": _url("appointments:day", service=service.code, point=point.pk),
        },
    )


def _confirm_context(service_code: str, slot_id: int) -> dict[str, Any] | None:
    slot = Slot.objects.select_related("service_point", "service_point__city").filter(pk=slot_id).first()
    if slot is None:
        return None
    try:
        service = points.resolve_service(service_code)
    except DomainError:
        return None
    start = clock.to_local(slot.start)
    return {
        "service": service,
        "slot": slot,
        "point": slot.service_point,
        "start": start,
        "end": clock.to_local(slot.end),
        "change_service_url": _url("appointments:book", service=service.code, point=slot.service_point_id),
        "change_day_url": _url("appointments:day", service=service.code, point=slot.service_point_id),
        "change_time_url": _url(
            "appointments:slot",
            service=service.code,
            point=slot.service_point_id,
            date=start.date().isoformat(),
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            return redirect("appointments:book")
        data = form.cleaned_data
        context = _confirm_context(data["service"], data["slot"])
        if context is None:
            return redirect("appointments:book")
        try:
            outcome = services.book_slot(
                request.user, data["slot"], data["service"], data["key"], request=request
            )
        except DomainError as error:
            context.update({"key": uuid.uuid4().hex, "error": error})
            return render(request, "appointments/confirm.html", context, status=error.status)
        return redirect(reverse("appointments:detail", args=[outcome.appointment_id]) + "?booked=1")
    chosen = ChosenSlotForm(request.GET)
    context = (
        _confirm_context(chosen.cleaned_data["service"], chosen.cleaned_data["slot"])
        if chosen.is_valid()
        else None
    )
    if context is None:
        return redirect("appointments:book")
    context["key"] = uuid.uuid4().hex
    return render(request, "appointments/confirm.html", context)


def qr_svg(code: str) -> SafeString:
    """The appointment code as an inline SVG QR code, for the ticket machine's scanner."""
    label = escape(_("QR code of appointment %(code)s") % {"code": code})
    svg = segno.make(code, error="m").svg_inline(scale=5, svgclass="qr", lineclass=None)
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))  # noqa: S308


def _own(request: HttpRequest, appointment_id: int) -> Appointment:
    try:
        return services.get_own_appointment(request.user, appointment_id)
    except services.AppointmentNotFound as exc:
        raise Http404(str(exc)) from exc


@login_required
def detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _own(request, appointment_id)
    return render(
        request,
        "appointments/detail.html",
        {
            "appointment": appointment,
            "service_name": points.service_names([appointment.service_code])[appointment.service_code],
            "start": clock.to_local(appointment.slot.start),
            "end": clock.to_local(appointment.slot.end),
            "qr": qr_svg(appointment.code) if appointment.status == AppointmentStatus.BOOKED else None,
            "just_booked": request.GET.get("booked") == "1",
            "can_cancel": appointment.status == AppointmentStatus.BOOKED
            and appointment.slot.start > clock.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _own(request, appointment_id)
    if request.method == "POST":
        try:
            services.cancel_appointment(request.user, appointment.pk, request=request)
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("appointments:detail", appointment_id=appointment.pk)
        messages.success(request, _("Your appointment %(code)s is cancelled.") % {"code": appointment.code})
        return redirect("appointments:mine")
    return render(
        request,
        "appointments/cancel.html",
        {
            "appointment": appointment,
            "service_name": points.service_names([appointment.service_code])[appointment.service_code],
            "start": clock.to_local(appointment.slot.start),
        },
    )


@login_required
def my_appointments(request: HttpRequest) -> HttpResponse:
    appointments = list(services.appointments_of(request.user)[:100])
    names = points.service_names(a.service_code for a in appointments)
    now = clock.now()
    rows = [
        {
            "appointment": a,
            "service_name": names[a.service_code],
            "start": clock.to_local(a.slot.start),
            "can_cancel": a.status == AppointmentStatus.BOOKED and a.slot.start > now,
        }
        for a in appointments
    ]
    return render(request, "appointments/mine.html", {"rows": rows})
