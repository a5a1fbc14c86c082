"""Help centre articles and their search terms, hotline tickets, and home-visit requests.

- `Article`: a question and its answer in five languages (JSON per language, like catalog names),
  with optional links to a prefilled checklist or to booking. `SearchTerm` rows (words and CJK
  character bigrams per language) are rewritten by `services.save_article`, so search works the
  same on SQLite and PostgreSQL.
- `Ticket`: one call to the 12367 hotline: consent, the caller looked up, verified or not, the
  answers given, and the outcome; it may be escalated to a service point whose supervisors close it.
- `HomeVisitRequest` / `MobileTeam` / `VisitApplication`: officers come to the applicant (seed 003).
- `ConsultPolicy`: the rules that are data (verification attempts, home-visit age and group size,
  visit length, team travel speed), with effective dates.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from exitentry.core.fields import EncryptedCharField
from exitentry.core.i18n import localized
from exitentry.core.models import TranslatedNamesMixin


class ConsultPolicy(models.Model):
    max_verification_attempts = models.PositiveSmallIntegerField(
        _("caller verification attempts"), help_text=_("Failed answers allowed on one call before it locks.")
    )
    home_visit_min_age = models.PositiveSmallIntegerField(_("home visit: minimum age"))
    home_visit_group_more_than = models.PositiveSmallIntegerField(
        _("home visit: group larger than"), help_text=_("An organisation's group must be larger than this.")
    )
    visit_minutes = models.PositiveSmallIntegerField(_("minutes per home visit"))
    travel_speed_kmh = models.PositiveSmallIntegerField(_("mobile team travel speed (km/h)"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)

    class Meta:
        verbose_name = _("consultation policy")
        verbose_name_plural = _("consultation policies")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_verification_attempts__gte=1, visit_minutes__gte=5, travel_speed_kmh__gte=1),
                name="consultpolicy_positive",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="consultpolicy_effective_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from:%Y-%m-%d}"


# --- Help centre -------------------------------------------------------------------------------


class ArticleCategory(models.TextChoices):
    DOCUMENTS = "documents", _("Passports and permits")
    ENDORSEMENTS = "endorsements", _("Endorsements")
    FEES = "fees", _("Fees and payment")
    TIMES = "times", _("Processing times")
    ONLINE = "online", _("Online and zero-visit services")
    APPOINTMENTS = "appointments", _("Appointments and halls")
    FOREIGNERS = "foreigners", _("Foreigners, transit and accommodation")
    SPECIAL = "special", _("Special and home services")


class Article(models.Model):
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=ArticleCategory.choices)
    questions = models.JSONField(
        _("question"), default=dict, help_text=_("One entry per language: zh-hans, en, ru, ja, ko.")
    )
    answers = models.JSONField(
        _("answer"), default=dict, help_text=_("One entry per language: zh-hans, en, ru, ja, ko.")
    )
    checklist_services = models.JSONField(
        _("checklist services"),
        default=list,
        blank=True,
        help_text=_("Catalog service codes: the answer links to the checklist with them chosen."),
    )
    booking_service = models.CharField(
        _("booking service"),
        max_length=80,
        blank=True,
        help_text=_("A catalog service code: the answer links to booking an appointment for it."),
    )
    is_published = models.BooleanField(_("published"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")
        ordering = ["category", "sort_order", "slug"]

    def __str__(self) -> str:
        return self.question or self.slug

    @property
    def question(self) -> str:
        return localized(self.questions)

    @property
    def answer(self) -> str:
        return localized(self.answers)


class SearchTerm(models.Model):
    """One word or character bigram of an article in one language, with its weight."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="terms")
    language = models.CharField(max_length=10)
    term = models.CharField(max_length=40)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "language", "term"], name="searchterm_unique"),
        ]
        indexes = [models.Index(fields=["term", "language"], name="searchterm_term_language")]

    def __str__(self) -> str:
        return f"{self.language}:{self.term}"


# --- Hotline tickets ---------------------------------------------------------------------------


class TicketStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    ESCALATED = "escalated", _("Escalated to a service point")
    CLOSED = "closed", _("Closed")


TICKET_TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.OPEN: frozenset({TicketStatus.ESCALATED, TicketStatus.CLOSED}),
    TicketStatus.ESCALATED: frozenset({TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}


class TicketCategory(models.TextChoices):
    INFORMATION = "information", _("Information")
    APPOINTMENT = "appointment", _("Appointment")
    APPLICATION_STATUS = "application_status", _("Application progress")
    HOME_SERVICE = "home_service", _("Home service")
    COMPLAINT = "complaint", _("Complaint or suggestion")
    OTHER = "other", _("Other")


class TicketOutcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    BOOKED = "booked", _("Appointment booked")
    CANCELLED = "cancelled", _("Appointment cancelled")
    ESCALATED = "escalated", _("Passed to a service point")
    UNRESOLVED = "unresolved", _("Not resolved")


class LookupKind(models.TextChoices):
    ID_NUMBER = "id_number", _("ID number")
    PHONE = "phone", _("Phone number")
    APPLICATION = "application", _("Application number")


class Ticket(models.Model):
    number = models.CharField(_("ticket number"), max_length=20, unique=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(_("caller's language"), max_length=10, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    category = models.CharField(_("category"), max_length=20, choices=TicketCategory.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=TicketOutcome.choices, blank=True)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    consent_at = models.DateTimeField(_("consent to look up recorded at"), null=True, blank=True)
    lookup_kind = models.CharField(_("looked up by"), max_length=12, choices=LookupKind.choices, blank=True)
    person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("caller"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("caller verified at"), null=True, blank=True)
    failed_verifications = models.PositiveSmallIntegerField(_("failed verifications"), default=0)
    articles = models.ManyToManyField(Article, verbose_name=_("answers given"), blank=True, related_name="+")
    escalated_to = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalation_note = models.TextField(_("escalation note"), max_length=2000, blank=True)
    resolution = models.TextField(_("resolution"), max_length=2000, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hotline ticket")
        verbose_name_plural = _("hotline tickets")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="escalated") | Q(escalated_to__isnull=False),
                name="ticket_escalated_has_point",
            ),
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True) | Q(person__isnull=False),
                name="ticket_verified_has_person",
            ),
        ]
        indexes = [models.Index(fields=["status", "escalated_to"], name="ticket_status_point")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


# --- Home service ------------------------------------------------------------------------------


class HomeVisitGround(models.TextChoices):
    AGE = "age", _("Aged 60 or over")
    DISABILITY = "disability", _("Disability")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness, treatment abroad")
    GROUP = "group", _("Organisation group of more than 20 people")


# Grounds that need a document; age is read from the person's record.
GROUNDS_NEEDING_PROOF = frozenset(
    {HomeVisitGround.DISABILITY, HomeVisitGround.SERIOUS_ILLNESS, HomeVisitGround.GROUP}
)


class HomeVisitStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    SCHEDULED = "scheduled", _("Visit scheduled")
    VISITED = "visited", _("Visited")
    CANCELLED = "cancelled", _("Cancelled")


VISIT_TRANSITIONS: dict[str, frozenset[str]] = {
    HomeVisitStatus.REQUESTED: frozenset(
        {HomeVisitStatus.ACCEPTED, HomeVisitStatus.REFUSED, HomeVisitStatus.CANCELLED}
    ),
    HomeVisitStatus.ACCEPTED: frozenset({HomeVisitStatus.SCHEDULED, HomeVisitStatus.CANCELLED}),
    HomeVisitStatus.SCHEDULED: frozenset({HomeVisitStatus.VISITED, HomeVisitStatus.CANCELLED}),
    HomeVisitStatus.REFUSED: frozenset(),
    HomeVisitStatus.VISITED: frozenset(),
    HomeVisitStatus.CANCELLED: frozenset(),
}


class MobileTeam(TranslatedNamesMixin):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    service_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.PROTECT,
        related_name="mobile_teams",
    )
    day_starts = models.TimeField(_("day starts"))
    day_ends = models.TimeField(_("day ends"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mobile team")
        verbose_name_plural = _("mobile teams")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(day_ends__gt=F("day_starts")), name="mobileteam_day_order"),
        ]


class HomeVisitRequest(models.Model):
    number = models.CharField(_("request number"), max_length=20, unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "identity.Person", verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+"
    )
    ground = models.CharField(_("ground"), max_length=20, choices=HomeVisitGround.choices)
    group_size = models.PositiveIntegerField(_("group size"), null=True, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    services = models.JSONField(_("services"), default=list)
    address = models.CharField(_("address"), max_length=300)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    phone = EncryptedCharField(_("contact phone"), max_length=20, kind="phone")
    service_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proof = models.FileField(_("proof"), upload_to="home-visits/%Y/%m/", blank=True)
    proof_content_type = models.CharField(_("proof file type"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=HomeVisitStatus.choices, default=HomeVisitStatus.REQUESTED
    )
    refusal_reason = models.CharField(_("reason for refusal"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    team = models.ForeignKey(
        MobileTeam,
        verbose_name=_("mobile team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    visit_start = models.DateTimeField(_("visit starts"), null=True, blank=True)
    visit_end = models.DateTimeField(_("visit ends"), null=True, blank=True)
    travel_minutes = models.PositiveSmallIntegerField(
        _("travel minutes before the visit"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("home visit request")
        verbose_name_plural = _("home visit requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visit_start__isnull=True) | Q(visit_end__gt=F("visit_start")),
                name="homevisit_visit_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(team__isnull=False, visit_start__isnull=False),
                name="homevisit_scheduled_has_team",
            ),
            models.UniqueConstraint(fields=["team", "visit_start"], name="homevisit_team_start_unique"),
        ]
        indexes = [models.Index(fields=["team", "visit_start"], name="homevisit_team_day")]

    def __str__(self) -> str:
        return self.number


class VisitApplication(models.Model):
    """An application an officer filed during a home visit (channel: home service)."""

    visit = models.ForeignKey(HomeVisitRequest, on_delete=models.PROTECT, related_name="applications")
    application = models.OneToOneField("applications.Application", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.visit_id} → {self.application_id}"
