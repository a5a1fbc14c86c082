"""The checker on the labelled set, and the kiosk-facing `choose_best_photo` contract."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from exitentry.photos import checker
from exitentry.photos.evaluation import DEFECTS, GOOD, labelled_set
from exitentry.photos.services import (
    BestChoice,
    NoShots,
    PhotoSpecMissing,
    TooManyShots,
    choose_best_photo,
    spec_in_force,
)
from exitentry.photos.tests.factories import shot_jpeg

pytestmark = pytest.mark.django_db

# The defect each broken shot must at least be rejected for (other problems may come with it:
# a face in the dark is also soft).
EXPECTED = {
    "blurred": {"blurred"},
    "background_too_dark": {"background_too_dark"},
    "background_not_plain": {"background_not_plain"},
    "off_centre": {"off_centre"},
    "head_too_small": {"head_too_small"},
    "several_faces": {"several_faces"},
    "overexposed": {"overexposed"},
    "no_face": {"no_face"},
    "face_too_dark": {"face_too_dark"},
    "uneven_lighting": {"uneven_lighting"},
    "eyes_closed": {"eyes_not_visible"},
}


def test_labelled_set_is_classified_exactly() -> None:
    spec = spec_in_force("passport")
    wrong = []
    for shot in labelled_set(good=20, per_defect=5):
        failures = set(checker.analyse(checker.decode(shot.jpeg()), spec).failures)  # type: ignore[arg-type]
        if (shot.label == GOOD and failures) or (shot.label != GOOD and not EXPECTED[shot.label] <= failures):
            wrong.append((shot.name, sorted(failures)))
    assert wrong == []
    assert set(EXPECTED) == set(DEFECTS)


def test_best_of_a_burst_is_the_accepted_shot_cropped_to_354_by_472() -> None:
    shots = [shot_jpeg("background_too_dark", 1), shot_jpeg(GOOD, 3), shot_jpeg("head_too_small", 2)]
    choice = choose_best_photo(shots)
    assert isinstance(choice, BestChoice)
    assert choice.best_index == 1
    assert [a.accepted for a in choice.assessments] == [False, True, False]
    assert choice.assessments[0].problems == [("background_too_dark", "Background too dark")]
    assert choice.assessments[2].problems == [("head_too_small", "Head too small")]
    assert choice.cropped_jpeg is not None
    photo = cv2.imdecode(np.frombuffer(choice.cropped_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert photo.shape == (472, 354, 3)


def test_cropped_photo_puts_the_head_within_the_spec_range() -> None:
    choice = choose_best_photo([shot_jpeg(GOOD, 5)])
    spec = spec_in_force()
    photo = cv2.imdecode(np.frombuffer(choice.cropped_jpeg or b"", np.uint8), cv2.IMREAD_COLOR)
    analysis = checker.analyse(photo, spec)
    assert analysis.faces == 1
    head = analysis.measures["head_ratio"]
    assert spec.head_height_min_ratio <= head <= spec.head_height_max_ratio


def test_of_two_good_shots_the_higher_score_wins() -> None:
    choice = choose_best_photo([shot_jpeg(GOOD, 5), shot_jpeg(GOOD, 1)])
    scores = [a.score for a in choice.assessments]
    assert choice.best_index == scores.index(max(scores))
    assert all(a.accepted for a in choice.assessments)


def test_burst_without_a_usable_shot_has_no_best_and_explains_each() -> None:
    choice = choose_best_photo([shot_jpeg("no_face", 0), b"not an image", shot_jpeg("several_faces", 0)])
    assert choice.best_index is None
    assert choice.cropped_jpeg is None
    assert [a.problems for a in choice.assessments] == [
        [("no_face", "No face found")],
        [("unreadable_image", "Not an image that can be read")],
        [("several_faces", "More than one face")],
    ]
    assert [a.score for a in choice.assessments] == [0.0, 0.0, 0.0]


def test_problem_messages_follow_the_active_language() -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        choice = choose_best_photo([shot_jpeg("background_too_dark", 0)])
    assert choice.assessments[0].problems == [("background_too_dark", "背景太暗")]


def test_acceptance_threshold_is_data() -> None:
    spec = spec_in_force()
    spec.acceptance_threshold = 0.999
    spec.save()
    choice = choose_best_photo([shot_jpeg(GOOD, 0)])
    assert choice.best_index is None
    assert choice.assessments[0].problems == [("quality_too_low", "Overall quality too low")]


def test_empty_and_oversized_bursts_are_refused(settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NoShots):
        choose_best_photo([])
    settings.PHOTOS_MAX_SHOTS = 2
    with pytest.raises(TooManyShots):
        choose_best_photo([b"a", b"b", b"c"])


def test_unknown_spec_is_a_clear_error() -> None:
    with pytest.raises(PhotoSpecMissing):
        choose_best_photo([shot_jpeg(GOOD, 0)], spec_code="visa")
