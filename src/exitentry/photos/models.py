"""Document-photo specs (policy as data) and the bursts of shots people submit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from exitentry.core.models import TranslatedNamesMixin


class PhotoSpec(TranslatedNamesMixin, models.Model):
    """The rules a document photo must meet, with the checker's thresholds; one row per period."""

    code = models.SlugField(
        _("code"), max_length=40, help_text=_('e.g. "passport"; several rows may share it.')
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    output_width_px = models.PositiveSmallIntegerField(_("output width (px)"))
    output_height_px = models.PositiveSmallIntegerField(_("output height (px)"))
    head_height_min_ratio = models.FloatField(
        _("head height minimum (share of photo height)"), help_text=_("Crown to chin, in the cropped photo.")
    )
    head_height_max_ratio = models.FloatField(_("head height maximum (share of photo height)"))
    head_top_margin_ratio = models.FloatField(
        _("space above the head (share of photo height)"), help_text=_("In the cropped photo.")
    )
    frame_head_min_ratio = models.FloatField(_("head height in the shot, minimum (share of shot height)"))
    frame_head_max_ratio = models.FloatField(_("head height in the shot, maximum (share of shot height)"))
    max_centre_offset_ratio = models.FloatField(
        _("largest sideways offset of the face (share of shot width)")
    )
    eye_line_min_ratio = models.FloatField(_("eye line, highest position (share of shot height)"))
    eye_line_max_ratio = models.FloatField(_("eye line, lowest position (share of shot height)"))
    max_eye_tilt_ratio = models.FloatField(
        _("largest eye tilt or asymmetry (share of face width)"),
        help_text=_("Above it the face is taken as turned or tilted away from the camera."),
    )
    background_min_brightness = models.FloatField(_("background brightness minimum (0-255)"))
    background_max_stddev = models.FloatField(_("background variation maximum (standard deviation, 0-255)"))
    face_min_brightness = models.FloatField(_("face brightness minimum (0-255)"))
    max_lighting_imbalance = models.FloatField(_("largest left/right lighting difference (share)"))
    min_sharpness = models.FloatField(_("sharpness minimum (variance of the Laplacian)"))
    max_clipped_share = models.FloatField(_("largest share of clipped highlights on the face"))
    acceptance_threshold = models.FloatField(
        _("acceptance threshold"),
        help_text=_("A shot that passes every check is accepted only if its score (0-1) reaches this."),
    )

    class Meta:
        verbose_name = _("photo spec")
        verbose_name_plural = _("photo specs")
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "effective_from"], name="photos_photospec_code_from_unique"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="photos_photospec_effective_period",
            ),
            models.CheckConstraint(
                condition=Q(head_height_min_ratio__gt=0)
                & Q(head_height_max_ratio__gt=F("head_height_min_ratio"))
                & Q(head_height_max_ratio__lt=1),
                name="photos_photospec_head_range",
            ),
            models.CheckConstraint(
                condition=Q(frame_head_max_ratio__gt=F("frame_head_min_ratio")),
                name="photos_photospec_frame_head_range",
            ),
            models.CheckConstraint(
                condition=Q(acceptance_threshold__gte=0) & Q(acceptance_threshold__lte=1),
                name="photos_photospec_threshold_range",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.code} {self.output_width_px}×{self.output_height_px} from {self.effective_from:%Y-%m-%d}"
        )


class BurstStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    OVERRIDDEN = "overridden", _("Accepted by an officer")


class Channel(models.TextChoices):
    WEB = "web", _("Web or phone")
    KIOSK = "kiosk", _("Self-service kiosk")
    API = "api", _("API")


class PhotoBurst(models.Model):
    """Several shots taken in one go, the one chosen and the photo cropped from it."""

    spec = models.ForeignKey(
        PhotoSpec, verbose_name=_("photo spec"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="photo_bursts",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=12, choices=BurstStatus.choices, db_index=True)
    best_index = models.PositiveSmallIntegerField(_("chosen shot"), null=True, blank=True)
    photo_jpeg = models.BinaryField(_("cropped photo (JPEG)"), null=True, blank=True, editable=False)
    override_reason = models.CharField(_("override reason"), max_length=500, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("overridden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overridden_at = models.DateTimeField(_("overridden at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("photo burst")
        verbose_name_plural = _("photo bursts")
        ordering = ["-created_at"]
        constraints = [
            # A burst has a photo exactly when a shot was chosen, and only a rejected burst has none.
            models.CheckConstraint(
                condition=(Q(status=BurstStatus.REJECTED) & Q(best_index__isnull=True))
                | (~Q(status=BurstStatus.REJECTED) & Q(best_index__isnull=False)),
                name="photos_photoburst_best_matches_status",
            ),
            models.CheckConstraint(
                condition=~Q(status=BurstStatus.OVERRIDDEN) | ~Q(override_reason=""),
                name="photos_photoburst_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"burst {self.pk} ({self.status})"


class PhotoShot(models.Model):
    """One shot of a burst: its score, verdict and problems (codes), and the image for review."""

    burst = models.ForeignKey(
        PhotoBurst, verbose_name=_("burst"), on_delete=models.CASCADE, related_name="shots"
    )
    index = models.PositiveSmallIntegerField(_("index"))
    score = models.FloatField(_("score"))
    accepted = models.BooleanField(_("accepted"))
    problems = models.JSONField(_("problems"), default=list, blank=True)
    image_jpeg = models.BinaryField(_("image (JPEG)"), editable=False)

    class Meta:
        verbose_name = _("photo shot")
        verbose_name_plural = _("photo shots")
        ordering = ["burst_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["burst", "index"], name="photos_photoshot_burst_index_unique"),
        ]

    def __str__(self) -> str:
        return f"shot {self.index} of burst {self.burst_id}"
