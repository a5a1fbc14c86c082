"""Help centre, hotline tickets and home visits: every change is one of these functions.

Each owns its transaction, checks the allowed transition with a conditional UPDATE and writes an
audit event in the same transaction. A refused attempt that must leave a trace (a wrong
verification answer, a request to unmask an unverified caller) is committed first and raised
after, so the trace survives the error.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import Role, User
from exitentry.accounts.services import service_point_ids_in_scope
from exitentry.applications import services as applications
from exitentry.applications.models import Application, DeliveryMethod, ItemStatus
from exitentry.applications.uploads import check_file
from exitentry.appointments import services as appointments
from exitentry.appointments.models import Appointment
from exitentry.audit.services import record_access, record_event
from exitentry.catalog.models import Channel, Service
from exitentry.consult import search
from exitentry.consult.models import (
    GROUNDS_NEEDING_PROOF,
    TICKET_TRANSITIONS,
    VISIT_TRANSITIONS,
    Article,
    ConsultPolicy,
    HomeVisitGround,
    HomeVisitRequest,
    HomeVisitStatus,
    LookupKind,
    MobileTeam,
    SearchTerm,
    Ticket,
    TicketCategory,
    TicketOutcome,
    TicketStatus,
    VisitApplication,
)
from exitentry.core import clock
from exitentry.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from exitentry.core.i18n import LANGUAGE_CODES, localized, missing_languages
from exitentry.core.masking import mask_id_number, mask_name, mask_phone
from exitentry.identity.models import Person
from exitentry.servicepoints.models import ServicePoint, ServicePointKind
from exitentry.servicepoints.services import haversine_km, service_names

MAX_RESULTS = 20
MAX_ID = 2**31 - 1


class PolicyMissing(Conflict):
    code = "consult_policy_missing"
    default_message = _("No consultation policy is in force today. An administrator must add one.")


class ArticleNotFound(NotFound):
    code = "article_not_found"
    default_message = _("There is no such help article.")


class TranslationsMissing(InvalidInput):
    code = "translations_missing"
    default_message = _("The question and the answer are needed in all five languages.")


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    default_message = _("There is no such ticket.")


class ConsentRequired(Conflict):
    code = "consent_required"
    default_message = _("Record the caller's consent before looking up their records.")


class CallerNotFound(NotFound):
    code = "caller_not_found"
    default_message = _("No record matches what the caller gave.")


class NoCallerYet(Conflict):
    code = "no_caller_yet"
    default_message = _("Look up the caller first.")


class VerificationFailed(InvalidInput):
    code = "verification_failed"
    default_message = _("The caller's answers do not match the record.")


class VerificationLocked(Conflict):
    code = "verification_locked"
    default_message = _("Too many wrong answers on this call. Personal data stays masked.")


class CallerNotVerified(PermissionDenied):
    code = "caller_not_verified"
    default_message = _("Verify the caller before showing unmasked data or acting for them.")


class CallerHasNoAccount(Conflict):
    code = "caller_has_no_account"
    default_message = _("The caller has no account, so nothing can be booked for them.")


class InvalidChoice(InvalidInput):
    code = "invalid_choice"
    default_message = _("Choose one of the options offered.")


class ServicePointNotFound(NotFound):
    code = "service_point_not_found"
    default_message = _("There is no such service point.")


class NotYourServicePoint(PermissionDenied):
    code = "not_your_service_point"
    default_message = _("This belongs to a service point you do not work for.")


class HomeVisitNotFound(NotFound):
    code = "home_visit_not_found"
    default_message = _("There is no such home visit request.")


class NotEligibleForHomeVisit(InvalidInput):
    code = "not_eligible_for_home_visit"
    default_message = _("This request does not meet the conditions for a home visit.")


class ProofRequired(InvalidInput):
    code = "proof_required"
    default_message = _("Attach a document that shows the reason (PDF, JPEG or PNG).")


class NoResidentRecord(InvalidInput):
    code = "no_resident_record"
    default_message = _("Your account is not linked to a resident record yet.")


class ServiceNotOfferedAtHome(InvalidInput):
    code = "service_not_offered_at_home"
    default_message = _("Officers cannot handle this service at home.")


class ReasonRequired(InvalidInput):
    code = "reason_required"
    default_message = _("Give the reason.")


class LocationRequired(InvalidInput):
    code = "location_required"
    default_message = _("The visit needs a map location (latitude and longitude).")


class TeamNotFound(NotFound):
    code = "team_not_found"
    default_message = _("There is no such mobile team at this service point.")


class TeamDayFull(Conflict):
    code = "team_day_full"
    default_message = _("This team's day is full: the visit and the travel would not fit its hours.")


class VisitDayInPast(InvalidInput):
    code = "visit_day_in_past"
    default_message = _("Choose a day from tomorrow on.")


# --- Policy ------------------------------------------------------------------------------------


def current_policy(day: dt.date | None = None) -> ConsultPolicy:
    day = day or clock.today()
    policy = (
        ConsultPolicy.objects.filter(effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .order_by("-effective_from")
        .first()
    )
    if policy is None:
        raise PolicyMissing()
    return policy


# --- Help centre -------------------------------------------------------------------------------


def _reindex(article: Article) -> None:
    SearchTerm.objects.filter(article=article).delete()
    rows: list[SearchTerm] = []
    for language in LANGUAGE_CODES:
        weights = search.weighted_terms(
            article.questions.get(language, ""), article.answers.get(language, "")
        )
        rows.extend(
            SearchTerm(article=article, language=language, term=term, weight=weight)
            for term, weight in weights.items()
        )
    SearchTerm.objects.bulk_create(rows, batch_size=500)


def save_article(
    article: Article, *, actor: Any, request: HttpRequest | None = None, require_all_languages: bool = True
) -> Article:
    """Create or change an article and rewrite its search terms in the same transaction."""
    missing = sorted(set(missing_languages(article.questions)) | set(missing_languages(article.answers)))
    if require_all_languages and missing:
        raise TranslationsMissing(languages=missing)
    with transaction.atomic():
        creating = article._state.adding
        article.updated_at = clock.now()
        article.full_clean()
        article.save()
        _reindex(article)
        record_event(
            "consult.article_created" if creating else "consult.article_changed",
            actor=actor,
            obj=article,
            request=request,
            after={"slug": article.slug, "published": article.is_published, "missing": missing},
        )
    return article


def delete_article(article: Article, *, actor: Any, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        article_id, slug = article.pk, article.slug
        article.delete()
        record_event(
            "consult.article_deleted",
            actor=actor,
            object_type="consult.article",
            object_id=article_id,
            request=request,
            slug=slug,
        )


def published_articles() -> QuerySet[Article]:
    return Article.objects.filter(is_published=True)


def get_article(slug_or_id: str | int) -> Article:
    articles = published_articles()
    if isinstance(slug_or_id, int):
        found = articles.filter(pk=slug_or_id).first() if 1 <= slug_or_id <= MAX_ID else None
    else:
        found = articles.filter(slug=slug_or_id[:80]).first()
    if found is None:
        raise ArticleNotFound()
    return found


@dataclass(frozen=True)
class SearchHit:
    article: Article
    score: float
    language: str


@dataclass(frozen=True)
class SearchResult:
    query: str
    truncated: bool
    hits: list[SearchHit]


def search_articles(query: str | None, *, language: str | None = None) -> SearchResult:
    """Published articles ranked by matched terms (rarer terms count more; the question triple).

    Terms of every language are searched (a caller may type Chinese on the English page); the
    asked language wins a tie. Empty or symbol-only queries find nothing.
    """
    raw = query or ""
    cleaned = search.clean_query(raw)
    truncated = len(" ".join(raw.split())) > search.MAX_QUERY_CHARS
    wanted = search.query_terms(cleaned)
    if not wanted:
        return SearchResult(query=cleaned, truncated=truncated, hits=[])
    rows = list(
        SearchTerm.objects.filter(term__in=wanted, article__is_published=True).values_list(
            "article_id", "language", "term", "weight"
        )
    )
    total = max(Article.objects.filter(is_published=True).count(), 1)
    articles_with: dict[str, set[int]] = defaultdict(set)
    for article_id, _language, term, _weight in rows:
        articles_with[term].add(article_id)
    scores: dict[tuple[int, str], float] = defaultdict(float)
    matched: dict[tuple[int, str], set[str]] = defaultdict(set)
    for article_id, row_language, term, weight in rows:
        idf = math.log(1 + total / len(articles_with[term]))
        scores[(article_id, row_language)] += weight * idf
        matched[(article_id, row_language)].add(term)
    best: dict[int, tuple[float, str]] = {}
    for (article_id, row_language), score in scores.items():
        # Share of the query matched dominates, so an article matching every term ranks first.
        coverage = len(matched[(article_id, row_language)]) / len(wanted)
        value = coverage * 100 + score + (0.5 if row_language == language else 0)
        if article_id not in best or value > best[article_id][0]:
            best[article_id] = (value, row_language)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:MAX_RESULTS]
    by_id = Article.objects.in_bulk([article_id for article_id, _ in ranked])
    hits = [
        SearchHit(article=by_id[article_id], score=round(value, 3), language=found_in)
        for article_id, (value, found_in) in ranked
        if article_id in by_id
    ]
    return SearchResult(query=cleaned, truncated=truncated, hits=hits)


@dataclass(frozen=True)
class MissingTranslation:
    article: Article
    questions: list[str]
    answers: list[str]


def missing_translations() -> list[MissingTranslation]:
    report = []
    for article in Article.objects.order_by("category", "sort_order", "slug"):
        questions, answers = missing_languages(article.questions), missing_languages(article.answers)
        if questions or answers:
            report.append(MissingTranslation(article=article, questions=questions, answers=answers))
    return report


def article_text(article: Article, language: str) -> tuple[str, str]:
    return localized(article.questions, language), localized(article.answers, language)


# --- Hotline tickets ---------------------------------------------------------------------------


def _new_number(prefix: str) -> str:
    return f"{prefix}{clock.today():%Y%m%d}{secrets.randbelow(10**6):06d}"


def open_ticket(agent: User, language: str, *, request: HttpRequest | None = None) -> Ticket:
    if language not in LANGUAGE_CODES:
        raise InvalidChoice(field="language")
    now = clock.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                ticket = Ticket.objects.create(
                    number=_new_number("T"), agent=agent, language=language, created_at=now, updated_at=now
                )
                record_event(
                    "consult.ticket_opened", actor=agent, obj=ticket, request=request, language=language
                )
            return ticket
        except IntegrityError:
            continue
    raise Conflict()


def agent_ticket(agent: User, ticket_id: int) -> Ticket:
    """A ticket of this agent (an administrator sees all); anyone else's answers like a missing one."""
    tickets = Ticket.objects.select_related("person", "escalated_to")
    if agent.role != Role.ADMIN and not agent.is_superuser:
        tickets = tickets.filter(agent=agent)
    ticket = tickets.filter(pk=ticket_id).first() if 1 <= ticket_id <= MAX_ID else None
    if ticket is None:
        raise TicketNotFound()
    return ticket


def _require_open(ticket: Ticket) -> None:
    if ticket.status != TicketStatus.OPEN:
        raise InvalidTransition(current=ticket.status)


def _touch(ticket: Ticket, **changes: Any) -> None:
    """Change an open ticket; 0 rows means it was closed or escalated meanwhile."""
    changes["updated_at"] = clock.now()
    if not Ticket.objects.filter(pk=ticket.pk, status=TicketStatus.OPEN).update(**changes):
        raise InvalidTransition(current=ticket.status)
    for name, value in changes.items():
        setattr(ticket, name, value)


def record_consent(ticket: Ticket, *, agent: User, request: HttpRequest | None = None) -> Ticket:
    _require_open(ticket)
    with transaction.atomic():
        _touch(ticket, consent_at=clock.now())
        record_event("consult.caller_consent_recorded", actor=agent, obj=ticket, request=request)
    return ticket


def _find_person(kind: str, value: str) -> Person | None:
    value = (value or "").strip()[:40]
    if not value:
        return None
    if kind == LookupKind.ID_NUMBER:
        return Person.objects.filter(id_number=value.upper()).first()
    if kind == LookupKind.PHONE:
        digits = "".join(ch for ch in value if ch.isdigit() or ch == "+")
        return (
            Person.objects.filter(phone=digits).order_by("pk").first()
            or Person.objects.filter(account__phone=digits).order_by("pk").first()
        )
    if kind == LookupKind.APPLICATION:
        application = Application.objects.select_related("person").filter(number=value.upper()).first()
        return application.person if application else None
    raise InvalidChoice(field="kind")


def look_up_caller(
    ticket: Ticket, *, agent: User, kind: str, value: str, request: HttpRequest | None = None
) -> Person:
    """Find the caller's record by ID number, phone or application number; consent comes first."""
    _require_open(ticket)
    if ticket.consent_at is None:
        raise ConsentRequired()
    if kind not in LookupKind.values:
        raise InvalidChoice(field="kind")
    person = _find_person(kind, value)
    with transaction.atomic():
        if person is None:
            record_event("consult.caller_lookup_failed", actor=agent, obj=ticket, request=request, kind=kind)
        else:
            same = ticket.person_id == person.pk
            _touch(
                ticket,
                person=person,
                lookup_kind=kind,
                verified_at=ticket.verified_at if same else None,
                failed_verifications=ticket.failed_verifications if same else 0,
            )
            record_event(
                "consult.caller_looked_up",
                actor=agent,
                obj=ticket,
                request=request,
                kind=kind,
                person_id=person.pk,
            )
            record_access(agent, person, purpose=f"hotline lookup, ticket {ticket.number}", request=request)
    if person is None:
        raise CallerNotFound()
    return person


def verify_caller(
    ticket: Ticket, *, agent: User, id_last6: str, birth_date: dt.date, request: HttpRequest | None = None
) -> Ticket:
    """The caller answers the last six characters of the ID number and the birth date."""
    _require_open(ticket)
    if ticket.person is None:
        raise NoCallerYet()
    policy = current_policy()
    if ticket.failed_verifications >= policy.max_verification_attempts:
        raise VerificationLocked()
    person = ticket.person
    answer_ok = (
        len(id_last6.strip()) == 6
        and (person.id_number or "").upper().endswith(id_last6.strip().upper())
        and person.birth_date == birth_date
    )
    with transaction.atomic():
        if answer_ok:
            _touch(ticket, verified_at=clock.now())
            record_event("consult.caller_verified", actor=agent, obj=ticket, request=request)
            return ticket
        failed = Ticket.objects.filter(
            pk=ticket.pk, status=TicketStatus.OPEN, failed_verifications__lt=policy.max_verification_attempts
        ).update(failed_verifications=F("failed_verifications") + 1, updated_at=clock.now())
        record_event("consult.caller_verification_failed", actor=agent, obj=ticket, request=request)
    if not failed:
        raise VerificationLocked()
    ticket.failed_verifications += 1
    left = policy.max_verification_attempts - ticket.failed_verifications
    if left <= 0:
        raise VerificationLocked()
    raise VerificationFailed(attempts_left=left)


@dataclass
class CallerApplication:
    number: str
    status: str
    status_label: str
    services: list[str]
    promised_date: dt.date | None
    service_point: str


@dataclass
class CallerAppointment:
    id: int
    code: str
    service: str
    service_point: str
    start: dt.datetime
    status: str
    status_label: str
    cancellable: bool


@dataclass
class CallerView:
    verified: bool
    unmasked: bool
    full_name: str
    id_number: str
    phone: str
    birth_date: str
    has_account: bool
    applications: list[CallerApplication] = field(default_factory=list)
    appointments: list[CallerAppointment] = field(default_factory=list)


def caller_account(person: Person) -> User | None:
    return User.objects.filter(person=person, is_active=True).order_by("pk").first()


def view_caller(
    ticket: Ticket, *, agent: User, unmasked: bool = False, request: HttpRequest | None = None
) -> CallerView:
    """What the agent sees of the caller: masked, or in full once the caller is verified."""
    person = ticket.person
    if person is None:
        raise NoCallerYet()
    if unmasked and not ticket.is_verified:
        with transaction.atomic():
            record_event(
                "consult.unmask_refused", actor=agent, obj=ticket, request=request, person_id=person.pk
            )
        raise CallerNotVerified()
    record_access(
        agent,
        person,
        purpose=f"hotline {'verified' if unmasked else 'masked'} view, ticket {ticket.number}",
        request=request,
    )
    account = caller_account(person)
    apps = list(
        Application.objects.filter(person=person)
        .select_related("service_point")
        .prefetch_related("items")
        .order_by("-created_at")[:20]
    )
    codes = {item.service_code for app in apps for item in app.items.all()}
    names = service_names(codes)
    view = CallerView(
        verified=ticket.is_verified,
        unmasked=unmasked,
        full_name=person.full_name if unmasked else mask_name(person.full_name),
        id_number=(person.id_number or "") if unmasked else mask_id_number(person.id_number),
        phone=(person.phone or "") if unmasked else mask_phone(person.phone),
        birth_date=person.birth_date.isoformat() if unmasked else f"{person.birth_date:%Y}-**-**",
        has_account=account is not None,
    )
    for app in apps:
        status = applications.application_status(app)
        view.applications.append(
            CallerApplication(
                number=app.number,
                status=status,
                status_label=str(ItemStatus(status).label) if status in ItemStatus.values else status,
                services=[names.get(item.service_code, item.service_code) for item in app.items.all()],
                promised_date=applications.promised_date_of(app),
                service_point=app.service_point.name,
            )
        )
    if account is not None:
        now = clock.now()
        for appointment in appointments.appointments_of(account)[:20]:
            view.appointments.append(
                CallerAppointment(
                    id=appointment.pk,
                    code=appointment.code,
                    service=names.get(appointment.service_code) or appointment.service_code,
                    service_point=appointment.slot.service_point.name,
                    start=clock.to_local(appointment.slot.start),
                    status=appointment.status,
                    status_label=str(appointment.get_status_display()),
                    cancellable=appointment.status == "booked" and appointment.slot.start > now,
                )
            )
    return view


def share_article(
    ticket: Ticket, *, agent: User, article: Article, request: HttpRequest | None = None
) -> Ticket:
    """The agent read this answer to the caller (in the caller's language)."""
    _require_open(ticket)
    with transaction.atomic():
        _touch(ticket)
        ticket.articles.add(article)
        record_event(
            "consult.answer_given",
            actor=agent,
            obj=ticket,
            request=request,
            article=article.slug,
            language=ticket.language,
        )
    return ticket


def _verified_account(ticket: Ticket) -> User:
    _require_open(ticket)
    if ticket.person is None:
        raise NoCallerYet()
    if not ticket.is_verified:
        raise CallerNotVerified()
    account = caller_account(ticket.person)
    if account is None:
        raise CallerHasNoAccount()
    return account


def book_for_caller(
    ticket: Ticket, *, agent: User, slot_id: int, service: str, key: str, request: HttpRequest | None = None
) -> Appointment:
    """Book through `appointments.book_slot` for the verified caller's account."""
    account = _verified_account(ticket)
    outcome = appointments.book_slot(
        account, slot_id, service, f"hotline-{ticket.pk}-{key[:60]}", request=None
    )
    appointment = Appointment.objects.select_related("slot__service_point").get(pk=outcome.appointment_id)
    with transaction.atomic():
        _touch(ticket)
        record_event(
            "consult.booked_for_caller",
            actor=agent,
            obj=ticket,
            request=request,
            appointment=appointment.code,
            replayed=outcome.replayed,
        )
    return appointment


def cancel_for_caller(
    ticket: Ticket, *, agent: User, appointment_id: int, request: HttpRequest | None = None
) -> Appointment:
    account = _verified_account(ticket)
    with transaction.atomic():
        appointment = appointments.cancel_appointment(account, appointment_id)
        _touch(ticket)
        record_event(
            "consult.cancelled_for_caller",
            actor=agent,
            obj=ticket,
            request=request,
            appointment=appointment.code,
        )
    return appointment


def _check_category(category: str) -> None:
    if category not in TicketCategory.values:
        raise InvalidChoice(field="category")


def close_ticket(
    ticket: Ticket,
    *,
    agent: User,
    category: str,
    outcome: str,
    summary: str,
    request: HttpRequest | None = None,
) -> Ticket:
    """Log the call: category, outcome and a summary; the ticket is closed."""
    _check_category(category)
    if outcome not in TicketOutcome.values or outcome == TicketOutcome.ESCALATED:
        raise InvalidChoice(field="outcome")
    if TicketStatus.CLOSED not in TICKET_TRANSITIONS[ticket.status]:
        raise InvalidTransition(current=ticket.status)
    now = clock.now()
    with transaction.atomic():
        _touch(
            ticket,
            status=TicketStatus.CLOSED,
            category=category,
            outcome=outcome,
            summary=summary.strip()[:2000],
            closed_by=agent,
            closed_at=now,
        )
        record_event(
            "consult.ticket_closed",
            actor=agent,
            obj=ticket,
            request=request,
            after={"category": category, "outcome": outcome},
        )
    return ticket


def escalate_ticket(
    ticket: Ticket,
    *,
    agent: User,
    service_point_id: int,
    category: str,
    note: str,
    request: HttpRequest | None = None,
) -> Ticket:
    _check_category(category)
    if not note.strip():
        raise ReasonRequired(field="note")
    point = (
        ServicePoint.objects.filter(pk=service_point_id, is_active=True).first()
        if 1 <= service_point_id <= MAX_ID
        else None
    )
    if point is None:
        raise ServicePointNotFound(field="service_point_id")
    if TicketStatus.ESCALATED not in TICKET_TRANSITIONS[ticket.status]:
        raise InvalidTransition(current=ticket.status)
    with transaction.atomic():
        _touch(
            ticket,
            status=TicketStatus.ESCALATED,
            category=category,
            outcome=TicketOutcome.ESCALATED,
            escalated_to=point,
            escalation_note=note.strip()[:2000],
        )
        record_event(
            "consult.ticket_escalated", actor=agent, obj=ticket, request=request, service_point_id=point.pk
        )
    return ticket


def escalations_for(user: User, *, open_only: bool = True) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(escalated_to__isnull=False).select_related("escalated_to", "agent")
    if open_only:
        tickets = tickets.filter(status=TicketStatus.ESCALATED)
    scope = service_point_ids_in_scope(user)
    if scope is not None:
        tickets = tickets.filter(escalated_to_id__in=scope)
    return tickets.order_by("created_at")


def resolve_escalation(
    user: User, ticket_id: int, *, resolution: str, request: HttpRequest | None = None
) -> Ticket:
    """A supervisor of the service point closes a ticket escalated to it."""
    ticket = (
        escalations_for(user, open_only=False).filter(pk=ticket_id).first()
        if 1 <= ticket_id <= MAX_ID
        else None
    )
    if ticket is None:
        raise TicketNotFound()
    if not resolution.strip():
        raise ReasonRequired(field="resolution")
    if TicketStatus.CLOSED not in TICKET_TRANSITIONS[ticket.status]:
        raise InvalidTransition(current=ticket.status)
    now = clock.now()
    with transaction.atomic():
        moved = Ticket.objects.filter(pk=ticket.pk, status=TicketStatus.ESCALATED).update(
            status=TicketStatus.CLOSED,
            resolution=resolution.strip()[:2000],
            closed_by=user,
            closed_at=now,
            updated_at=now,
        )
        if not moved:
            raise InvalidTransition(current=ticket.status)
        record_event("consult.escalation_resolved", actor=user, obj=ticket, request=request)
    ticket.refresh_from_db()
    return ticket


# --- Home service ------------------------------------------------------------------------------


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def home_visit_points() -> QuerySet[ServicePoint]:
    return ServicePoint.objects.filter(is_active=True, kind=ServicePointKind.HALL).order_by("code")


def home_services() -> list[Service]:
    return [
        s
        for s in Service.objects.filter(is_active=True).order_by("document_type", "sort_order")
        if Channel.HOME_SERVICE in (s.channels or [])
    ]


@dataclass(frozen=True)
class HomeVisitForm:
    ground: str
    services: tuple[str, ...]
    address: str
    phone: str
    service_point_id: int
    group_size: int | None = None
    organisation: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def check_home_visit_eligibility(person: Person, form: HomeVisitForm, policy: ConsultPolicy) -> None:
    if form.ground not in HomeVisitGround.values:
        raise InvalidChoice(field="ground")
    if (
        form.ground == HomeVisitGround.AGE
        and age_on(person.birth_date, clock.today()) < policy.home_visit_min_age
    ):
        raise NotEligibleForHomeVisit(
            _("Home visits on grounds of age are for people aged %(age)s or over.")
            % {"age": policy.home_visit_min_age},
            field="ground",
            reason="too_young",
            min_age=policy.home_visit_min_age,
        )
    if form.ground == HomeVisitGround.GROUP:
        if (form.group_size or 0) <= policy.home_visit_group_more_than:
            raise NotEligibleForHomeVisit(
                _("A group must have more than %(size)s people.")
                % {"size": policy.home_visit_group_more_than},
                field="group_size",
                reason="group_too_small",
                more_than=policy.home_visit_group_more_than,
            )
        if not form.organisation.strip():
            raise ReasonRequired(field="organisation")


def request_home_visit(
    user: User,
    form: HomeVisitForm,
    *,
    proof: IO[bytes] | None = None,
    proof_name: str = "",
    request: HttpRequest | None = None,
) -> HomeVisitRequest:
    """An applicant asks officers to come; eligibility from the record (age) or a proof document."""
    if user.person_id is None:
        raise NoResidentRecord()
    person = Person.objects.get(pk=user.person_id)
    policy = current_policy()
    check_home_visit_eligibility(person, form, policy)
    offered = {s.code for s in home_services()}
    codes = list(dict.fromkeys(code.strip() for code in form.services if code.strip()))
    if not codes:
        raise InvalidChoice(field="services")
    for code in codes:
        if code not in offered:
            raise ServiceNotOfferedAtHome(field="services", service=code[:80])
    point = (
        home_visit_points().filter(pk=form.service_point_id).first()
        if 1 <= form.service_point_id <= MAX_ID
        else None
    )
    if point is None:
        raise ServicePointNotFound(field="service_point_id")
    if not form.address.strip():
        raise ReasonRequired(field="address")
    phone = applications.clean_phone(form.phone or person.phone)
    if (form.latitude is None) != (form.longitude is None):
        raise LocationRequired(field="latitude")
    if (
        form.latitude is not None
        and form.longitude is not None
        and not (-90 <= form.latitude <= 90 and -180 <= form.longitude <= 180)
    ):
        raise LocationRequired(field="latitude")
    checked = None
    if form.ground in GROUNDS_NEEDING_PROOF:
        if proof is None:
            raise ProofRequired(field="proof")
        checked = check_file(proof)
    now = clock.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                visit = HomeVisitRequest(
                    number=_new_number("H"),
                    requested_by=user,
                    person=person,
                    ground=form.ground,
                    group_size=form.group_size if form.ground == HomeVisitGround.GROUP else None,
                    organisation=form.organisation.strip()[:200],
                    services=codes,
                    address=form.address.strip()[:300],
                    latitude=form.latitude,
                    longitude=form.longitude,
                    phone=phone,
                    service_point=point,
                    created_at=now,
                    updated_at=now,
                )
                if checked is not None and proof is not None:
                    visit.proof_content_type = checked.content_type
                    visit.proof.save(f"{secrets.token_hex(16)}.{checked.extension}", File(proof), save=False)
                visit.save()
                record_event(
                    "consult.home_visit_requested",
                    actor=user,
                    obj=visit,
                    request=request,
                    after={"ground": visit.ground, "services": codes, "service_point": point.pk},
                )
            return visit
        except IntegrityError:
            continue
    raise Conflict()


def visits_of(user: User) -> QuerySet[HomeVisitRequest]:
    return HomeVisitRequest.objects.filter(requested_by=user).select_related("service_point", "team")


def own_visit(user: User, visit_id: int) -> HomeVisitRequest:
    visit = visits_of(user).filter(pk=visit_id).first() if 1 <= visit_id <= MAX_ID else None
    if visit is None:
        raise HomeVisitNotFound()
    return visit


def officer_visits(user: User) -> QuerySet[HomeVisitRequest]:
    visits = HomeVisitRequest.objects.select_related("service_point", "team", "person")
    scope = service_point_ids_in_scope(user)
    if scope is not None:
        visits = visits.filter(service_point_id__in=scope)
    return visits


def visit_for_officer(user: User, visit_id: int) -> HomeVisitRequest:
    visit = officer_visits(user).filter(pk=visit_id).first() if 1 <= visit_id <= MAX_ID else None
    if visit is None:
        raise HomeVisitNotFound()
    return visit


def _move_visit(
    visit: HomeVisitRequest, to: str, *, actor: Any, request: HttpRequest | None, **changes: Any
) -> None:
    if to not in VISIT_TRANSITIONS[visit.status]:
        raise InvalidTransition(current=visit.status, requested=to)
    changes.update(status=to, updated_at=clock.now())
    if not HomeVisitRequest.objects.filter(pk=visit.pk, status=visit.status).update(**changes):
        raise InvalidTransition(requested=to)
    record_event(
        f"consult.home_visit_{to}",
        actor=actor,
        obj=visit,
        request=request,
        before={"status": visit.status},
        after={"status": to},
    )
    for name, value in changes.items():
        setattr(visit, name, value)


def decide_home_visit(
    visit: HomeVisitRequest,
    *,
    officer: User,
    accept: bool,
    reason: str = "",
    request: HttpRequest | None = None,
) -> HomeVisitRequest:
    """Accept, or refuse with a reason the applicant reads."""
    if not accept and not reason.strip():
        raise ReasonRequired(field="reason")
    with transaction.atomic():
        _move_visit(
            visit,
            HomeVisitStatus.ACCEPTED if accept else HomeVisitStatus.REFUSED,
            actor=officer,
            request=request,
            refusal_reason="" if accept else reason.strip()[:500],
            decided_by=officer,
            decided_at=clock.now(),
        )
    return visit


def cancel_home_visit(user: User, visit_id: int, *, request: HttpRequest | None = None) -> HomeVisitRequest:
    visit = own_visit(user, visit_id)
    with transaction.atomic():
        _move_visit(visit, HomeVisitStatus.CANCELLED, actor=user, request=request)
    return visit


def travel_minutes(km: float, policy: ConsultPolicy) -> int:
    return math.ceil(km / policy.travel_speed_kmh * 60)


def _coords(obj: Any) -> tuple[float, float]:
    return float(obj.latitude), float(obj.longitude)


@dataclass(frozen=True)
class PlannedVisit:
    start: dt.datetime
    end: dt.datetime
    travel_minutes: int


def plan_visit(
    team: MobileTeam, day: dt.date, location: tuple[float, float], policy: ConsultPolicy
) -> PlannedVisit:
    """After the team's last visit that day, travel included, returning to base within hours."""
    base = _coords(team.service_point)
    day_start = clock.local_datetime(day, team.day_starts)
    day_end = clock.local_datetime(day, team.day_ends)
    last = (
        HomeVisitRequest.objects.filter(
            team=team,
            status__in=[HomeVisitStatus.SCHEDULED, HomeVisitStatus.VISITED],
            visit_start__gte=day_start,
            visit_start__lt=day_end,
        )
        .order_by("-visit_end")
        .first()
    )
    origin, free_from = (
        (_coords(last), last.visit_end) if last is not None and last.visit_end else (base, day_start)
    )
    travel = travel_minutes(haversine_km(*origin, *location), policy)
    start = max(free_from + dt.timedelta(minutes=travel), day_start)
    start = max(start, clock.now())
    end = start + dt.timedelta(minutes=policy.visit_minutes)
    back = travel_minutes(haversine_km(*location, *base), policy)
    if end + dt.timedelta(minutes=back) > day_end:
        raise TeamDayFull(team=team.code, day=day.isoformat())
    return PlannedVisit(start=start, end=end, travel_minutes=travel)


def schedule_visit(
    visit: HomeVisitRequest,
    *,
    officer: User,
    team_id: int,
    day: dt.date,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    request: HttpRequest | None = None,
) -> HomeVisitRequest:
    """Put an accepted visit at the end of a mobile team's day; the team row serialises planners."""
    if day <= clock.today():
        raise VisitDayInPast(field="day")
    policy = current_policy(day)
    if latitude is not None and longitude is not None:
        location = (float(latitude), float(longitude))
    elif visit.latitude is not None and visit.longitude is not None:
        location = _coords(visit)
    else:
        raise LocationRequired(field="latitude")
    if not (-90 <= location[0] <= 90 and -180 <= location[1] <= 180):
        raise LocationRequired(field="latitude")
    with transaction.atomic():
        team = (
            MobileTeam.objects.select_for_update()
            .select_related("service_point")
            .filter(pk=team_id, service_point_id=visit.service_point_id, is_active=True)
            .first()
            if 1 <= team_id <= MAX_ID
            else None
        )
        if team is None:
            raise TeamNotFound(field="team_id")
        planned = plan_visit(team, day, location, policy)
        _move_visit(
            visit,
            HomeVisitStatus.SCHEDULED,
            actor=officer,
            request=request,
            team=team,
            visit_start=planned.start,
            visit_end=planned.end,
            travel_minutes=planned.travel_minutes,
            latitude=Decimal(str(location[0])).quantize(Decimal("0.000001")),
            longitude=Decimal(str(location[1])).quantize(Decimal("0.000001")),
        )
    return visit


def team_day(team: MobileTeam, day: dt.date) -> list[HomeVisitRequest]:
    start = clock.local_datetime(day, dt.time(0, 0))
    return list(
        HomeVisitRequest.objects.filter(
            team=team, visit_start__gte=start, visit_start__lt=start + dt.timedelta(days=1)
        )
        .exclude(status=HomeVisitStatus.CANCELLED)
        .order_by("visit_start")
    )


def file_visit_application(
    visit: HomeVisitRequest,
    *,
    officer: User,
    services: list[str],
    idempotency_key: str,
    person_id_number: str = "",
    request: HttpRequest | None = None,
) -> Application:
    """At the visit, the officer files the application (channel: home service) for the applicant,
    or for a member of the group by ID number; it is sent back by courier to the visit address."""
    if visit.status not in (HomeVisitStatus.SCHEDULED, HomeVisitStatus.VISITED):
        raise InvalidTransition(current=visit.status)
    number = person_id_number.strip().upper()
    if visit.ground != HomeVisitGround.GROUP or not number:
        number = visit.person.id_number or ""
    form = applications.ApplicationForm(
        services=tuple(services),
        channel=Channel.HOME_SERVICE,
        delivery_method=DeliveryMethod.MAIL,
        delivery_address=visit.address,
        phone=visit.phone if number == (visit.person.id_number or "") else "",
        person_id_number=number,
        service_point_id=visit.service_point_id,
    )
    submission = applications.submit_application(
        submitted_by=officer,
        form=form,
        idempotency_key=f"visit-{visit.pk}-{idempotency_key[:60]}",
        request=request,
    )
    with transaction.atomic():
        VisitApplication.objects.get_or_create(
            application=submission.application, defaults={"visit": visit, "created_at": clock.now()}
        )
        if visit.status == HomeVisitStatus.SCHEDULED:
            _move_visit(visit, HomeVisitStatus.VISITED, actor=officer, request=request)
        record_event(
            "consult.home_visit_application_filed",
            actor=officer,
            obj=visit,
            request=request,
            application=submission.application.number,
        )
    return submission.application


def ensure_officer_scope(user: User, point_id: int) -> None:
    scope = service_point_ids_in_scope(user)
    if scope is not None and point_id not in scope:
        raise NotYourServicePoint()


def save_record(obj: ConsultPolicy | MobileTeam, *, actor: Any, request: HttpRequest | None = None) -> None:
    """Policy and team changes from the admin, audited."""
    with transaction.atomic():
        creating = obj._state.adding
        obj.full_clean()
        obj.save()
        record_event(
            f"consult.{obj._meta.model_name}_{'created' if creating else 'changed'}",
            actor=actor,
            obj=obj,
            request=request,
        )
