"""Photo best-choice over the API: send a burst, get the verdict per shot and the cropped photo."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Form, Router
from ninja.files import UploadedFile

from exitentry.accounts.auth import api_auth
from exitentry.core.schemas import ErrorOut
from exitentry.photos import services
from exitentry.photos.models import Channel, PhotoBurst, PhotoShot
from exitentry.photos.schemas import BurstOut, OverrideIn, ProblemOut, ShotOut

router = Router(tags=["photos"])


def _burst_out(burst: PhotoBurst) -> BurstOut:
    shots = PhotoShot.objects.filter(burst=burst).only("index", "score", "accepted", "problems")
    return BurstOut(
        burst_id=burst.pk,
        status=burst.status,
        best_index=burst.best_index,
        photo_url=reverse("photos:burst_photo", args=[burst.pk]) if burst.best_index is not None else None,
        width_px=burst.spec.output_width_px,
        height_px=burst.spec.output_height_px,
        shots=[
            ShotOut(
                index=shot.index,
                score=shot.score,
                accepted=shot.accepted,
                problems=[
                    ProblemOut(code=code, message=str(services.PROBLEM_MESSAGES.get(code, code)))
                    for code in shot.problems
                ],
            )
            for shot in shots
        ],
    )


@router.post(
    "/assess",
    response={200: BurstOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    auth=api_auth,
)
def assess(
    request: HttpRequest,
    shots: list[UploadedFile] = File(...),  # noqa: B008
    spec_code: str = Form("passport"),
) -> BurstOut:
    """Score every shot (multipart field `shots`, repeated) against the photo spec in force.

    The best accepted shot is chosen and cropped (`photo_url`); each shot lists its problems as
    `{code, message}`. `best_index` is null when no shot meets the rules.
    """
    burst, _choice = services.submit_photo_burst(
        [shot.read() for shot in shots[: services.settings.PHOTOS_MAX_SHOTS + 1]],
        spec_code=spec_code,
        submitted_by=request.user,
        channel=Channel.API,
        request=request,
    )
    return _burst_out(burst)


@router.get("/bursts/{burst_id}", response={200: BurstOut, 401: ErrorOut, 404: ErrorOut}, auth=api_auth)
def get_burst(request: HttpRequest, burst_id: int) -> BurstOut:
    """A burst seen by the person who sent it or by an officer."""
    return _burst_out(services.burst_for(request.user, burst_id))


@router.post(
    "/bursts/{burst_id}/override",
    response={200: BurstOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=api_auth,
)
def override(request: HttpRequest, burst_id: int, payload: OverrideIn) -> BurstOut:
    """An officer accepts one shot of a rejected burst; the reason is required and audited."""
    burst = services.override_rejection(
        burst_id, shot_index=payload.shot_index, officer=request.user, reason=payload.reason, request=request
    )
    return _burst_out(burst)
