"""The hall's queue: the ticket machine, routing to counters, calling, and wait prediction.

**Tickets.** Walk-ins take a ticket for a service; appointment holders check in with their code
(`check_in`, allowed from `check_in_opens_minutes` before their slot starts until
`check_in_closes_minutes` after). A number (`A012`) is one letter per skill (`SkillProfile`) and
a sequence per hall, day and letter, taken with one conditional UPDATE of a `TicketSequence` row.

**Routing** (`call_next`). A counter calls only tickets of its skills (and tickets transferred
to it). Every ticket has a *due time*, fixed when it joins the queue:

- emergency and green-channel tickets are due at once,
- an appointment holder is due when their slot starts (at once if they check in late),
- a walk-in is due once they have waited `walk_in_fairness_minutes`,
- a transferred ticket is due at once (the person has already waited once).

The next ticket is the first by:

1. emergencies first (among them, first come, first served);
2. then tickets already due, in the order they became due — an appointment holder whose slot has
   started is ahead of a walk-in who has not yet waited the threshold, but a walk-in who has is
   not overtaken again by anyone who becomes due after them;
3. then the tickets not yet due, first come, first served;
4. ties by ticket id.

The claim is one conditional `UPDATE ticket SET status='called' … WHERE id=? AND
status='waiting'`, tried on the first few candidates in that order (and re-read if all were taken):
two officers pressing "call next" at once never get the same ticket. A partial unique index lets
a counter hold one called or served ticket at a time.

**Prediction** (`forecast`, `ticket_outlook`): see the docstring of `forecast`.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Avg, Case, Count, DateTimeField, F, IntegerField, Min, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import Role, User
from exitentry.accounts.services import service_point_ids_in_scope
from exitentry.appointments import services as appointment_services
from exitentry.appointments.models import Appointment, AppointmentStatus
from exitentry.audit.services import record_event
from exitentry.core import clock, erlang
from exitentry.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from exitentry.core.masking import mask_phone
from exitentry.queueing.models import (
    ALLOWED_TRANSITIONS,
    AT_COUNTER_STATUSES,
    CounterSession,
    Priority,
    QueuePolicy,
    SkillProfile,
    Ticket,
    TicketSequence,
    TicketStatus,
    WaitCorrection,
)
from exitentry.servicepoints import services as points
from exitentry.servicepoints.models import Counter, ServicePoint, Skill

logger = logging.getLogger(__name__)

MAX_ID = points.MAX_ID
PHONE = re.compile(r"1[3-9]\d{9}|\+[1-9]\d{6,14}")
APPOINTMENT_CODE = re.compile(r"[A-Z0-9]{4,12}")
# How many candidates one claim round tries, and how many rounds before giving up.
CLAIM_BATCH = 5
CLAIM_ROUNDS = 20
# Staff who may look at and act on a hall's queue.
QUEUE_STAFF_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.MANAGER)
SUPERVISING_ROLES = (Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)


# ---------------------------------------------------------------------------------------------
# Errors


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    default_message = _("There is no such ticket.")


class CounterNotFound(NotFound):
    code = "counter_not_found"
    default_message = _("There is no such counter.")


class HallClosed(Conflict):
    code = "hall_closed"
    default_message = _("The service point is closed now, so no tickets are given out.")


class UnknownSkill(InvalidInput):
    code = "unknown_skill"
    default_message = _("There is no such kind of service.")


class ServiceOrSkillRequired(InvalidInput):
    code = "service_or_skill_required"
    default_message = _("Choose the service you need.")


class SkillNotOffered(Conflict):
    code = "skill_not_offered"
    default_message = _("This service is not offered at this service point.")


class SkillNotConfigured(Conflict):
    code = "skill_not_configured"
    default_message = _("Tickets for this service are not set up yet. Please ask at the information desk.")


class InvalidPhone(InvalidInput):
    code = "invalid_phone"
    default_message = _("Enter a mobile phone number, like 13812345678, or leave it empty.")


class CheckInTooEarly(Conflict):
    code = "check_in_too_early"
    default_message = _("It is too early to check in for this appointment.")


class CheckInTooLate(Conflict):
    code = "check_in_too_late"
    default_message = _(
        "Check-in for this appointment has closed. Please take a ticket without an appointment."
    )


class AppointmentAtAnotherHall(Conflict):
    code = "appointment_at_another_hall"
    default_message = _("This appointment is for another service point.")


class AppointmentNotActive(Conflict):
    code = "appointment_not_active"
    default_message = _("This appointment was cancelled or has already ended.")


class CounterNotOpen(Conflict):
    code = "counter_not_open"
    default_message = _("This counter is not open. Open it first.")


class CounterAlreadyOpen(Conflict):
    code = "counter_already_open"
    default_message = _("Someone else is already working at this counter.")


class AlreadyAtACounter(Conflict):
    code = "already_at_a_counter"
    default_message = _("You already have another counter open. Close it first.")


class CounterBusy(Conflict):
    code = "counter_busy"
    default_message = _("Finish the current ticket first.")


class QueueEmpty(Conflict):
    code = "queue_empty"
    default_message = _("Nobody is waiting for this counter.")


class NotYourCounter(PermissionDenied):
    code = "not_your_counter"
    default_message = _("You are not working at this counter.")


class CounterLacksSkill(InvalidInput):
    code = "counter_lacks_skill"
    default_message = _("That counter does not handle this service.")


class TransferTargetRequired(InvalidInput):
    code = "transfer_target_required"
    default_message = _("Choose a service or a counter to transfer to.")


class CounterInactive(Conflict):
    code = "counter_inactive"
    default_message = _("This counter is not in use.")


# ---------------------------------------------------------------------------------------------
# Policy and reference data


def policy_for(point: ServicePoint | int, day: dt.date | None = None) -> QueuePolicy:
    """The policy in force on `day`: the hall's own beats the province-wide one.

    Without any row (a fresh database before its data migration) the model's documented
    defaults apply, unsaved.
    """
    point_id = point.pk if isinstance(point, ServicePoint) else point
    return policies_for([point_id], day)[point_id]


def policies_for(point_ids: Iterable[int], day: dt.date | None = None) -> dict[int, QueuePolicy]:
    day = day or clock.today()
    ids = list(point_ids)
    rows = list(
        QueuePolicy.objects.filter(effective_from__lte=day)
        .exclude(effective_to__lt=day)
        .filter(Q(service_point_id__in=ids) | Q(service_point__isnull=True))
        .order_by("-effective_from", "-id")
    )
    general = next((p for p in rows if p.service_point_id is None), None) or QueuePolicy(effective_from=day)
    own: dict[int, QueuePolicy] = {}
    for policy in rows:
        if policy.service_point_id is not None and policy.service_point_id not in own:
            own[policy.service_point_id] = policy
    return {point_id: own.get(point_id, general) for point_id in ids}


def skill_profiles() -> dict[str, SkillProfile]:
    return {profile.skill: profile for profile in SkillProfile.objects.all()}


def skill_label(skill: str) -> str:
    return str(dict(Skill.choices).get(skill, skill))


def normalise_phone(phone: str | None) -> str:
    """'' for no phone; a mobile number without spaces or dashes; else InvalidPhone."""
    cleaned = re.sub(r"[\s\-()]", "", phone or "")
    if not cleaned:
        return ""
    if not PHONE.fullmatch(cleaned):
        raise InvalidPhone(field="phone")
    return cleaned


def _actor_label(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else (actor or "ticket machine")


def get_counter(counter_id: int) -> Counter:
    counter = (
        Counter.objects.select_related("service_point").filter(pk=counter_id).first()
        if 1 <= counter_id <= MAX_ID
        else None
    )
    if counter is None:
        raise CounterNotFound(id=counter_id)
    return counter


def get_ticket(ticket_id: int) -> Ticket:
    ticket = (
        Ticket.objects.select_related("service_point", "counter", "appointment").filter(pk=ticket_id).first()
        if 1 <= ticket_id <= MAX_ID
        else None
    )
    if ticket is None:
        raise TicketNotFound(id=ticket_id)
    return ticket


# ---------------------------------------------------------------------------------------------
# Who may act


def require_in_scope(user: User, point_id: int) -> None:
    """Officers and supervisors act on their own service points only (same answer as not found)."""
    scope = service_point_ids_in_scope(user)
    if scope is not None and point_id not in scope:
        raise PermissionDenied(service_point_id=point_id)


def open_session(counter: Counter) -> CounterSession | None:
    return (
        CounterSession.objects.select_related("officer")
        .filter(counter=counter, closed_at__isnull=True)
        .first()
    )


def session_of(officer: User) -> CounterSession | None:
    """The counter an officer is working at now, if any."""
    return (
        CounterSession.objects.select_related("counter", "counter__service_point")
        .filter(officer=officer, closed_at__isnull=True)
        .first()
    )


def _require_at_counter(counter: Counter, actor: User) -> CounterSession:
    """The counter's open session; the actor must be its officer or supervise the hall."""
    require_in_scope(actor, counter.service_point_id)
    session = open_session(counter)
    if session is None:
        raise CounterNotOpen(counter=counter.number)
    if session.officer_id != actor.pk and not (actor.is_superuser or actor.role in SUPERVISING_ROLES):
        raise NotYourCounter(counter=counter.number)
    return session


# ---------------------------------------------------------------------------------------------
# Counters


def open_counter(counter: Counter, officer: User, *, request: HttpRequest | None = None) -> CounterSession:
    """The officer starts working at `counter`; opening it again is harmless."""
    require_in_scope(officer, counter.service_point_id)
    if not counter.is_active:
        raise CounterInactive(counter=counter.number)
    existing = open_session(counter)
    if existing is not None and existing.officer_id == officer.pk:
        return existing
    try:
        with transaction.atomic():
            session = CounterSession.objects.create(counter=counter, officer=officer, opened_at=clock.now())
            record_event(
                "queueing.counter_opened",
                actor=officer,
                obj=session,
                request=request,
                counter_id=counter.pk,
                service_point_id=counter.service_point_id,
            )
    except IntegrityError:
        if CounterSession.objects.filter(counter=counter, closed_at__isnull=True).exists():
            raise CounterAlreadyOpen(counter=counter.number) from None
        raise AlreadyAtACounter() from None
    return session


def close_counter(counter: Counter, actor: User, *, request: HttpRequest | None = None) -> CounterSession:
    """Stop working at `counter`; refused while a ticket is called to it or being served there."""
    session = _require_at_counter(counter, actor)
    with transaction.atomic():
        if Ticket.objects.filter(counter=counter, status__in=AT_COUNTER_STATUSES).exists():
            raise CounterBusy(counter=counter.number)
        now = clock.now()
        closed = CounterSession.objects.filter(pk=session.pk, closed_at__isnull=True).update(closed_at=now)
        if not closed:
            raise CounterNotOpen(counter=counter.number)
        session.closed_at = now
        record_event(
            "queueing.counter_closed",
            actor=actor,
            obj=session,
            request=request,
            counter_id=counter.pk,
            service_point_id=counter.service_point_id,
        )
    return session


# ---------------------------------------------------------------------------------------------
# Issuing tickets


def _next_sequence(point_id: int, day: dt.date, letter: str) -> int:
    """Take the next number for (hall, day, letter) with one conditional UPDATE (inside a transaction)."""
    TicketSequence.objects.get_or_create(service_point_id=point_id, day=day, letter=letter)
    row = TicketSequence.objects.filter(service_point_id=point_id, day=day, letter=letter)
    row.update(last_number=F("last_number") + 1)
    # The UPDATE holds the row until commit, so the value read back is ours alone.
    return int(row.values_list("last_number", flat=True).get())


def format_number(letter: str, sequence: int) -> str:
    return f"{letter}{sequence:03d}"


def _due_at(
    priority: str, now: dt.datetime, policy: QueuePolicy, slot_start: dt.datetime | None
) -> dt.datetime:
    if priority == Priority.APPOINTMENT and slot_start is not None:
        return max(now, slot_start)
    if priority == Priority.WALK_IN:
        return now + dt.timedelta(minutes=policy.walk_in_fairness_minutes)
    return now


def priority_for_skill(skill: str) -> str:
    """A walk-in's priority follows the counter skill they queue for."""
    if skill == Skill.EMERGENCY:
        return Priority.EMERGENCY
    if skill == Skill.GREEN_CHANNEL:
        return Priority.GREEN_CHANNEL
    return Priority.WALK_IN


def _create_ticket(
    point: ServicePoint,
    skill: str,
    priority: str,
    *,
    now: dt.datetime,
    policy: QueuePolicy,
    actor: Any,
    request: HttpRequest | None,
    appointment: Appointment | None = None,
    service_code: str = "",
    phone: str = "",
    language: str = "",
) -> Ticket:
    profile = SkillProfile.objects.filter(skill=skill).first()
    if profile is None:
        raise SkillNotConfigured(skill=skill)
    day = clock.to_local(now).date()
    sequence = _next_sequence(point.pk, day, profile.letter)
    slot_start = appointment.slot.start if appointment is not None else None
    ticket = Ticket.objects.create(
        service_point=point,
        issued_on=day,
        letter=profile.letter,
        sequence=sequence,
        number=format_number(profile.letter, sequence),
        skill=skill,
        service_code=service_code,
        priority=priority,
        appointment=appointment,
        phone=phone,
        language=language[:10],
        slot_start=slot_start,
        issued_at=now,
        queued_at=now,
        due_at=_due_at(priority, now, policy, slot_start),
    )
    outlook = ticket_outlook(ticket, now=now)
    ticket.predicted_raw_minutes = outlook.raw_minutes
    ticket.predicted_wait_minutes = outlook.predicted_wait_minutes
    Ticket.objects.filter(pk=ticket.pk).update(
        predicted_raw_minutes=ticket.predicted_raw_minutes,
        predicted_wait_minutes=ticket.predicted_wait_minutes,
    )
    record_event(
        "queueing.ticket_issued",
        actor=_actor_label(actor),
        obj=ticket,
        request=request,
        number=ticket.number,
        skill=skill,
        priority=priority,
        service_point_id=point.pk,
        appointment_id=appointment.pk if appointment is not None else None,
        phone=mask_phone(phone),
        people_ahead=outlook.people_ahead,
        predicted_wait_minutes=outlook.predicted_wait_minutes,
    )
    # A new ticket never brings anyone closer to a counter, so nobody is texted now; a person who
    # is near already at the machine hears about it at the next call.
    return ticket


def _resolve_skill(point: ServicePoint, service_code: str | None, skill: str | None) -> tuple[str, str]:
    """(skill, service code) for a walk-in; the skill must be offered at an active counter here."""
    code = ""
    if service_code:
        resolved = points.resolve_service(service_code)
        skill, code = resolved.skill, resolved.code
    elif not skill:
        raise ServiceOrSkillRequired(field="skill")
    elif skill not in Skill.values:
        raise UnknownSkill(skill=skill)
    if skill not in points.skills_offered(point):
        raise SkillNotOffered(skill=skill)
    return skill, code


def _require_open(point: ServicePoint, now: dt.datetime) -> None:
    if points.open_now(point, now) is False:
        raise HallClosed(service_point_id=point.pk)


def issue_ticket(
    point: ServicePoint,
    *,
    service_code: str | None = None,
    skill: str | None = None,
    phone: str | None = None,
    language: str = "",
    actor: Any = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """A walk-in's ticket for a catalog service or a counter skill, while the hall is open."""
    skill, code = _resolve_skill(point, service_code, skill)
    phone = normalise_phone(phone)
    now = clock.now()
    _require_open(point, now)
    policy = policy_for(point, clock.to_local(now).date())
    with transaction.atomic():
        return _create_ticket(
            point,
            skill,
            priority_for_skill(skill),
            now=now,
            policy=policy,
            actor=actor,
            request=request,
            service_code=code,
            phone=phone,
            language=language,
        )


@dataclass(frozen=True)
class CheckIn:
    ticket: Ticket
    replayed: bool  # the holder had checked in already; this is their ticket again


def check_in(
    appointment_code: str,
    point: ServicePoint,
    *,
    phone: str | None = None,
    language: str = "",
    actor: Any = None,
    request: HttpRequest | None = None,
) -> CheckIn:
    """An appointment holder checks in at the ticket machine and gets an appointment ticket.

    Allowed from `check_in_opens_minutes` before the slot starts to `check_in_closes_minutes`
    after. Checking in again gives the same ticket while it is live.
    """
    code = (appointment_code or "").strip().upper().replace(" ", "").replace("-", "")
    if not APPOINTMENT_CODE.fullmatch(code):
        raise appointment_services.AppointmentNotFound(code=appointment_code)
    appointment = appointment_services.find_by_code(code)
    slot = appointment.slot
    if slot.service_point_id != point.pk:
        raise AppointmentAtAnotherHall(service_point=slot.service_point.name)
    phone = normalise_phone(phone)
    if appointment.status == AppointmentStatus.CHECKED_IN:
        live = Ticket.objects.filter(
            appointment=appointment, status__in=[*AT_COUNTER_STATUSES, TicketStatus.WAITING]
        ).first()
        if live is not None:
            return CheckIn(ticket=live, replayed=True)
    if appointment.status != AppointmentStatus.BOOKED:
        raise AppointmentNotActive(status=appointment.status)
    now = clock.now()
    policy = policy_for(point, clock.to_local(now).date())
    opens = slot.start - dt.timedelta(minutes=policy.check_in_opens_minutes)
    closes = slot.start + dt.timedelta(minutes=policy.check_in_closes_minutes)
    if now < opens:
        raise CheckInTooEarly(
            _("It is too early to check in. Check-in opens at %(time)s.")
            % {"time": clock.to_local(opens).strftime("%H:%M")},
            opens_at=clock.to_local(opens).isoformat(),
        )
    if now > closes:
        raise CheckInTooLate(closed_at=clock.to_local(closes).isoformat())
    if slot.skill not in points.skills_offered(point):
        raise SkillNotOffered(skill=slot.skill)
    with transaction.atomic():
        appointment_services.check_in_appointment(appointment, actor=_actor_label(actor), request=request)
        ticket = _create_ticket(
            point,
            slot.skill,
            Priority.APPOINTMENT,
            now=now,
            policy=policy,
            actor=actor,
            request=request,
            appointment=appointment,
            service_code=appointment.service_code,
            phone=phone,
            language=language,
        )
    return CheckIn(ticket=ticket, replayed=False)


# ---------------------------------------------------------------------------------------------
# The routing order


def queue_order(now: dt.datetime) -> list[Any]:
    """ORDER BY of the routing policy (see the module docstring)."""
    return [
        Case(When(priority=Priority.EMERGENCY, then=Value(0)), default=Value(1), output_field=IntegerField()),
        Case(When(due_at__lte=now, then=Value(0)), default=Value(1), output_field=IntegerField()),
        Case(When(due_at__lte=now, then=F("due_at")), default=F("queued_at"), output_field=DateTimeField()),
        "queued_at",
        "id",
    ]


def waiting_for_counter(counter: Counter, now: dt.datetime | None = None) -> QuerySet[Ticket]:
    """The tickets `counter` may call, in the order it calls them."""
    now = now or clock.now()
    return (
        Ticket.objects.filter(
            service_point_id=counter.service_point_id,
            status=TicketStatus.WAITING,
            skill__in=list(counter.skills or []),
        )
        .filter(Q(target_counter__isnull=True) | Q(target_counter=counter))
        .order_by(*queue_order(now))
    )


def waiting_for_skill(point_id: int, skill: str, now: dt.datetime | None = None) -> QuerySet[Ticket]:
    now = now or clock.now()
    return Ticket.objects.filter(
        service_point_id=point_id, status=TicketStatus.WAITING, skill=skill
    ).order_by(*queue_order(now))


# ---------------------------------------------------------------------------------------------
# Calling and serving


def call_next(counter: Counter, actor: User, *, request: HttpRequest | None = None) -> Ticket:
    """Call the next ticket for `counter` by the routing policy, claimed race-safely."""
    _require_at_counter(counter, actor)
    if Ticket.objects.filter(counter=counter, status__in=AT_COUNTER_STATUSES).exists():
        raise CounterBusy(counter=counter.number)
    for _round in range(CLAIM_ROUNDS):
        now = clock.now()
        candidates = list(waiting_for_counter(counter, now).values_list("pk", flat=True)[:CLAIM_BATCH])
        if not candidates:
            raise QueueEmpty(counter=counter.number)
        for ticket_id in candidates:
            try:
                with transaction.atomic():
                    claimed = Ticket.objects.filter(pk=ticket_id, status=TicketStatus.WAITING).update(
                        status=TicketStatus.CALLED,
                        counter=counter,
                        called_at=now,
                        last_called_at=now,
                        called_by=actor,
                    )
                    if not claimed:
                        continue  # another counter was quicker: try the next one
                    ticket = get_ticket(ticket_id)
                    ticket.wait_seconds = max(0, int((now - ticket.queued_at).total_seconds()))
                    Ticket.objects.filter(pk=ticket_id).update(wait_seconds=ticket.wait_seconds)
                    record_event(
                        "queueing.ticket_called",
                        actor=actor,
                        obj=ticket,
                        request=request,
                        number=ticket.number,
                        counter_id=counter.pk,
                        counter=counter.number,
                        wait_seconds=ticket.wait_seconds,
                    )
                    transaction.on_commit(
                        _later(notify_turn_near, counter.service_point_id, list(counter.skills or [])),
                        robust=True,
                    )
                    return ticket
            except IntegrityError:
                # The partial unique index: this counter got a ticket meanwhile (a double press).
                raise CounterBusy(counter=counter.number) from None
    raise QueueEmpty(counter=counter.number)


def _check_move(ticket: Ticket, to: str) -> None:
    if to not in ALLOWED_TRANSITIONS[ticket.status]:
        raise InvalidTransition(current=ticket.status, requested=to)


def _moved(ticket: Ticket, to: str, **changes: Any) -> None:
    """Conditional UPDATE from the status we read; 0 rows means someone else moved it first."""
    updated = Ticket.objects.filter(pk=ticket.pk, status=ticket.status).update(status=to, **changes)
    if not updated:
        raise InvalidTransition(requested=to)
    ticket.status = to
    for name, value in changes.items():
        setattr(ticket, name, value)


def _counter_of(ticket: Ticket) -> Counter:
    if ticket.counter is None:
        raise InvalidTransition(current=ticket.status)
    return ticket.counter


def recall(ticket: Ticket, actor: User, *, request: HttpRequest | None = None) -> Ticket:
    """Call a called ticket again (shown again on the hall display)."""
    _check_move(ticket, TicketStatus.CALLED)
    counter = _counter_of(ticket)
    _require_at_counter(counter, actor)
    with transaction.atomic():
        now = clock.now()
        updated = Ticket.objects.filter(pk=ticket.pk, status=TicketStatus.CALLED, counter=counter).update(
            last_called_at=now, recall_count=F("recall_count") + 1
        )
        if not updated:
            raise InvalidTransition(requested="recall")
        ticket.last_called_at = now
        ticket.recall_count += 1
        record_event(
            "queueing.ticket_recalled",
            actor=actor,
            obj=ticket,
            request=request,
            number=ticket.number,
            counter=counter.number,
            recall_count=ticket.recall_count,
        )
    return ticket


def start_serving(ticket: Ticket, actor: User, *, request: HttpRequest | None = None) -> Ticket:
    """The called person has come to the counter."""
    _check_move(ticket, TicketStatus.SERVING)
    counter = _counter_of(ticket)
    _require_at_counter(counter, actor)
    with transaction.atomic():
        _moved(ticket, TicketStatus.SERVING, started_at=clock.now())
        record_event(
            "queueing.ticket_serving",
            actor=actor,
            obj=ticket,
            request=request,
            number=ticket.number,
            counter=counter.number,
        )
    return ticket


def _service_seconds(ticket: Ticket, now: dt.datetime) -> tuple[dt.datetime, int]:
    started = ticket.started_at or ticket.called_at or now
    return started, max(0, int((now - started).total_seconds()))


def finish(ticket: Ticket, actor: User, *, request: HttpRequest | None = None) -> Ticket:
    """Service done. A called ticket finished without "start" counts from its call.

    An appointment holder's appointment is completed with it.
    """
    _check_move(ticket, TicketStatus.DONE)
    counter = _counter_of(ticket)
    _require_at_counter(counter, actor)
    with transaction.atomic():
        now = clock.now()
        started, seconds = _service_seconds(ticket, now)
        _moved(ticket, TicketStatus.DONE, started_at=started, finished_at=now, service_seconds=seconds)
        record_event(
            "queueing.ticket_done",
            actor=actor,
            obj=ticket,
            request=request,
            number=ticket.number,
            counter=counter.number,
            service_seconds=seconds,
        )
        if ticket.appointment is not None and ticket.appointment.status == AppointmentStatus.CHECKED_IN:
            appointment_services.complete_appointment(ticket.appointment, actor=actor, request=request)
    return ticket


def mark_no_show(ticket: Ticket, actor: User, *, request: HttpRequest | None = None) -> Ticket:
    """The called person did not come; an appointment holder's appointment becomes a no-show."""
    _check_move(ticket, TicketStatus.NO_SHOW)
    counter = _counter_of(ticket)
    _require_at_counter(counter, actor)
    with transaction.atomic():
        _moved(ticket, TicketStatus.NO_SHOW, finished_at=clock.now())
        record_event(
            "queueing.ticket_no_show",
            actor=actor,
            obj=ticket,
            request=request,
            number=ticket.number,
            counter=counter.number,
            recall_count=ticket.recall_count,
        )
        if ticket.appointment is not None and ticket.appointment.status == AppointmentStatus.CHECKED_IN:
            appointment_services.mark_checked_in_no_show(ticket.appointment, actor=actor, request=request)
    return ticket


def transfer(
    ticket: Ticket,
    actor: User,
    *,
    skill: str | None = None,
    counter: Counter | None = None,
    request: HttpRequest | None = None,
) -> Ticket:
    """Send the person on to another skill or to one counter; returns the new leg.

    The leg at this counter ends as `transferred` (its service time counts); the new leg keeps the
    number, the priority and the appointment, and is due at once (the person has waited already).
    """
    if skill is None and counter is None:
        raise TransferTargetRequired()
    if skill is not None and skill not in Skill.values:
        raise UnknownSkill(skill=skill)
    _check_move(ticket, TicketStatus.TRANSFERRED)
    here = _counter_of(ticket)
    _require_at_counter(here, actor)
    if counter is not None:
        if counter.service_point_id != ticket.service_point_id or not counter.is_active:
            raise CounterNotFound(id=counter.pk)
        skill = skill or (ticket.skill if counter.has_skill(ticket.skill) else None)
        if skill is None or not counter.has_skill(skill):
            raise CounterLacksSkill(counter=counter.number, skill=skill or ticket.skill)
    assert skill is not None
    if counter is None and skill not in points.skills_offered(ticket.service_point):
        raise SkillNotOffered(skill=skill)
    with transaction.atomic():
        now = clock.now()
        started, seconds = _service_seconds(ticket, now)
        _moved(ticket, TicketStatus.TRANSFERRED, started_at=started, finished_at=now, service_seconds=seconds)
        leg = Ticket.objects.create(
            service_point_id=ticket.service_point_id,
            issued_on=ticket.issued_on,
            letter=ticket.letter,
            sequence=ticket.sequence,
            number=ticket.number,
            skill=skill,
            service_code=ticket.service_code if skill == ticket.skill else "",
            priority=ticket.priority,
            appointment=ticket.appointment,
            transferred_from=ticket,
            target_counter=counter,
            phone=ticket.phone,
            language=ticket.language,
            slot_start=ticket.slot_start,
            issued_at=ticket.issued_at,
            queued_at=now,
            due_at=now,
        )
        record_event(
            "queueing.ticket_transferred",
            actor=actor,
            obj=ticket,
            request=request,
            number=ticket.number,
            from_counter=here.number,
            to_skill=skill,
            to_counter=counter.number if counter is not None else None,
            new_ticket_id=leg.pk,
        )
        transaction.on_commit(_later(notify_turn_near, ticket.service_point_id, [skill]), robust=True)
    return leg


# ---------------------------------------------------------------------------------------------
# "Your turn is near"


def _later(function: Callable[..., Any], *args: Any) -> Callable[[], None]:
    """A named callable for on_commit (Django's robust mode logs a failure by its __qualname__)."""

    def run() -> None:
        function(*args)

    run.__qualname__ = f"{function.__name__}_after_commit"
    return run


def notify_turn_near(point_id: int, skills: Sequence[str], now: dt.datetime | None = None) -> int:
    """Text each waiting person with `turn_near_people` or fewer ahead, once per ticket.

    A ticket qualifies with a phone typed at the machine or an appointment (the account's phone).
    The claim is a conditional UPDATE on `turn_near_notified_at`; the text goes out after commit
    with the ticket as dedupe key, so it is sent once however often this runs.
    """
    now = now or clock.now()
    policy = policy_for(point_id, clock.to_local(now).date())
    sent = 0
    for skill in dict.fromkeys(skills):
        near = list(
            waiting_for_skill(point_id, skill, now).values_list(
                "pk", "turn_near_notified_at", "phone", "appointment_id"
            )[: policy.turn_near_people + 1]
        )
        counters = ", ".join(_open_counter_numbers(point_id, skill))
        for ahead, (ticket_id, notified_at, phone, appointment_id) in enumerate(near):
            if notified_at is not None or not (phone or appointment_id):
                continue
            with transaction.atomic():
                claimed = Ticket.objects.filter(
                    pk=ticket_id, status=TicketStatus.WAITING, turn_near_notified_at__isnull=True
                ).update(turn_near_notified_at=now)
                if not claimed:
                    continue
                ticket = get_ticket(ticket_id)
                record_event(
                    "queueing.turn_near_queued",
                    actor="system",
                    obj=ticket,
                    number=ticket.number,
                    people_ahead=ahead,
                    phone=mask_phone(ticket.phone),
                )
                transaction.on_commit(_later(_send_turn_near, ticket.pk, ahead, counters), robust=True)
            sent += 1
    return sent


def _open_counter_numbers(point_id: int, skill: str) -> list[str]:
    counters = Counter.objects.filter(
        service_point_id=point_id, is_active=True, sessions__closed_at__isnull=True
    ).order_by("number")
    return [c.number for c in counters if c.has_skill(skill)]


def _send_turn_near(ticket_id: int, ahead: int, counters: str) -> None:
    from exitentry.notifications.models import NotificationChannel
    from exitentry.notifications.services import notify

    ticket = Ticket.objects.select_related("appointment__user").get(pk=ticket_id)
    recipient = ticket.appointment.user if ticket.appointment is not None else None
    context = {"ticket": ticket.number, "counter": counters or "-", "waiting": ahead}
    notify(
        recipient,
        "turn_near",
        context,
        channels=[NotificationChannel.SMS],
        dedupe_key=f"queueing.turn_near.{ticket.pk}",
        phone=ticket.phone or None,
        language=ticket.language or None,
    )


# ---------------------------------------------------------------------------------------------
# Wait prediction


@dataclass(frozen=True)
class SkillForecast:
    """The state of one skill's queue in one hall and the wait predicted for someone joining it."""

    skill: str
    waiting: int
    counters_open: int
    busy: int
    arrival_rate: float  # tickets per minute, recent
    mean_service_minutes: float | None
    service_samples: int
    correction: float
    erlang_wait_minutes: float | None  # M/M/c steady state (None: no counter open or unstable)
    live_wait_minutes: float | None  # from the people here now (None: no counter open)
    raw_minutes: float | None  # the model before the correction
    predicted_wait_minutes: int | None

    @property
    def label(self) -> str:
        return skill_label(self.skill)


@dataclass
class _SkillState:
    counters: list[int] = field(default_factory=list)
    open: int = 0
    busy: int = 0


def _shrunk_mean(
    total_minutes: float, samples: int, default: float | None, prior_weight: int
) -> float | None:
    """Recent mean service time, pulled toward the skill's default while history is thin."""
    if default is None:
        return total_minutes / samples if samples else None
    return (total_minutes + prior_weight * default) / (samples + prior_weight)


def relaxation_minutes(utilisation: float, servers: int, mean_service_minutes: float) -> float:
    """How long an M/M/c queue takes to forget its present state: ≈ 1 / (cμ(1 − √ρ)²)."""
    return mean_service_minutes / (servers * (1.0 - math.sqrt(utilisation)) ** 2)


def combine(
    *,
    waiting: int,
    busy: int,
    servers: int,
    arrival_rate: float,
    mean_service_minutes: float | None,
    lead_minutes: float,
) -> tuple[float | None, float | None, float | None]:
    """(Erlang C wait, live wait, model wait) for someone joining `lead_minutes` from now.

    - Live: `erlang.predicted_wait_minutes(waiting, busy, c, S)` — the people here now, FIFO.
    - Baseline: the M/M/c steady-state wait Wq = C(c, λS) / (c/S − λ) (Erlang C).
    - The present backlog drains at (1 − ρ) minutes of wait per minute (grows when ρ ≥ 1), and
      the present state matters less the further ahead: the model wait is
      w·live + (1 − w)·baseline with w = exp(−lead / relaxation time). Joining now (lead 0) is the
      live figure; far ahead it is Erlang C. When ρ ≥ 1 there is no steady state: the drained
      backlog alone.
    """
    if servers < 1 or mean_service_minutes is None:
        return None, None, None
    live_now = erlang.predicted_wait_minutes(waiting, min(busy, servers), servers, mean_service_minutes)
    utilisation = arrival_rate * mean_service_minutes / servers
    live_at = max(0.0, live_now - lead_minutes * (1.0 - utilisation))
    if utilisation >= 1.0:
        return None, live_now, live_at
    baseline = erlang.expected_wait(arrival_rate, 1.0 / mean_service_minutes, servers)
    weight = math.exp(-lead_minutes / relaxation_minutes(utilisation, servers, mean_service_minutes))
    return baseline, live_now, weight * live_at + (1.0 - weight) * baseline


def forecast(
    point_ids: Sequence[int], at: dt.datetime | None = None, *, now: dt.datetime | None = None
) -> dict[int, dict[str, SkillForecast]]:
    """Per hall and skill offered: waiting, counters open and the predicted wait of someone joining at `at`.

    Inputs, all from data:

    - c = counters open (an open `CounterSession`) with the skill; busy = those with a ticket
      called or being served;
    - λ = tickets issued for the skill over the last `arrival_window_minutes` (transfers excluded);
    - S = mean service time of the skill's tickets finished over the last `service_history_days`,
      shrunk toward the `SkillProfile` default, which counts as `service_prior_weight` services
      (no history: the default alone);
    - the model wait from `combine` (live state now, Erlang C steady state later);
    - times the hall's `WaitCorrection` factor (observed ÷ predicted waits, exponentially
      weighted; 1.0 until `correction_min_samples` waits were observed).

    No counter open for a skill: no promise can be made, the prediction is None.
    """
    now = now or clock.now()
    lead = max(0.0, ((at or now) - now).total_seconds() / 60.0)
    ids = list(dict.fromkeys(point_ids))
    if not ids:
        return {}
    policies = policies_for(ids, clock.to_local(now).date())
    profiles = skill_profiles()

    states: dict[int, dict[str, _SkillState]] = defaultdict(dict)
    counter_skills: dict[int, list[str]] = {}
    counter_point: dict[int, int] = {}
    for counter_id, point_id, skills in Counter.objects.filter(
        service_point_id__in=ids, is_active=True
    ).values_list("pk", "service_point_id", "skills"):
        counter_skills[counter_id] = [s for s in (skills or []) if s in Skill.values]
        counter_point[counter_id] = point_id
        for skill in counter_skills[counter_id]:
            states[point_id].setdefault(skill, _SkillState()).counters.append(counter_id)
    open_ids = set(
        CounterSession.objects.filter(counter_id__in=counter_skills, closed_at__isnull=True).values_list(
            "counter_id", flat=True
        )
    )
    busy_ids = set(
        Ticket.objects.filter(counter_id__in=open_ids, status__in=AT_COUNTER_STATUSES).values_list(
            "counter_id", flat=True
        )
    )
    for counter_id in open_ids:
        for skill in counter_skills.get(counter_id, []):
            state = states[counter_point[counter_id]][skill]
            state.open += 1
            state.busy += counter_id in busy_ids

    waiting: dict[tuple[int, str], int] = {
        (row["service_point_id"], row["skill"]): row["n"]
        for row in Ticket.objects.filter(service_point_id__in=ids, status=TicketStatus.WAITING)
        .values("service_point_id", "skill")
        .annotate(n=Count("id"))
    }
    arrivals: dict[tuple[int, str], float] = {}
    for window in {p.arrival_window_minutes for p in policies.values()}:
        window_ids = [pid for pid in ids if policies[pid].arrival_window_minutes == window]
        for row in (
            Ticket.objects.filter(
                service_point_id__in=window_ids,
                transferred_from__isnull=True,
                issued_at__gt=now - dt.timedelta(minutes=window),
                issued_at__lte=now,
            )
            .values("service_point_id", "skill")
            .annotate(n=Count("id"))
        ):
            arrivals[(row["service_point_id"], row["skill"])] = row["n"] / window
    services: dict[tuple[int, str], tuple[float, int]] = {}
    for days in {p.service_history_days for p in policies.values()}:
        day_ids = [pid for pid in ids if policies[pid].service_history_days == days]
        for row in (
            Ticket.objects.filter(
                service_point_id__in=day_ids,
                finished_at__gt=now - dt.timedelta(days=days),
                finished_at__lte=now,
                service_seconds__isnull=False,
                auto_closed=False,
            )
            .values("service_point_id", "skill")
            .annotate(mean=Avg("service_seconds"), n=Count("id"))
        ):
            services[(row["service_point_id"], row["skill"])] = (
                float(row["mean"]) / 60.0 * row["n"],
                row["n"],
            )
    corrections = {
        (c.service_point_id, c.skill): c for c in WaitCorrection.objects.filter(service_point_id__in=ids)
    }

    result: dict[int, dict[str, SkillForecast]] = {}
    for point_id in ids:
        policy = policies[point_id]
        per_skill: dict[str, SkillForecast] = {}
        for skill in [s for s in Skill.values if s in states.get(point_id, {})]:
            state = states[point_id][skill]
            key = (point_id, skill)
            total, samples = services.get(key, (0.0, 0))
            profile = profiles.get(skill)
            default = float(profile.default_service_minutes) if profile is not None else None
            mean = _shrunk_mean(total, samples, default, policy.service_prior_weight)
            rate = arrivals.get(key, 0.0)
            baseline, live, raw = combine(
                waiting=waiting.get(key, 0),
                busy=state.busy,
                servers=state.open,
                arrival_rate=rate,
                mean_service_minutes=mean,
                lead_minutes=lead,
            )
            correction = correction_factor(corrections.get(key), policy)
            per_skill[skill] = SkillForecast(
                skill=skill,
                waiting=waiting.get(key, 0),
                counters_open=state.open,
                busy=state.busy,
                arrival_rate=rate,
                mean_service_minutes=mean,
                service_samples=samples,
                correction=correction,
                erlang_wait_minutes=baseline,
                live_wait_minutes=live,
                raw_minutes=raw,
                predicted_wait_minutes=None if raw is None else round(raw * correction),
            )
        result[point_id] = per_skill
    return result


def predict_wait(point: ServicePoint, skill: str, at: dt.datetime | None = None) -> SkillForecast | None:
    """The forecast for one skill at one hall (None when no active counter there has the skill)."""
    return forecast([point.pk], at).get(point.pk, {}).get(skill)


def correction_factor(row: WaitCorrection | None, policy: QueuePolicy) -> float:
    if row is None or row.samples < policy.correction_min_samples:
        return 1.0
    return min(max(row.factor, float(policy.correction_min)), float(policy.correction_max))


@dataclass(frozen=True)
class TicketOutlook:
    people_ahead: int
    predicted_wait_minutes: int | None
    raw_minutes: float | None
    counters: list[str]


def ticket_outlook(ticket: Ticket, *, now: dt.datetime | None = None) -> TicketOutlook:
    """For a waiting ticket: people ahead of it by the routing order and its predicted wait.

    The wait is the live formula for its place: k = busy + ahead − c + 1 departures at c/S a
    minute (`erlang.predicted_wait_minutes`), times the hall's correction factor.
    """
    now = now or clock.now()
    counters = _open_counter_numbers(ticket.service_point_id, ticket.skill)
    if ticket.status != TicketStatus.WAITING:
        return TicketOutlook(people_ahead=0, predicted_wait_minutes=0, raw_minutes=0.0, counters=counters)
    order = list(waiting_for_skill(ticket.service_point_id, ticket.skill, now).values_list("pk", flat=True))
    ahead = order.index(ticket.pk) if ticket.pk in order else len(order)
    skill_forecast = (
        forecast([ticket.service_point_id], now=now).get(ticket.service_point_id, {}).get(ticket.skill)
    )
    if (
        skill_forecast is None
        or skill_forecast.mean_service_minutes is None
        or skill_forecast.counters_open < 1
    ):
        return TicketOutlook(
            people_ahead=ahead, predicted_wait_minutes=None, raw_minutes=None, counters=counters
        )
    raw = erlang.predicted_wait_minutes(
        ahead,
        min(skill_forecast.busy, skill_forecast.counters_open),
        skill_forecast.counters_open,
        skill_forecast.mean_service_minutes,
    )
    return TicketOutlook(
        people_ahead=ahead,
        predicted_wait_minutes=round(raw * skill_forecast.correction),
        raw_minutes=raw,
        counters=counters,
    )


def hall_queue_status(
    point_ids: list[int], skill: str | None = None
) -> dict[int, tuple[int | None, int | None]]:
    """The service-points hook: (people waiting, predicted wait) per hall, now.

    For one skill, that skill's figures; otherwise everyone waiting and the longest predicted wait
    among the hall's services with a counter open (None when none is open).
    """
    status: dict[int, tuple[int | None, int | None]] = {}
    for point_id, per_skill in forecast(point_ids).items():
        if skill is not None:
            found = per_skill.get(skill)
            status[point_id] = (found.waiting, found.predicted_wait_minutes) if found else (0, None)
            continue
        waits = [f.predicted_wait_minutes for f in per_skill.values() if f.predicted_wait_minutes is not None]
        status[point_id] = (sum(f.waiting for f in per_skill.values()), max(waits) if waits else None)
    return status


def refresh_wait_corrections(now: dt.datetime | None = None) -> int:
    """Learn how real waits compared with the model's, per hall and skill. Returns rows written.

    For first legs called within `correction_history_days`, factor = Σ w·observed / Σ w·model,
    with w = 0.5^(age / half-life): recent days count most. The model figure is the one stored at
    issue, before any correction, so the factor does not feed on itself.
    """
    now = now or clock.now()
    longest = max(
        QueuePolicy.objects.values_list("correction_history_days", flat=True),
        default=QueuePolicy().correction_history_days,
    )
    rows = (
        Ticket.objects.filter(
            transferred_from__isnull=True,
            called_at__gt=now - dt.timedelta(days=longest),
            called_at__lte=now,
            wait_seconds__isnull=False,
            predicted_raw_minutes__isnull=False,
        )
        .values_list("service_point_id", "skill", "called_at", "wait_seconds", "predicted_raw_minutes")
        .order_by("service_point_id", "skill")
    )
    sums: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    cache: dict[int, QueuePolicy] = {}
    for point_id, skill, called_at, wait_seconds, model_minutes in rows.iterator(chunk_size=2000):
        if point_id not in cache:
            cache.update(policies_for([point_id], clock.to_local(now).date()))
        policy = cache[point_id]
        if called_at is None:
            continue
        age_hours = (now - called_at).total_seconds() / 3600.0
        if age_hours > policy.correction_history_days * 24:
            continue
        weight = 0.5 ** (age_hours / policy.correction_half_life_hours)
        entry = sums[(point_id, skill)]
        entry[0] += weight * wait_seconds / 60.0
        entry[1] += weight * model_minutes
        entry[2] += 1
    written = 0
    with transaction.atomic():
        for (point_id, skill), (observed, modelled, samples) in sums.items():
            if modelled <= 0:
                continue
            policy = cache[point_id]
            factor = min(max(observed / modelled, float(policy.correction_min)), float(policy.correction_max))
            WaitCorrection.objects.update_or_create(
                service_point_id=point_id,
                skill=skill,
                defaults={"factor": factor, "samples": int(samples), "computed_at": now},
            )
            written += 1
        if written:
            record_event(
                "queueing.wait_corrections_refreshed",
                actor="system",
                object_type="queueing.waitcorrection",
                count=written,
            )
    return written


# ---------------------------------------------------------------------------------------------
# End of the day


def close_queue_day(now: dt.datetime | None = None) -> dict[str, int]:
    """After the day: tickets of earlier days still live are closed, counters left open are closed.

    Waiting and called tickets become no-shows (their appointments too); a ticket still being
    served is done. They are flagged `auto_closed` and left out of service-time statistics.
    """
    now = now or clock.now()
    today = clock.to_local(now).date()
    summary = {"no_show": 0, "done": 0, "counters_closed": 0}
    stale = list(
        Ticket.objects.select_related("appointment")
        .filter(issued_on__lt=today, status__in=[TicketStatus.WAITING, *AT_COUNTER_STATUSES])
        .order_by("pk")[:10000]
    )
    for ticket in stale:
        to = TicketStatus.DONE if ticket.status == TicketStatus.SERVING else TicketStatus.NO_SHOW
        with transaction.atomic():
            updated = Ticket.objects.filter(pk=ticket.pk, status=ticket.status).update(
                status=to, finished_at=now, auto_closed=True
            )
            if not updated:
                continue
            record_event(
                "queueing.ticket_closed_at_day_end",
                actor="system",
                obj=ticket,
                before={"status": ticket.status},
                after={"status": to},
            )
            appointment = ticket.appointment
            if appointment is not None and appointment.status == AppointmentStatus.CHECKED_IN:
                if to == TicketStatus.DONE:
                    appointment_services.complete_appointment(appointment, actor="system")
                else:
                    appointment_services.mark_checked_in_no_show(appointment, actor="system")
        summary[to] += 1
    day_start = clock.local_datetime(today, dt.time(0, 0))
    for session in CounterSession.objects.filter(closed_at__isnull=True, opened_at__lt=day_start):
        with transaction.atomic():
            if CounterSession.objects.filter(pk=session.pk, closed_at__isnull=True).update(closed_at=now):
                record_event(
                    "queueing.counter_closed", actor="system", obj=session, counter_id=session.counter_id
                )
                summary["counters_closed"] += 1
    return summary


# ---------------------------------------------------------------------------------------------
# What the pages show


@dataclass(frozen=True)
class CallRow:
    number: str
    counter: str
    skill: str
    recalled: bool

    @property
    def skill_label(self) -> str:
        return skill_label(self.skill)


@dataclass(frozen=True)
class Board:
    """The hall display: who is called where, who was called recently, who waits for what."""

    now_calling: list[CallRow]
    recently_called: list[CallRow]
    forecasts: list[SkillForecast]


def display_board(point: ServicePoint, *, recent: int = 6) -> Board:
    today = clock.today()
    called = (
        Ticket.objects.filter(service_point=point, status=TicketStatus.CALLED)
        .select_related("counter")
        .order_by("-last_called_at", "-id")
    )
    earlier = (
        Ticket.objects.filter(
            service_point=point,
            issued_on=today,
            last_called_at__isnull=False,
            status__in=[
                TicketStatus.SERVING,
                TicketStatus.DONE,
                TicketStatus.NO_SHOW,
                TicketStatus.TRANSFERRED,
            ],
        )
        .select_related("counter")
        .order_by("-last_called_at", "-id")[:recent]
    )

    def row(ticket: Ticket) -> CallRow:
        return CallRow(
            number=ticket.number,
            counter=ticket.counter.number if ticket.counter else "",
            skill=ticket.skill,
            recalled=ticket.recall_count > 0,
        )

    return Board(
        now_calling=[row(t) for t in called],
        recently_called=[row(t) for t in earlier],
        forecasts=list(forecast([point.pk]).get(point.pk, {}).values()),
    )


@dataclass(frozen=True)
class CounterRow:
    counter: Counter
    session: CounterSession | None
    ticket: Ticket | None


@dataclass(frozen=True)
class SkillLive:
    forecast: SkillForecast
    longest_wait_minutes: int | None


@dataclass(frozen=True)
class HallLive:
    """The manager's view of one hall today."""

    skills: list[SkillLive]
    counters: list[CounterRow]
    tickets_today: int
    served_today: int
    no_shows_today: int
    waiting: int
    mean_wait_minutes_today: int | None


def hall_live(point: ServicePoint) -> HallLive:
    now = clock.now()
    today = clock.to_local(now).date()
    forecasts = forecast([point.pk], now=now).get(point.pk, {})
    oldest = dict(
        Ticket.objects.filter(service_point=point, status=TicketStatus.WAITING)
        .values("skill")
        .annotate(first=Min("queued_at"))
        .values_list("skill", "first")
    )
    sessions = {
        s.counter_id: s
        for s in CounterSession.objects.select_related("officer").filter(
            counter__service_point=point, closed_at__isnull=True
        )
    }
    at_counters = {
        t.counter_id: t
        for t in Ticket.objects.filter(service_point=point, status__in=AT_COUNTER_STATUSES).select_related(
            "counter"
        )
    }
    day = Ticket.objects.filter(service_point=point, issued_on=today)
    stats = day.aggregate(
        tickets=Count("id", filter=Q(transferred_from__isnull=True)),
        served=Count("id", filter=Q(status=TicketStatus.DONE)),
        no_shows=Count("id", filter=Q(status=TicketStatus.NO_SHOW)),
        mean_wait=Avg("wait_seconds", filter=Q(transferred_from__isnull=True)),
    )
    return HallLive(
        skills=[
            SkillLive(
                forecast=f,
                longest_wait_minutes=(
                    int((now - oldest[f.skill]).total_seconds() // 60) if f.skill in oldest else None
                ),
            )
            for f in forecasts.values()
        ],
        counters=[
            CounterRow(counter=c, session=sessions.get(c.pk), ticket=at_counters.get(c.pk))
            for c in point.counters.filter(is_active=True).order_by("number")
        ],
        tickets_today=stats["tickets"],
        served_today=stats["served"],
        no_shows_today=stats["no_shows"],
        waiting=sum(f.waiting for f in forecasts.values()),
        mean_wait_minutes_today=round(float(stats["mean_wait"]) / 60)
        if stats["mean_wait"] is not None
        else None,
    )


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    waited_minutes: int
    due: bool

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.ticket.phone)


def counter_queue(counter: Counter, *, limit: int = 50) -> list[QueueRow]:
    """What the officer sees: the tickets this counter would call, in order."""
    now = clock.now()
    return [
        QueueRow(
            ticket=t,
            waited_minutes=int((now - t.queued_at).total_seconds() // 60),
            due=t.due_at <= now,
        )
        for t in waiting_for_counter(counter, now)[:limit]
    ]


def current_ticket(counter: Counter) -> Ticket | None:
    return (
        Ticket.objects.select_related("appointment")
        .filter(counter=counter, status__in=AT_COUNTER_STATUSES)
        .first()
    )


def counters_in_scope(user: User) -> list[Counter]:
    """Active counters of the halls the user works for (all halls for unscoped staff)."""
    counters = Counter.objects.filter(is_active=True, service_point__is_active=True).select_related(
        "service_point"
    )
    scope = service_point_ids_in_scope(user)
    if scope is not None:
        counters = counters.filter(service_point_id__in=scope)
    return list(counters.order_by("service_point__code", "number"))


# ---------------------------------------------------------------------------------------------
# Settings edited in the admin


def _setting_snapshot(obj: QueuePolicy | SkillProfile) -> dict[str, Any]:
    return {
        f.attname: str(f.value_from_object(obj)) if f.value_from_object(obj) is not None else None
        for f in obj._meta.concrete_fields
    }


def save_queue_setting(
    obj: QueuePolicy | SkillProfile, *, actor: Any, request: HttpRequest | None = None
) -> QueuePolicy | SkillProfile:
    """Save a queue policy or skill profile (validated), with an audit event."""
    with transaction.atomic():
        creating = obj._state.adding or obj.pk is None
        before = None
        if not creating:
            previous = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = _setting_snapshot(previous) if previous is not None else None
        obj.full_clean()
        obj.save()
        record_event(
            f"queueing.{obj._meta.model_name}_{'created' if creating else 'changed'}",
            actor=actor,
            obj=obj,
            before=before,
            after=_setting_snapshot(obj),
            request=request,
        )
    return obj


def delete_queue_setting(
    obj: QueuePolicy | SkillProfile, *, actor: Any, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        before = _setting_snapshot(obj)
        object_id, label = obj.pk, obj._meta.label_lower
        obj.delete()
        record_event(
            f"queueing.{obj._meta.model_name}_deleted",
            actor=actor,
            object_type=label,
            object_id=str(object_id),
            before=before,
            request=request,
        )
