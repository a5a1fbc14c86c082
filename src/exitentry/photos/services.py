"""Photo best-choice: score a burst of shots, choose and crop the best, let an officer override.

`choose_best_photo` is the contract the kiosk codes against; it reads the spec in force and
touches nothing else. `submit_photo_burst` keeps the burst and its verdicts for review, and
`override_rejection` is the audited officer decision on a rejected burst.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import Role
from exitentry.audit.services import record_event
from exitentry.core import clock
from exitentry.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from exitentry.photos import checker
from exitentry.photos.models import BurstStatus, Channel, PhotoBurst, PhotoShot, PhotoSpec

PROBLEM_MESSAGES = {
    "unreadable_image": _("Not an image that can be read"),
    "no_face": _("No face found"),
    "several_faces": _("More than one face"),
    "eyes_not_visible": _("Eyes closed or not visible"),
    "not_frontal": _("Face not turned straight to the camera"),
    "head_too_small": _("Head too small"),
    "head_too_large": _("Head too large"),
    "off_centre": _("Face not in the centre"),
    "background_too_dark": _("Background too dark"),
    "background_not_plain": _("Background not plain"),
    "face_too_dark": _("Face too dark"),
    "uneven_lighting": _("Uneven lighting on the face"),
    "blurred": _("Blurred"),
    "overexposed": _("Overexposed"),
    "quality_too_low": _("Overall quality too low"),
}
# Roles that may accept a photo the checker rejected.
OVERRIDE_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)
REVIEW_ROLES = OVERRIDE_ROLES
# Shots are kept for review at most this size on the long side.
STORED_LONG_SIDE = 800


class PhotoSpecMissing(NotFound):
    code = "photo_spec_missing"
    default_message = _("No photo rules are in force for this kind of document.")


class NoShots(InvalidInput):
    code = "no_shots"
    default_message = _("Send at least one photo.")


class TooManyShots(InvalidInput):
    code = "too_many_shots"
    default_message = _("Too many photos in one go.")


class ShotTooLarge(InvalidInput):
    code = "shot_too_large"
    default_message = _("A photo is too large.")


class OverrideReasonRequired(InvalidInput):
    code = "override_reason_required"
    default_message = _("Give the reason for accepting a rejected photo.")


class ShotCannotBeUsed(Conflict):
    code = "shot_cannot_be_used"
    default_message = _("This shot has no single face to crop and cannot be accepted.")


@dataclass(frozen=True)
class ShotAssessment:
    index: int
    score: float
    accepted: bool
    problems: list[tuple[str, str]]  # (code, translated message)


@dataclass(frozen=True)
class BestChoice:
    best_index: int | None
    assessments: list[ShotAssessment]
    cropped_jpeg: bytes | None


def problem(code: str) -> tuple[str, str]:
    return code, str(PROBLEM_MESSAGES[code])


def spec_in_force(code: str = "passport", day: dt.date | None = None) -> PhotoSpec:
    day = day or clock.today()
    spec = (
        PhotoSpec.objects.filter(code=code, effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .order_by("-effective_from")
        .first()
    )
    if spec is None:
        raise PhotoSpecMissing(spec_code=code)
    return spec


def _check_burst_size(shots: Sequence[bytes]) -> None:
    if not shots:
        raise NoShots()
    if len(shots) > settings.PHOTOS_MAX_SHOTS:
        raise TooManyShots(limit=settings.PHOTOS_MAX_SHOTS)
    for index, shot in enumerate(shots):
        if len(shot) > settings.PHOTOS_MAX_SHOT_BYTES:
            raise ShotTooLarge(index=index, limit_bytes=settings.PHOTOS_MAX_SHOT_BYTES)


def _choose(shots: Sequence[bytes], spec: PhotoSpec) -> BestChoice:
    assessments: list[ShotAssessment] = []
    best: tuple[float, int] | None = None
    best_image = best_analysis = None
    for index, data in enumerate(shots):
        image = checker.decode(data)
        if image is None:
            assessments.append(ShotAssessment(index, 0.0, False, [problem("unreadable_image")]))
            continue
        analysis = checker.analyse(image, spec)
        accepted = not analysis.failures
        assessments.append(
            ShotAssessment(index, analysis.score, accepted, [problem(code) for code in analysis.failures])
        )
        # The highest score wins; the earlier shot wins a tie.
        if accepted and (best is None or analysis.score > best[0]):
            best, best_image, best_analysis = (analysis.score, index), image, analysis
    if best is None or best_image is None or best_analysis is None:
        return BestChoice(None, assessments, None)
    return BestChoice(best[1], assessments, checker.crop_to_spec(best_image, best_analysis, spec))


def choose_best_photo(shots: Sequence[bytes], *, spec_code: str = "passport") -> BestChoice:
    """Score each shot against the spec in force, choose the best accepted one and crop it.

    `best_index` and `cropped_jpeg` are None when no shot is accepted; every assessment lists
    its problems as (code, message in the active language).
    """
    _check_burst_size(shots)
    return _choose(shots, spec_in_force(spec_code))


def _for_storage(data: bytes) -> bytes:
    image = checker.decode(data)
    if image is None:
        return b""
    height, width = image.shape[:2]
    scale = min(1.0, STORED_LONG_SIDE / max(height, width))
    if scale < 1.0:
        image = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return encoded.tobytes() if ok else b""


def submit_photo_burst(
    shots: Sequence[bytes],
    *,
    spec_code: str = "passport",
    submitted_by: Any = None,
    person: Any = None,
    channel: str = Channel.WEB,
    request: HttpRequest | None = None,
) -> tuple[PhotoBurst, BestChoice]:
    """Choose the best shot and keep the burst (shots, verdicts, cropped photo) for review."""
    _check_burst_size(shots)
    spec = spec_in_force(spec_code)
    choice = _choose(shots, spec)
    user = submitted_by if getattr(submitted_by, "is_authenticated", False) else None
    if person is None and user is not None:
        person = user.person
    with transaction.atomic():
        burst = PhotoBurst.objects.create(
            spec=spec,
            person=person,
            submitted_by=user,
            channel=channel,
            status=BurstStatus.REJECTED if choice.best_index is None else BurstStatus.ACCEPTED,
            best_index=choice.best_index,
            photo_jpeg=choice.cropped_jpeg,
            created_at=clock.now(),
        )
        PhotoShot.objects.bulk_create(
            PhotoShot(
                burst=burst,
                index=assessment.index,
                score=assessment.score,
                accepted=assessment.accepted,
                problems=[code for code, _message in assessment.problems],
                image_jpeg=_for_storage(shots[assessment.index]),
            )
            for assessment in choice.assessments
        )
        record_event(
            "photos.burst_assessed",
            actor=user or channel,
            obj=burst,
            request=request,
            after={"status": burst.status, "best_index": burst.best_index, "shots": len(shots)},
        )
    return burst, choice


def can_review(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_role(*REVIEW_ROLES))


def burst_for(user: Any, burst_id: int) -> PhotoBurst:
    """A burst its submitter or a reviewing officer may see; anyone else gets the same 404."""
    burst = PhotoBurst.objects.select_related("spec").filter(pk=burst_id).first()
    if burst is None or not (
        can_review(user) or (user.is_authenticated and burst.submitted_by_id == user.pk)
    ):
        raise NotFound()
    return burst


def override_rejection(
    burst_id: int, *, shot_index: int, officer: Any, reason: str, request: HttpRequest | None = None
) -> PhotoBurst:
    """An officer accepts shot `shot_index` of a rejected burst, giving the reason (audited)."""
    if not can_review(officer):
        raise PermissionDenied()
    reason = (reason or "").strip()
    if not reason:
        raise OverrideReasonRequired()
    burst = burst_for(officer, burst_id)
    shot = PhotoShot.objects.filter(burst=burst, index=shot_index).first()
    if shot is None:
        raise NotFound(shot_index=shot_index)
    image = checker.decode(bytes(shot.image_jpeg))
    if image is None:
        raise ShotCannotBeUsed()
    analysis = checker.analyse(image, burst.spec)
    if analysis.face is None:
        raise ShotCannotBeUsed()
    photo = checker.crop_to_spec(image, analysis, burst.spec)
    with transaction.atomic():
        now = clock.now()
        changed = PhotoBurst.objects.filter(pk=burst.pk, status=BurstStatus.REJECTED).update(
            status=BurstStatus.OVERRIDDEN,
            best_index=shot_index,
            photo_jpeg=photo,
            override_reason=reason[:500],
            overridden_by=officer,
            overridden_at=now,
        )
        if not changed:
            raise InvalidTransition(status=PhotoBurst.objects.get(pk=burst.pk).status)
        burst.refresh_from_db()
        record_event(
            "photos.rejection_overridden",
            actor=officer,
            obj=burst,
            request=request,
            before={"status": BurstStatus.REJECTED},
            after={"status": BurstStatus.OVERRIDDEN, "best_index": shot_index},
            reason=reason[:500],
            problems=shot.problems,
        )
    return burst
