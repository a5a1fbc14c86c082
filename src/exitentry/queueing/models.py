"""Queueing in a hall: tickets, counters staffed by officers, and the data that drives prediction.

The database keeps the promises even for a buggy caller:

- `TicketSequence` holds one row per hall, day and letter; a number is taken by one conditional
  `UPDATE … SET last_number = last_number + 1`, and a unique constraint on (hall, day, letter,
  sequence) backs it, so two ticket machines can never hand out the same number.
- A counter has at most one ticket called or being served, an officer staffs at most one counter
  and a counter is staffed by at most one officer at a time (partial unique indexes).
- A transferred ticket becomes a new *leg* with the same number (the person keeps their paper
  ticket); only one leg of a number is live at any moment.

Policy is data: `QueuePolicy` (check-in window, fairness threshold, "turn near" distance,
prediction settings, with effective dates) and `SkillProfile` (ticket letter and default service
time per skill).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exitentry.core.fields import EncryptedCharField
from exitentry.servicepoints.models import Skill


class Priority(models.TextChoices):
    """Why a ticket is where it is in the queue (see services.call_next for the policy)."""

    EMERGENCY = "emergency", _("Emergency")
    APPOINTMENT = "appointment", _("Appointment")
    GREEN_CHANNEL = "green_channel", _("Green channel")
    WALK_IN = "walk_in", _("Walk-in")


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVING = "serving", _("Being served")
    DONE = "done", _("Done")
    NO_SHOW = "no_show", _("Did not come")
    TRANSFERRED = "transferred", _("Transferred")


LIVE_STATUSES = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)
AT_COUNTER_STATUSES = (TicketStatus.CALLED, TicketStatus.SERVING)

# The only moves a ticket can make; anything else is 409 invalid_transition.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.WAITING: frozenset({TicketStatus.CALLED, TicketStatus.NO_SHOW}),
    TicketStatus.CALLED: frozenset(
        {
            TicketStatus.CALLED,  # recall
            TicketStatus.SERVING,
            TicketStatus.DONE,
            TicketStatus.NO_SHOW,
            TicketStatus.TRANSFERRED,
        }
    ),
    TicketStatus.SERVING: frozenset({TicketStatus.DONE, TicketStatus.TRANSFERRED}),
    TicketStatus.DONE: frozenset(),
    TicketStatus.NO_SHOW: frozenset(),
    TicketStatus.TRANSFERRED: frozenset(),
}


class QueuePolicy(models.Model):
    """How a hall's queue behaves and is predicted; a hall's own policy beats the province-wide one."""

    service_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("service point"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="queue_policies",
        help_text=_("Empty: the policy for every service point without one of its own."),
    )
    check_in_opens_minutes = models.PositiveSmallIntegerField(
        _("check-in opens (minutes before the slot)"), default=30
    )
    check_in_closes_minutes = models.PositiveSmallIntegerField(
        _("check-in closes (minutes after the slot starts)"), default=15
    )
    walk_in_fairness_minutes = models.PositiveSmallIntegerField(
        _("walk-in fairness threshold (minutes)"),
        default=30,
        help_text=_("A walk-in who has waited this long is not overtaken again, except by emergencies."),
    )
    turn_near_people = models.PositiveSmallIntegerField(
        _("text when this many people or fewer are ahead"), default=3
    )
    arrival_window_minutes = models.PositiveSmallIntegerField(
        _("arrival rate window (minutes)"),
        default=60,
        help_text=_("Arrivals are counted over this many recent minutes."),
    )
    service_history_days = models.PositiveSmallIntegerField(_("service time history (days)"), default=7)
    service_prior_weight = models.PositiveSmallIntegerField(
        _("weight of the default service time"),
        default=20,
        help_text=_(
            "The default service time counts as this many services, so that thin history "
            "moves the estimate only a little."
        ),
    )
    correction_history_days = models.PositiveSmallIntegerField(_("correction history (days)"), default=14)
    correction_half_life_hours = models.PositiveSmallIntegerField(
        _("correction half-life (hours)"),
        default=72,
        help_text=_("An observed wait this old counts half as much as one observed now."),
    )
    correction_min_samples = models.PositiveSmallIntegerField(
        _("observed waits needed for a correction"), default=30
    )
    correction_min = models.DecimalField(
        _("smallest correction factor"), max_digits=4, decimal_places=2, default=0.5
    )
    correction_max = models.DecimalField(
        _("largest correction factor"), max_digits=4, decimal_places=2, default=3
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("queue policy")
        verbose_name_plural = _("queue policies")
        ordering = ["service_point", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(check_in_opens_minutes__lte=240, check_in_closes_minutes__lte=240),
                name="queuepolicy_check_in_window_sane",
            ),
            models.CheckConstraint(
                condition=Q(turn_near_people__gte=1, turn_near_people__lte=50),
                name="queuepolicy_turn_near_range",
            ),
            models.CheckConstraint(
                condition=Q(arrival_window_minutes__gte=5, service_history_days__gte=1),
                name="queuepolicy_windows_positive",
            ),
            models.CheckConstraint(
                condition=Q(correction_half_life_hours__gte=1, correction_history_days__gte=1),
                name="queuepolicy_correction_windows_positive",
            ),
            models.CheckConstraint(
                condition=Q(correction_min__gt=0) & Q(correction_max__gte=F("correction_min")),
                name="queuepolicy_correction_bounds",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="queuepolicy_effective_period",
            ),
        ]

    def __str__(self) -> str:
        scope = self.service_point.code if self.service_point else "*"
        return f"{scope} from {self.effective_from:%Y-%m-%d}"


class SkillProfile(models.Model):
    """Per skill: the letter its tickets carry and the service time assumed without history."""

    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices, unique=True)
    letter = models.CharField(
        _("ticket letter"),
        max_length=1,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]$", _("One capital letter, A to Z."))],
    )
    default_service_minutes = models.DecimalField(
        _("default service time (minutes)"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(240)],
    )

    class Meta:
        verbose_name = _("skill profile")
        verbose_name_plural = _("skill profiles")
        ordering = ["letter"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_service_minutes__gt=0), name="skillprofile_service_time_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter} {self.get_skill_display()}"


class TicketSequence(models.Model):
    """The last number handed out for one letter in one hall on one (local) day."""

    service_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    day = models.DateField(_("day"))
    letter = models.CharField(_("ticket letter"), max_length=1)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("ticket sequence")
        verbose_name_plural = _("ticket sequences")
        constraints = [
            models.UniqueConstraint(fields=["service_point", "day", "letter"], name="ticketsequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.service_point_id} {self.day} {self.letter}{self.last_number}"


class Ticket(models.Model):
    """One leg of a visit: waiting for, called to and served at a counter of one skill."""

    service_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    issued_on = models.DateField(_("day"))
    letter = models.CharField(_("ticket letter"), max_length=1)
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(pgettext_lazy("ticket", "number"), max_length=10)
    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices)
    service_code = models.CharField(_("service"), max_length=80, blank=True)
    priority = models.CharField(_("priority"), max_length=15, choices=Priority.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    counter = models.ForeignKey(
        "servicepoints.Counter",
        verbose_name=_("counter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    target_counter = models.ForeignKey(
        "servicepoints.Counter",
        verbose_name=_("only for counter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Set when a ticket was transferred to one particular counter."),
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        verbose_name=_("appointment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    transferred_from = models.OneToOneField(
        "self",
        verbose_name=_("transferred from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transferred_to",
    )
    phone = EncryptedCharField(_("phone for text messages"), max_length=20, blank=True, kind="phone")
    language = models.CharField(_("language"), max_length=10, blank=True)
    slot_start = models.DateTimeField(_("appointment time"), null=True, blank=True)
    issued_at = models.DateTimeField(pgettext_lazy("ticket", "issued at"))
    queued_at = models.DateTimeField(_("queued at"))
    due_at = models.DateTimeField(
        _("due at"),
        help_text=_("From this moment the ticket is ahead of every ticket that is not yet due."),
    )
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    last_called_at = models.DateTimeField(_("last called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("ticket", "called by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recall_count = models.PositiveSmallIntegerField(_("recalls"), default=0)
    wait_seconds = models.PositiveIntegerField(_("wait (seconds)"), null=True, blank=True)
    service_seconds = models.PositiveIntegerField(_("service time (seconds)"), null=True, blank=True)
    predicted_raw_minutes = models.FloatField(
        _("model wait at issue (minutes)"),
        null=True,
        blank=True,
        help_text=_("Before the correction by history; compared with the real wait to learn the correction."),
    )
    predicted_wait_minutes = models.PositiveIntegerField(
        _("predicted wait at issue (minutes)"), null=True, blank=True
    )
    turn_near_notified_at = models.DateTimeField(_("turn-near text sent at"), null=True, blank=True)
    auto_closed = models.BooleanField(
        _("closed at the end of the day"),
        default=False,
        help_text=_("Left open when the day ended; not used for service-time statistics."),
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_point", "issued_on", "letter", "sequence"],
                condition=Q(transferred_from__isnull=True),
                name="ticket_number_unique_per_hall_day",
            ),
            models.UniqueConstraint(
                fields=["service_point", "issued_on", "number"],
                condition=Q(status__in=["waiting", "called", "serving"]),
                name="ticket_one_live_leg_per_number",
            ),
            models.UniqueConstraint(
                fields=["counter"],
                condition=Q(status__in=["called", "serving"]),
                name="ticket_one_at_each_counter",
            ),
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(appointment__isnull=False, transferred_from__isnull=True),
                name="ticket_one_per_appointment",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["called", "serving"]) | Q(counter__isnull=False),
                name="ticket_at_counter_has_counter",
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="ticket_sequence_positive"),
        ]
        indexes = [
            models.Index(fields=["service_point", "status", "skill"], name="ticket_point_status_skill"),
            models.Index(
                fields=["service_point", "skill", "finished_at"], name="ticket_point_skill_finished"
            ),
            models.Index(fields=["service_point", "skill", "issued_at"], name="ticket_point_skill_issued"),
            models.Index(fields=["service_point", "issued_on"], name="ticket_point_day"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.skill} {self.status}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class CounterSession(models.Model):
    """An officer staffing a counter, from opening it to closing it: "counters open" is these rows."""

    counter = models.ForeignKey(
        "servicepoints.Counter", verbose_name=_("counter"), on_delete=models.PROTECT, related_name="sessions"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.PROTECT,
        related_name="counter_sessions",
    )
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("counter session")
        verbose_name_plural = _("counter sessions")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["counter"],
                condition=Q(closed_at__isnull=True),
                name="countersession_one_open_per_counter",
            ),
            models.UniqueConstraint(
                fields=["officer"],
                condition=Q(closed_at__isnull=True),
                name="countersession_one_open_per_officer",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("opened_at")),
                name="countersession_closed_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter} {self.officer} {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class WaitCorrection(models.Model):
    """How real waits compared with the model's recently, per hall and skill (refreshed periodically)."""

    service_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices)
    factor = models.FloatField(_("correction factor"))
    samples = models.PositiveIntegerField(_("observed waits"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("wait correction")
        verbose_name_plural = _("wait corrections")
        ordering = ["service_point", "skill"]
        constraints = [
            models.UniqueConstraint(fields=["service_point", "skill"], name="waitcorrection_unique"),
            models.CheckConstraint(condition=Q(factor__gt=0), name="waitcorrection_factor_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.service_point_id} {self.skill} ×{self.factor:.2f}"
