"""The phone-friendly upload page, the result of a burst, and the officer's override."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from exitentry.core.errors import DomainError, NotFound
from exitentry.photos import services
from exitentry.photos.models import BurstStatus, Channel, PhotoBurst, PhotoShot


@require_http_methods(["GET", "POST"])
@login_required
def upload(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        files = request.FILES.getlist("shots")
        try:
            burst, _choice = services.submit_photo_burst(
                [file.read() for file in files[: services.settings.PHOTOS_MAX_SHOTS + 1]],
                submitted_by=request.user,
                channel=Channel.WEB,
                request=request,
            )
        except DomainError as exc:
            error = exc
        else:
            return redirect("photos:burst", burst_id=burst.pk)
    spec = services.spec_in_force()
    return render(
        request,
        "photos/upload.html",
        {"error": error, "spec": spec, "max_shots": services.settings.PHOTOS_MAX_SHOTS},
        status=error.status if error else 200,
    )


def _burst_or_404(request: HttpRequest, burst_id: int) -> PhotoBurst:
    try:
        return services.burst_for(request.user, burst_id)
    except NotFound as exc:
        from django.http import Http404

        raise Http404 from exc


@require_http_methods(["GET", "POST"])
@login_required
def burst(request: HttpRequest, burst_id: int) -> HttpResponse:
    item = _burst_or_404(request, burst_id)
    error = None
    if request.method == "POST":
        try:
            services.override_rejection(
                item.pk,
                shot_index=int(request.POST.get("shot_index", "-1") or -1),
                officer=request.user,
                reason=request.POST.get("reason", ""),
                request=request,
            )
        except DomainError as exc:
            error = exc
        except ValueError:
            error = services.InvalidInput()
        else:
            return redirect("photos:burst", burst_id=item.pk)
    shots = [
        {
            "index": shot.index,
            "number": shot.index + 1,
            "score": round(shot.score * 100),
            "accepted": shot.accepted,
            "chosen": shot.index == item.best_index,
            "problems": [str(services.PROBLEM_MESSAGES.get(code, code)) for code in shot.problems],
        }
        for shot in PhotoShot.objects.filter(burst=item).only("index", "score", "accepted", "problems")
    ]
    return render(
        request,
        "photos/burst.html",
        {
            "burst": item,
            "shots": shots,
            "error": error,
            "can_override": item.status == BurstStatus.REJECTED and services.can_review(request.user),
            "title": _("Your photo")
            if item.status != BurstStatus.REJECTED
            else _("No photo could be chosen"),
        },
        status=error.status if error else 200,
    )


def _jpeg(data: bytes | memoryview | None) -> HttpResponse:
    if not data:
        from django.http import Http404

        raise Http404
    response = HttpResponse(bytes(data), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def burst_photo(request: HttpRequest, burst_id: int) -> HttpResponse:
    return _jpeg(_burst_or_404(request, burst_id).photo_jpeg)


@login_required
def shot_image(request: HttpRequest, burst_id: int, index: int) -> HttpResponse:
    item = _burst_or_404(request, burst_id)
    shot = PhotoShot.objects.filter(burst=item, index=index).first()
    return _jpeg(shot.image_jpeg if shot else None)
