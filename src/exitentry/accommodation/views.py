"""Pages: a hotel's guests (register, upload a CSV, check out), private hosts' form, police view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exitentry.accommodation import services
from exitentry.accommodation.forms import CsvUploadForm, HotelStayForm, ManagePrivateStayForm, PrivateStayForm
from exitentry.accounts.models import Role, User
from exitentry.core.errors import DomainError, NotFound


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


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


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "accommodation/index.html", {"deadline_hours": services.deadline_hours()})


def _hotel_page(
    request: HttpRequest,
    *,
    stay_form: HotelStayForm | None = None,
    upload_form: CsvUploadForm | None = None,
    row_errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    try:
        hotel = services.hotel_of(user)
    except DomainError as error:
        return render(request, "accommodation/no_hotel.html", {"message": error.message}, status=403)
    stay_form = stay_form or HotelStayForm(prefix="stay")
    upload_form = upload_form or CsvUploadForm(prefix="upload")
    for form in (stay_form, upload_form):
        form.describe_fields()
    return render(
        request,
        "accommodation/hotel.html",
        {
            "hotel": hotel,
            "registrations": services.hotel_registrations(user),
            "stay_form": stay_form,
            "upload_form": upload_form,
            "row_errors": row_errors or [],
            "forms_with_errors": [form for form in (stay_form, upload_form) if form.is_bound and form.errors],
        },
        status=status,
    )


@require_GET
@role_required(Role.HOTEL_OPERATOR)
def hotel(request: HttpRequest) -> HttpResponse:
    return _hotel_page(request)


@require_POST
@role_required(Role.HOTEL_OPERATOR)
def hotel_register(request: HttpRequest) -> HttpResponse:
    form = HotelStayForm(request.POST, prefix="stay")
    if form.is_valid():
        try:
            registration = services.register_guest(
                _user(request), form.stay(form.cleaned_data["room"]), request=request
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("%(guest)s is registered in room %(room)s (reference %(reference)s).")
                % {
                    "guest": registration.guest_name,
                    "room": registration.room,
                    "reference": registration.reference,
                },
            )
            return redirect("accommodation:hotel")
    return _hotel_page(request, stay_form=form, status=422)


@require_POST
@role_required(Role.HOTEL_OPERATOR)
def hotel_upload(request: HttpRequest) -> HttpResponse:
    form = CsvUploadForm(request.POST, request.FILES, prefix="upload")
    row_errors: list[dict[str, Any]] = []
    if form.is_valid():
        try:
            created = services.import_guests_csv(
                _user(request), form.cleaned_data["file"].read(), request=request
            )
        except services.CsvRowsInvalid as error:
            row_errors = error.details.get("rows", [])
            form.add_error("file", str(error.message))
        except DomainError as error:
            form.add_error("file", str(error.message))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s guest was registered from the file.",
                    "%(count)s guests were registered from the file.",
                    len(created),
                )
                % {"count": len(created)},
            )
            return redirect("accommodation:hotel")
    return _hotel_page(request, upload_form=form, row_errors=row_errors, status=422)


@require_POST
@role_required(Role.HOTEL_OPERATOR)
def hotel_checkout(request: HttpRequest, registration_id: int) -> HttpResponse:
    try:
        registration = services.check_out_guest(_user(request), registration_id, request=request)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(guest)s has checked out.") % {"guest": registration.guest_name})
    return redirect("accommodation:hotel")


@require_GET
def csv_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(services.csv_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="guests-template.csv"'
    return response


@require_http_methods(["GET", "POST"])
def private_register(request: HttpRequest) -> HttpResponse:
    form = PrivateStayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration, token = services.register_private_stay(form.host(), form.stay(), request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return render(
                request,
                "accommodation/private_done.html",
                {"registration": registration, "token": token},
                status=201,
            )
    form.describe_fields()
    return render(
        request,
        "accommodation/private.html",
        {
            "form": form,
            "has_errors": form.is_bound and bool(form.errors),
            "error_forms": [form],
            "deadline_hours": services.deadline_hours(),
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def private_manage(request: HttpRequest) -> HttpResponse:
    form = ManagePrivateStayForm(request.POST or None)
    registration = None
    if request.method == "POST" and form.is_valid():
        reference, token = form.cleaned_data["reference"], form.cleaned_data["edit_token"]
        try:
            if "check_out" in request.POST:
                registration = services.check_out_private_stay(reference, token, request=request)
                messages.success(
                    request, _("%(guest)s has checked out.") % {"guest": registration.guest_name}
                )
            else:
                registration = services.private_stay(reference, token)
        except NotFound as error:
            form.add_error(None, str(error.message))
        except DomainError as error:
            registration = services.private_stay(reference, token)
            messages.error(request, str(error.message))
    form.describe_fields()
    return render(
        request,
        "accommodation/private_manage.html",
        {
            "form": form,
            "registration": registration,
            "has_errors": form.is_bound and bool(form.errors),
            "error_forms": [form],
        },
    )


@require_GET
@role_required(Role.POLICE)
def police(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    area_code = request.GET.get("area") or None
    return render(
        request,
        "accommodation/police.html",
        {
            "areas": services.police_areas(user).order_by("code"),
            "area_code": area_code,
            "registrations": services.current_registrations_for_police(user, area_code),
        },
    )


@require_GET
@role_required(Role.POLICE)
def police_detail(request: HttpRequest, registration_id: int) -> HttpResponse:
    try:
        registration = services.registration_for_police(_user(request), registration_id, request=request)
    except NotFound:
        return render(request, "accommodation/not_found.html", status=404)
    return render(request, "accommodation/police_detail.html", {"registration": registration})
