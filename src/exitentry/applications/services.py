"""Applications: one form for many documents, from submission to hand-over.

- `plan_application` checks a form against the catalog (fees, materials, promises), the person's
  record, the zero-visit rules and the channel, without writing anything; `submit_application`
  does the same and then creates the application, its items and its material checklist in one
  transaction, creates the payment order and (after commit) asks the information-sharing
  registers about the materials they can confirm. An Idempotency-Key (the page uses its form
  token) makes a retried or double-clicked submission return the first application.
- Each item moves through the states of `models.TRANSITIONS` by the named functions below, each
  a thin wrapper of `lifecycle.apply_transition` (conditional UPDATE + ItemEvent + audit event).
- An application is *accepted* when nothing is left to upload or check; the promised date of
  each item is then computed from the catalog rule and the working-day calendar.
- Officers act only on the applications of their service points; anything else is 404.
- Tracking answers the same 404 for an unknown number and a wrong ID ending, and is rate limited.
- The SLA watch flags items at 80% of their promised time and at breach, once per level.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import File
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import STAFF_ROLES, Role, User
from exitentry.accounts.services import require_role, service_point_ids_in_scope
from exitentry.applications import eligibility, lifecycle, numbering
from exitentry.applications.adapters import (
    InformationSharingUnavailable,
    PersonFacts,
    SourceAnswer,
    information_sharing,
)
from exitentry.applications.models import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    LIFECYCLE_ORDER,
    MATERIALS_OUTSTANDING,
    PRIORITY_RANK,
    SLA_STATUSES,
    TRANSITIONS,
    Application,
    ApplicationItem,
    ApplicationMaterial,
    DeliveryMethod,
    EmergencyReason,
    ItemStatus,
    MaterialStatus,
    Priority,
    SlaFlag,
    SlaLevel,
    Upload,
)
from exitentry.applications.uploads import CheckedFile, check_file
from exitentry.audit.services import record_access, record_event
from exitentry.catalog import services as catalog
from exitentry.catalog.models import Channel, Holder, Material, Reason, Service, TimeUnit
from exitentry.core import clock, refcache
from exitentry.core.counters import increment, increment_and_read
from exitentry.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Throttled,
)
from exitentry.identity.models import HeldDocument, HeldDocumentStatus, Person
from exitentry.identity.services import report_document_lost
from exitentry.servicepoints.models import ServicePoint, ServicePointKind
from exitentry.workdays.services import working_days_between

logger = logging.getLogger(__name__)

SUBJECT_TYPE = "applications.application"
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:\-]{1,100}")
PHONE = re.compile(r"\+?[0-9][0-9\- ]{4,19}")
TRACKING_NUMBER = re.compile(r"[A-Za-z0-9\-]{6,40}")
ID_LAST4 = re.compile(r"[0-9]{3}[0-9X]")
NUMBER_ATTEMPTS = 5
SLA_WARNING_SHARE = Decimal("0.8")

# Who may send a form through which channel: applicants from home, staff for a person in front of them.
APPLICANT_CHANNELS = (Channel.ONLINE, Channel.HOME_SERVICE, Channel.GREEN_CHANNEL)
STAFF_CHANNELS = (Channel.WINDOW, Channel.KIOSK, Channel.HOME_SERVICE, Channel.GREEN_CHANNEL)
ENTERPRISE_CHANNELS = (Channel.GREEN_CHANNEL,)
OFFICER_ROLES = (Role.OFFICER, Role.SUPERVISOR)
QUEUE_VIEWER_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.MANAGER)
SLA_VIEWER_ROLES = (Role.SUPERVISOR, Role.MANAGER)
EXPEDITED_PRIORITIES = (Priority.EXPEDITED, Priority.EMERGENCY, Priority.GREEN_CHANNEL)
QUEUE_STATUSES = (
    ItemStatus.UNDER_REVIEW,
    ItemStatus.NEEDS_MORE_MATERIALS,
    ItemStatus.APPROVED,
    ItemStatus.IN_PRODUCTION,
    ItemStatus.READY_FOR_PICKUP,
    ItemStatus.DISPATCHED,
)
# The applicant may still send documents while the item has not been decided.
UPLOAD_OPEN_STATUSES = (
    ItemStatus.SUBMITTED,
    ItemStatus.AWAITING_PAYMENT,
    ItemStatus.PAID,
    ItemStatus.UNDER_REVIEW,
    ItemStatus.NEEDS_MORE_MATERIALS,
)
WITHDRAWABLE_STATUSES = frozenset(
    status for status in ItemStatus if ItemStatus.WITHDRAWN in TRANSITIONS[status]
)
# A material the form itself provides: the loss statement is the declaration in the form.
DECLARED_IN_FORM = {"loss_statement"}
# Catalog notices that stop an application rather than warn.
BLOCKING_NOTICES = {"household_city_not_eligible"}


# --- Errors ------------------------------------------------------------------------------------


class ApplicationNotFound(NotFound):
    code = "application_not_found"
    default_message = _("There is no such application.")


class ItemNotFound(NotFound):
    code = "item_not_found"
    default_message = _("There is no such item.")


class NoResidentRecord(InvalidInput):
    code = "no_resident_record"
    default_message = _(
        "Your account is not linked to a resident record, so you cannot apply online. Please visit a hall."
    )


class PersonNotFound(NotFound):
    code = "person_not_found"
    default_message = _("No person with this resident ID number is on record.")


class NotEligibleForZeroVisit(InvalidInput):
    code = "not_eligible_for_zero_visit"
    default_message = _(
        "You cannot do this online. The reasons are listed; book a visit to a service hall instead."
    )


class AlreadyApplied(Conflict):
    code = "already_applied"
    default_message = _("There is already an open application for this document.")


class ChannelNotAllowed(InvalidInput):
    code = "channel_not_allowed"
    default_message = _("You cannot apply through this channel.")


class GreenChannelMismatch(InvalidInput):
    code = "green_channel_mismatch"
    default_message = _(
        "The enterprise green channel is for enterprise accounts, with the green channel priority."
    )


class EmergencyReasonRequired(InvalidInput):
    code = "emergency_reason_required"
    default_message = _("Say what the emergency is.")


class EmergencyDetailsRequired(InvalidInput):
    code = "emergency_details_required"
    default_message = _("Describe the urgent matter in a few words.")


class InvalidPriority(InvalidInput):
    code = "invalid_priority"
    default_message = _("Choose normal, expedited, emergency or green channel.")


class InvalidDelivery(InvalidInput):
    code = "invalid_delivery"
    default_message = _("Choose to collect the document at a hall or to have it sent by courier.")


class PickupPointRequired(InvalidInput):
    code = "pickup_point_required"
    default_message = _("Choose the service hall where you will collect your documents.")


class DeliveryAddressRequired(InvalidInput):
    code = "delivery_address_required"
    default_message = _("Give the address the courier should deliver to.")


class InvalidPhone(InvalidInput):
    code = "invalid_phone"
    default_message = _("Give a phone number we can reach you on, using digits only.")


class LossDeclarationRequired(InvalidInput):
    code = "loss_declaration_required"
    default_message = _("Say when and where the document was lost, and how.")


class InvalidLossDate(InvalidInput):
    code = "invalid_loss_date"
    default_message = _("The date of loss must be a real date, not in the future.")


class ServiceForForeigners(InvalidInput):
    code = "service_for_foreigners"
    default_message = _("This service is for foreign nationals. Apply for it on the foreigners' pages.")


class PermitByMailNeedsCourier(InvalidInput):
    code = "permit_by_mail_needs_courier"
    default_message = _(
        "If you send your permit in by courier, we send it back by courier too: choose delivery by courier."
    )


class PermitByMailNotApplicable(InvalidInput):
    code = "permit_by_mail_not_applicable"
    default_message = _(
        "Only an endorsement on a permit you already hold needs the permit sent in. "
        "A new permit in the same form gets the endorsement directly."
    )


class NoPermitForEndorsement(InvalidInput):
    code = "no_permit_for_endorsement"
    default_message = _(
        "An endorsement goes on a valid permit. Apply for the permit in the same form, or renew it first."
    )


class EndorsementNotAvailable(InvalidInput):
    code = "endorsement_not_available"
    default_message = _("This endorsement is not available to you.")


class ServicePointRequired(InvalidInput):
    code = "service_point_required"
    default_message = _("Choose the service point this application is filed at.")


class IdempotencyKeyRequired(InvalidInput):
    code = "idempotency_key_required"
    default_message = _("Send an Idempotency-Key header so that a retry cannot apply twice.")


class InvalidIdempotencyKey(InvalidInput):
    code = "invalid_idempotency_key"
    default_message = _("The Idempotency-Key must be 1 to 100 letters, digits or . _ : -")


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used for a different application.")


class UnknownMaterial(InvalidInput):
    code = "unknown_material"
    default_message = _("This application does not ask for that document.")


class MaterialNotExpected(Conflict):
    code = "material_not_expected"
    default_message = _("We are not waiting for this document now.")


class ApplicationIncomplete(Conflict):
    code = "application_incomplete"
    default_message = _("Documents are still missing. Ask the applicant for them, or wait until they arrive.")


class ReasonRequired(InvalidInput):
    code = "reason_required"
    default_message = _("Give the reason in a few words; the applicant will read it.")


class MaterialsRequired(InvalidInput):
    code = "materials_required"
    default_message = _("Choose at least one document to ask for.")


class IdCheckFailed(InvalidInput):
    code = "id_check_failed"
    default_message = _("The last four characters do not match the applicant's ID number. Do not hand over.")


class InvalidTrackingNumber(InvalidInput):
    code = "invalid_tracking_number"
    default_message = _("Give the courier's tracking number: 6 to 40 letters, digits or dashes.")


class DeliveryIsByMail(Conflict):
    code = "delivery_is_by_mail"
    default_message = _("This application is delivered by courier: dispatch it instead.")


class DeliveryIsPickup(Conflict):
    code = "delivery_is_pickup"
    default_message = _("This application is collected at a hall: mark it ready to collect instead.")


class TrackingNotFound(NotFound):
    default_message = _(
        "No application matches this number and these ID characters. Check both and try again."
    )


class TrackingThrottled(Throttled):
    code = "tracking_rate_limited"
    default_message = _("Too many look-ups. Please wait a minute and try again.")


# --- The form ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationForm:
    """What the applicant (or an officer at a counter) sends; personal details come from the record."""

    services: tuple[str, ...]
    entries: Mapping[str, str] = field(default_factory=dict)
    channel: str = Channel.ONLINE
    priority: str = Priority.NORMAL
    emergency_reason: str = ""
    emergency_details: str = ""
    delivery_method: str = DeliveryMethod.PICKUP
    pickup_point_id: int | None = None
    delivery_address: str = ""
    permit_by_mail: bool = False  # endorsements: the applicant sends the held permit in by courier
    phone: str = ""
    lost_on: dt.date | None = None
    lost_where: str = ""
    loss_circumstances: str = ""
    face_check_reference: str = ""
    person_id_number: str = ""  # staff filing for someone
    service_point_id: int | None = None  # staff filing: where

    def fingerprint(self) -> str:
        data = asdict(self)
        data["services"] = sorted(dict.fromkeys(code.strip() for code in self.services))
        data["entries"] = dict(sorted((self.entries or {}).items()))
        if not self.permit_by_mail:  # forms sent before the option existed keep their fingerprint
            del data["permit_by_mail"]
        text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class PlannedMaterial:
    code: str
    name: str
    description: str
    status: str
    source: str
    services: list[str]
    why: list[str]

    @property
    def status_label(self) -> str:
        return str(MaterialStatus(self.status).label)


@dataclass
class Plan:
    """Everything a form will become, checked but not yet written."""

    submitted_by: User
    applicant: User | None
    person: Person
    form: ApplicationForm
    services: list[Service]
    checklist: catalog.Checklist
    materials: list[PlannedMaterial]
    previous_documents: dict[str, HeldDocument | None]
    service_point: ServicePoint
    pickup_point: ServicePoint | None
    in_province: bool
    zero_visit: bool
    phone: str

    @property
    def total_fee(self) -> Decimal:
        return self.checklist.total_fee_cny

    @property
    def to_upload(self) -> list[PlannedMaterial]:
        return [m for m in self.materials if m.status == MaterialStatus.TO_UPLOAD]


@dataclass(frozen=True)
class Submission:
    application: Application
    replayed: bool


def is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (user.role in STAFF_ROLES or user.is_superuser)


def _household(person: Person) -> tuple[str, bool]:
    city = person.household_city
    if city is not None:
        return city.code, city.province_code == settings.EXITENTRY_PROVINCE_CODE
    region = (person.id_number or "")[:2]
    return "", region == settings.EXITENTRY_PROVINCE_CODE


def files_for_others(user: Any) -> bool:
    """Staff at a counter and enterprise accounts (green channel) file for someone else."""
    return is_staff(user) or getattr(user, "role", "") == Role.ENTERPRISE


def _resolve_person(submitted_by: User, form: ApplicationForm) -> tuple[Person, User | None]:
    if files_for_others(submitted_by):
        number = form.person_id_number.strip().upper()
        person = (
            Person.objects.filter(id_number=number).select_related("household_city").first()
            if number
            else None
        )
        if person is None:
            raise PersonNotFound(field="person_id_number")
        return person, User.objects.filter(person=person).first()
    if submitted_by.person_id is None:
        raise NoResidentRecord()
    person = Person.objects.select_related("household_city").get(pk=submitted_by.person_id)
    return person, submitted_by


def _check_channel(submitted_by: User, form: ApplicationForm) -> None:
    if is_staff(submitted_by):
        allowed: Sequence[str] = STAFF_CHANNELS
    elif submitted_by.role == Role.ENTERPRISE:
        allowed = ENTERPRISE_CHANNELS
    else:
        allowed = APPLICANT_CHANNELS
    if form.channel not in allowed:
        raise ChannelNotAllowed(field="channel", channel=form.channel, allowed=[str(c) for c in allowed])
    if form.priority not in Priority.values:
        raise InvalidPriority(field="priority")
    green = form.priority == Priority.GREEN_CHANNEL
    if green != (form.channel == Channel.GREEN_CHANNEL):
        raise GreenChannelMismatch(field="priority")
    if green and not is_staff(submitted_by) and not submitted_by.organisation.strip():
        raise GreenChannelMismatch(field="channel")
    if form.priority == Priority.EMERGENCY:
        if form.emergency_reason not in EmergencyReason.values:
            raise EmergencyReasonRequired(field="emergency_reason")
        if form.emergency_reason == EmergencyReason.OTHER and not form.emergency_details.strip():
            raise EmergencyDetailsRequired(field="emergency_details")


def clean_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if not PHONE.fullmatch(phone):
        raise InvalidPhone(field="phone")
    return phone


def _check_phone(form: ApplicationForm, person: Person) -> str:
    return clean_phone(form.phone or person.phone or "")


def active_halls() -> models.QuerySet[ServicePoint]:
    return ServicePoint.objects.filter(is_active=True, kind=ServicePointKind.HALL).select_related("city")


def _staff_point(submitted_by: User, form: ApplicationForm) -> ServicePoint:
    scope = service_point_ids_in_scope(submitted_by)
    points = ServicePoint.objects.filter(is_active=True)
    if scope is not None:
        points = points.filter(pk__in=scope)
    if form.service_point_id is not None:
        point = points.filter(pk=form.service_point_id).first()
    else:
        point = points.order_by("code").first() if scope else None
    if point is None:
        raise ServicePointRequired(field="service_point_id")
    return point


def _delivery(
    submitted_by: User, form: ApplicationForm, person: Person
) -> tuple[ServicePoint, ServicePoint | None]:
    """(the service point handling the application, the collection point or None for courier)."""
    staff_point = _staff_point(submitted_by, form) if is_staff(submitted_by) else None
    if form.delivery_method == DeliveryMethod.PICKUP:
        if form.pickup_point_id is None:
            if staff_point is not None:
                return staff_point, staff_point
            raise PickupPointRequired(field="pickup_point_id")
        pickup = active_halls().filter(pk=form.pickup_point_id).first()
        if pickup is None:
            raise PickupPointRequired(field="pickup_point_id", service_point=form.pickup_point_id)
        return staff_point or pickup, pickup
    if form.delivery_method == DeliveryMethod.MAIL:
        address = form.delivery_address.strip()
        if not 5 <= len(address) <= 300:
            raise DeliveryAddressRequired(field="delivery_address")
        if staff_point is not None:
            return staff_point, None
        halls = eligibility.nearest_halls(person)
        point = active_halls().filter(pk=halls[0].id).first() if halls else None
        if point is None:
            raise PickupPointRequired(field="pickup_point_id")
        return point, None
    raise InvalidDelivery(field="delivery_method")


def _check_loss_declaration(form: ApplicationForm, services: Sequence[Service], person: Person) -> None:
    if not any(service.reason == Reason.REPLACEMENT_LOST for service in services):
        return
    if form.lost_on is None or not form.lost_where.strip() or not form.loss_circumstances.strip():
        raise LossDeclarationRequired(field="lost_on")
    if form.lost_on > clock.today() or form.lost_on < person.birth_date:
        raise InvalidLossDate(field="lost_on")
    if len(form.lost_where) > 200 or len(form.loss_circumstances) > 1000:
        raise LossDeclarationRequired(field="loss_circumstances")


def _previous_documents(person: Person, services: Sequence[Service]) -> dict[str, HeldDocument | None]:
    found: dict[str, HeldDocument | None] = {}
    for service in services:
        if service.is_endorsement:
            continue
        held = HeldDocument.objects.filter(person=person, document_type=service.document_type.code)
        valid = held.filter(status=HeldDocumentStatus.VALID).order_by("-issued_on").first()
        found[service.code] = valid or held.order_by("-issued_on").first()
    return found


def _check_endorsements(person: Person, services: Sequence[Service]) -> None:
    applied_documents = {service.document_type_id for service in services if not service.is_endorsement}
    for service in services:
        if not service.is_endorsement or service.document_type_id in applied_documents:
            continue
        holds_valid = HeldDocument.objects.filter(
            person=person,
            document_type=service.document_type.code,
            status=HeldDocumentStatus.VALID,
            expires_on__gte=clock.today(),
        ).exists()
        if not holds_valid:
            raise NoPermitForEndorsement(field="services", service=service.code)


def _check_permit_by_mail(form: ApplicationForm, services: Sequence[Service]) -> None:
    """Sending the permit in makes sense for an endorsement on a held permit, mailed back."""
    if not form.permit_by_mail:
        return
    new_permits = {service.document_type_id for service in services if not service.is_endorsement}
    if not any(s.is_endorsement and s.document_type_id not in new_permits for s in services):
        raise PermitByMailNotApplicable(field="permit_by_mail")
    if form.delivery_method != DeliveryMethod.MAIL:
        raise PermitByMailNeedsCourier(field="permit_by_mail")


def _check_not_applied(person: Person, services: Sequence[Service]) -> None:
    for service in services:
        open_item = (
            ApplicationItem.objects.filter(
                person=person,
                status__in=ACTIVE_STATUSES,
                document_type=service.document_type.code,
                endorsement_type=service.endorsement_type.code if service.endorsement_type else "",
            )
            .select_related("application")
            .first()
        )
        if open_item is not None:
            raise AlreadyApplied(
                field="services", service=service.code, application=open_item.application.number
            )


def _material_status(material: catalog.ChecklistMaterial, *, staff_filed: bool) -> str:
    if material.verified_by_source:
        return MaterialStatus.CHECKING
    if material.provided_at_hall:
        return MaterialStatus.MADE_FOR_YOU
    if material.code in DECLARED_IN_FORM:
        return MaterialStatus.DECLARED
    return MaterialStatus.PRESENTED if staff_filed else MaterialStatus.TO_UPLOAD


def _checklist(person: Person, form: ApplicationForm) -> tuple[catalog.Checklist, list[Service]]:
    """The catalog's one-time notification for this person and form, with the blocking notices."""
    city_code, in_province = _household(person)
    facts = catalog.ApplicantFacts(
        birth_date=person.birth_date,
        household_city=city_code or None,
        in_province=None if city_code else in_province,
        expedited=form.priority in EXPEDITED_PRIORITIES,
        business_trip=form.priority == Priority.GREEN_CHANNEL,
        entries=dict(form.entries) or None,
    )
    foreign = sorted(
        catalog.active_services(form.services)
        .exclude(document_type__holder=Holder.CITIZEN)
        .values_list("code", flat=True)
    )
    if foreign:  # foreign nationals apply on the foreigners' pages
        raise ServiceForForeigners(field="services", services=foreign)
    checklist = catalog.build_checklist(list(form.services), facts)
    services_by_code = {
        s.code: s for s in catalog.active_services([item.service for item in checklist.items])
    }
    services = [services_by_code[item.service] for item in checklist.items]
    for notice in checklist.warnings:
        if notice.code in BLOCKING_NOTICES:
            raise EndorsementNotAvailable(notice.message, field="services", services=notice.services)
    return checklist, services


def check_choice(user: User, codes: Sequence[str], entries: Mapping[str, str]) -> catalog.Checklist:
    """First step of the form: may this applicant ask for this combination of documents?"""
    form = ApplicationForm(services=tuple(codes), entries=dict(entries))
    person, _applicant = _resolve_person(user, form)
    checklist, services = _checklist(person, form)
    _check_endorsements(person, services)
    _check_not_applied(person, services)
    return checklist


def submitted_with_key(user: User, key: str) -> Application | None:
    """The application a form token already created, if any (a second click on "Send")."""
    return Application.objects.filter(submitted_by=user, idempotency_key=key).first()


def plan_application(submitted_by: User, form: ApplicationForm, *, check_face: bool = True) -> Plan:
    """Check a form completely and say what it will become; writes nothing."""
    person, applicant = _resolve_person(submitted_by, form)
    _check_channel(submitted_by, form)
    phone = _check_phone(form, person)
    _city_code, in_province = _household(person)
    checklist, services = _checklist(person, form)
    for service in services:
        if form.channel not in (service.channels or []):
            raise catalog.InvalidChannel(
                service=service.code, channel=form.channel, offered=list(service.channels or [])
            )
    _check_endorsements(person, services)
    _check_permit_by_mail(form, services)
    _check_loss_declaration(form, services, person)
    zero_visit = form.channel == Channel.ONLINE and any(not s.is_endorsement for s in services)
    if form.channel == Channel.ONLINE:
        result = eligibility.check_zero_visit(
            person, services, face_reference=form.face_check_reference or None, include_face=check_face
        )
        if not result.eligible:
            raise NotEligibleForZeroVisit(**eligibility_details(result))
    _check_not_applied(person, services)
    service_point, pickup_point = _delivery(submitted_by, form, person)
    staff_filed = is_staff(submitted_by)
    materials = [
        PlannedMaterial(
            code=material.code,
            name=material.name,
            description=material.description,
            status=_material_status(material, staff_filed=staff_filed),
            source=material.source or "",
            services=[reason.service for reason in material.reasons],
            why=[reason.why for reason in material.reasons],
        )
        for material in checklist.materials
    ]
    return Plan(
        submitted_by=submitted_by,
        applicant=applicant,
        person=person,
        form=form,
        services=services,
        checklist=checklist,
        materials=materials,
        previous_documents=_previous_documents(person, services),
        service_point=service_point,
        pickup_point=pickup_point,
        in_province=in_province,
        zero_visit=zero_visit,
        phone=phone,
    )


def eligibility_details(result: eligibility.Eligibility) -> dict[str, Any]:
    return {
        "failures": [{"code": f.code, "message": f.message, "service": f.service} for f in result.failures],
        "where_to_go": [
            {"id": p.id, "name": p.name, "address": p.address, "phone": p.phone, "city": p.city_name}
            for p in result.where_to_go
        ],
        "booking_url": result.booking_url,
    }


# --- Submission --------------------------------------------------------------------------------


class _Replay(Exception):
    def __init__(self, application: Application) -> None:
        self.application = application


def check_idempotency_key(key: str | None) -> str:
    """The Idempotency-Key as stored; missing is `idempotency_key_required`, malformed `invalid_...`."""
    if key is None or not key.strip():
        raise IdempotencyKeyRequired()
    key = key.strip()
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidIdempotencyKey()
    return key


def earlier_application(submitted_by: User, key: str, fingerprint: str) -> Application | None:
    """The application an earlier request with this key created; a different request is refused."""
    existing = Application.objects.filter(submitted_by=submitted_by, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return existing


def _insert_application(plan: Plan, *, key: str, fingerprint: str) -> Application:
    """Insert with a fresh random number; the unique constraints decide, never a prior read."""
    person, form, now = plan.person, plan.form, clock.now()
    city_code, _in_province = _household(person)
    for _attempt in range(NUMBER_ATTEMPTS):
        application = Application(
            number=numbering.new_number(clock.today()),
            submitted_by=plan.submitted_by,
            applicant=plan.applicant,
            person=person,
            full_name=person.full_name,
            id_number=person.id_number or "",
            birth_date=person.birth_date,
            sex=person.sex,
            phone=plan.phone,
            household_city_code=city_code,
            in_province=plan.in_province,
            channel=form.channel,
            priority=form.priority,
            emergency_reason=form.emergency_reason if form.priority == Priority.EMERGENCY else "",
            emergency_details=form.emergency_details.strip()[:500]
            if form.priority == Priority.EMERGENCY
            else "",
            zero_visit=plan.zero_visit,
            face_check_reference=form.face_check_reference[:100] if plan.zero_visit else "",
            delivery_method=form.delivery_method,
            pickup_point=plan.pickup_point,
            delivery_address=form.delivery_address.strip()
            if form.delivery_method == DeliveryMethod.MAIL
            else "",
            permit_by_mail=form.permit_by_mail,
            service_point=plan.service_point,
            lost_on=form.lost_on,
            lost_where=form.lost_where.strip(),
            loss_circumstances=form.loss_circumstances.strip(),
            total_fee=plan.total_fee,
            idempotency_key=key,
            request_fingerprint=fingerprint,
            created_at=now,
            submitted_at=now,
        )
        try:
            with transaction.atomic():
                application.save(force_insert=True)
        except IntegrityError:
            existing = Application.objects.filter(submitted_by=plan.submitted_by, idempotency_key=key).first()
            if existing is not None:
                if existing.request_fingerprint != fingerprint:
                    raise IdempotencyKeyReused() from None
                raise _Replay(existing) from None
            continue  # the random number was taken: draw another
        return application
    raise RuntimeError("could not draw a free application number")


def _create_items(application: Application, plan: Plan, *, actor: Any) -> list[ApplicationItem]:
    items = []
    now = clock.now()
    by_code = {service.code: service for service in plan.services}
    for position, entry in enumerate(plan.checklist.items):
        service = by_code[entry.service]
        item = ApplicationItem.objects.create(
            application=application,
            person=plan.person,
            service=service,
            service_code=service.code,
            document_type=service.document_type.code,
            reason=service.reason,
            endorsement_type=service.endorsement_type.code if service.endorsement_type else "",
            entries=entry.entries or "",
            standard_fee=entry.standard_fee_cny,
            fee=entry.fee_cny,
            waiver_code=entry.waiver.code if entry.waiver else "",
            status=ItemStatus.DRAFT,
            previous_document=plan.previous_documents.get(service.code),
            sort_order=position,
            updated_at=now,
        )
        lifecycle.record_creation(item, actor=actor)
        items.append(item)
    return items


def _create_materials(
    application: Application, plan: Plan, *, staged_token: str
) -> list[ApplicationMaterial]:
    materials_by_code = {
        m.code: m for m in Material.objects.filter(code__in=[p.code for p in plan.materials])
    }
    rows = []
    now = clock.now()
    for position, planned in enumerate(plan.materials):
        row = ApplicationMaterial.objects.create(
            application=application,
            material=materials_by_code[planned.code],
            code=planned.code,
            status=planned.status,
            source=planned.source,
            services=planned.services,
            sort_order=position,
            updated_at=now,
        )
        if staged_token:
            attached = Upload.objects.filter(
                owner=plan.submitted_by,
                staged_token=staged_token,
                material_code=planned.code,
                application_material__isnull=True,
            ).update(application_material=row, staged_token="")
            if attached and row.status in (MaterialStatus.TO_UPLOAD, MaterialStatus.CHECKING):
                row.status = MaterialStatus.UPLOADED
                row.save(update_fields=["status"])
        rows.append(row)
    return rows


def _declare_losses(items: Iterable[ApplicationItem], *, actor: Any, request: HttpRequest | None) -> None:
    for item in items:
        document = item.previous_document
        if item.reason != Reason.REPLACEMENT_LOST or document is None:
            continue
        if document.status == HeldDocumentStatus.VALID:
            report_document_lost(document, actor=actor, request=request)


def submit_application(
    *,
    submitted_by: User,
    form: ApplicationForm,
    idempotency_key: str | None,
    request: HttpRequest | None = None,
    staged_token: str = "",
) -> Submission:
    """Create and submit an application. The same key with the same form returns the first one."""
    key = check_idempotency_key(idempotency_key)
    fingerprint = form.fingerprint()
    existing = earlier_application(submitted_by, key, fingerprint)
    if existing is not None:
        return Submission(existing, replayed=True)
    plan = plan_application(submitted_by, form)
    try:
        with transaction.atomic():
            application = _insert_application(plan, key=key, fingerprint=fingerprint)
            items = _create_items(application, plan, actor=submitted_by)
            materials = _create_materials(application, plan, staged_token=staged_token)
            _declare_losses(items, actor=submitted_by, request=request)
            record_event(
                "applications.application_submitted",
                actor=submitted_by,
                obj=application,
                request=request,
                after={
                    "number": application.number,
                    "services": [item.service_code for item in items],
                    "channel": application.channel,
                    "priority": application.priority,
                    "total_fee": str(application.total_fee),
                    "service_point": application.service_point_id,
                },
            )
            for item in items:
                submit_item(item, actor=submitted_by, request=request)
            _request_payment(application, items, actor=submitted_by, request=request)
            accept_if_complete(application.pk, actor=submitted_by)
            if any(m.status == MaterialStatus.CHECKING for m in materials):
                _enqueue_on_commit("check_materials_with_sources", application.pk)
            _notify_on_commit(application, "application_submitted")
    except _Replay as replay:
        return Submission(replay.application, replayed=True)
    except IntegrityError as error:
        # Another request with the same key, or for the same document, committed first.
        existing = earlier_application(submitted_by, key, fingerprint)
        if existing is not None:
            return Submission(existing, replayed=True)
        raise AlreadyApplied() from error
    application.refresh_from_db()
    return Submission(application, replayed=False)


# --- Payment -----------------------------------------------------------------------------------


def _item_description(item: ApplicationItem) -> str:
    return f"{item.application.number} {item.service.name}"[:200]


def _request_payment(
    application: Application, items: list[ApplicationItem], *, actor: Any, request: HttpRequest | None
) -> None:
    """Items with a fee wait for the payment order; items without one go straight to review."""
    payable = [item for item in items if item.fee > 0]
    if payable:
        from exitentry.payments import services as payments

        order = payments.create_order(
            payer=application.applicant or application.submitted_by,
            lines=[(_item_description(item), item.fee, f"item:{item.pk}") for item in payable],
            subject_type=SUBJECT_TYPE,
            subject_id=application.number,
            channel=payment_channel_for(application),
            idempotency_key=f"application:{application.number}",
        )
        Application.objects.filter(pk=application.pk).update(payment_order_id=order.number)
        application.payment_order_id = order.number
    for item in items:
        request_payment(item, actor=actor, request=request)
        if item.fee == 0:
            record_payment(item, actor=actor, note=gettext("No fee is due."), request=request)
            start_review(item, actor=actor, request=request)


def payment_channel_for(application: Application) -> str:
    """Staff at a counter take payment there; everyone else pays online (the payer may switch)."""
    if application.channel in (Channel.WINDOW, Channel.KIOSK):
        return "counter"
    return str(getattr(settings, "EXITENTRY_DEFAULT_ONLINE_PAYMENT_CHANNEL", "wechat_pay"))


def _items_of_order(order: Any) -> models.QuerySet[ApplicationItem]:
    return ApplicationItem.objects.filter(application__number=order.subject_id).select_related("application")


def on_order_paid(order: Any) -> None:
    """Payments' callback (inside its transaction): the paid items go to paid, then to review.

    Items withdrawn while the order was still open were paid for all the same: their lines are
    refunded after commit.
    """
    items = list(_items_of_order(order))
    waiting = [item for item in items if item.status == ItemStatus.AWAITING_PAYMENT]
    for item in waiting:
        record_payment(item, actor="payments", note=order.number)
        start_review(item, actor="system")
    closed = [item for item in items if item.status == ItemStatus.WITHDRAWN and item.fee > 0]
    for item in closed:
        transaction.on_commit(partial(_refund_withdrawn_item, order.number, item.pk), robust=True)
    if closed:
        record_event(
            "applications.refund_requested",
            actor="system",
            object_type="applications.application",
            object_id=order.subject_id,
            order=order.number,
            items=[item.pk for item in closed],
        )
    if waiting:
        _notify_on_commit(waiting[0].application, "payment_received")


def _refund_withdrawn_item(order_number: str, item_id: int) -> None:
    from exitentry.payments import services as payments

    payments.refund_order_line(
        order_number=order_number,
        reference=f"item:{item_id}",
        reason=gettext("Withdrawn by the applicant"),
        requested_by="system",
    )


def on_order_refunded(order: Any, refunds: Sequence[Any] = ()) -> None:
    """Money returned for lines whose items are still open: those items are withdrawn."""
    references = {getattr(getattr(refund, "line", None), "reference", "") for refund in refunds}
    item_ids = [int(ref.split(":", 1)[1]) for ref in references if ref and ref.startswith("item:")]
    items = _items_of_order(order).filter(status__in=WITHDRAWABLE_STATUSES)
    if item_ids:
        items = items.filter(pk__in=item_ids)
    elif getattr(order, "status", "") != "refunded":
        return  # a partial refund that names no line changes no item
    for item in items:
        withdraw(item, actor="payments", note=gettext("The fee was refunded."))


def on_order_expired(order: Any) -> None:
    """Not paid in time: the items waiting for this order are closed."""
    for item in _items_of_order(order).filter(status=ItemStatus.AWAITING_PAYMENT):
        expire_item(item, actor="payments")


# --- Named transitions -------------------------------------------------------------------------


def submit_item(item: ApplicationItem, *, actor: Any, request: HttpRequest | None = None) -> ApplicationItem:
    return lifecycle.apply_transition(
        item, ItemStatus.SUBMITTED, action="submitted", actor=actor, request=request
    )


def request_payment(
    item: ApplicationItem, *, actor: Any, request: HttpRequest | None = None
) -> ApplicationItem:
    return lifecycle.apply_transition(
        item, ItemStatus.AWAITING_PAYMENT, action="payment_requested", actor=actor, request=request
    )


def record_payment(
    item: ApplicationItem, *, actor: Any, note: str = "", request: HttpRequest | None = None
) -> ApplicationItem:
    return lifecycle.apply_transition(
        item, ItemStatus.PAID, action="paid", actor=actor, note=note, request=request
    )


def start_review(item: ApplicationItem, *, actor: Any, request: HttpRequest | None = None) -> ApplicationItem:
    return lifecycle.apply_transition(
        item, ItemStatus.UNDER_REVIEW, action="review_started", actor=actor, request=request
    )


def resume_review(
    item: ApplicationItem, *, actor: Any, request: HttpRequest | None = None
) -> ApplicationItem:
    return lifecycle.apply_transition(
        item, ItemStatus.UNDER_REVIEW, action="review_resumed", actor=actor, request=request
    )


def withdraw(
    item: ApplicationItem, *, actor: Any, note: str = "", request: HttpRequest | None = None
) -> ApplicationItem:
    return lifecycle.apply_transition(
        item, ItemStatus.WITHDRAWN, action="withdrawn", actor=actor, note=note, request=request
    )


def expire_item(item: ApplicationItem, *, actor: Any) -> ApplicationItem:
    return lifecycle.apply_transition(item, ItemStatus.EXPIRED, action="expired", actor=actor)


def start_production(
    item: ApplicationItem, *, actor: Any, request: HttpRequest | None = None
) -> ApplicationItem:
    """Approved → in production; an endorsement waiting for the applicant's permit must wait (409)."""
    from exitentry.applications import shipping

    if shipping.waits_for_permit(item) and not shipping.permit_received(item):
        raise shipping.PermitNotReceived(item=item.pk)
    return lifecycle.apply_transition(
        item, ItemStatus.IN_PRODUCTION, action="production_started", actor=actor, request=request
    )


def mark_delivered(
    item: ApplicationItem, *, actor: Any, request: HttpRequest | None = None
) -> ApplicationItem:
    """Delivered (courier scan, or an officer who heard so): identity records the new document."""
    from exitentry.applications import shipping

    item.refresh_from_db(fields=["status"])
    if item.status != ItemStatus.DISPATCHED:
        raise InvalidTransition(current=item.status, requested=ItemStatus.DELIVERED, item=item.pk)
    return shipping.deliver(item, actor=actor, request=request)


# --- Officer actions ---------------------------------------------------------------------------


def staff_items(user: User, *, roles: Sequence[str] = OFFICER_ROLES) -> models.QuerySet[ApplicationItem]:
    """The items `user` may see: those of the service points in the user's scope.

    Foreigners' cases reuse applications but are decided in their own console (foreigners app),
    so the citizens' console neither lists nor opens them.
    """
    require_role(user, *roles)
    items = ApplicationItem.objects.filter(application__foreigner_case__isnull=True).select_related(
        "application", "application__service_point", "application__pickup_point", "service"
    )
    scope = service_point_ids_in_scope(user)
    if scope is not None:
        items = items.filter(application__service_point_id__in=scope)
    return items


def item_for_officer(user: User, item_id: int, *, roles: Sequence[str] = OFFICER_ROLES) -> ApplicationItem:
    item = staff_items(user, roles=roles).filter(pk=item_id).first()
    if item is None:
        raise ItemNotFound(item=item_id)
    return item


def approve_item(
    user: User, item_id: int, *, note: str = "", request: HttpRequest | None = None
) -> ApplicationItem:
    item = item_for_officer(user, item_id)
    if item.application.accepted_at is None:
        raise ApplicationIncomplete(missing=list(_outstanding_materials(item.application_id)))
    with transaction.atomic():
        item = lifecycle.apply_transition(
            item,
            ItemStatus.APPROVED,
            action="approved",
            actor=user,
            note=note.strip(),
            request=request,
            updates={"decision_reason": note.strip()[:1000]},
        )
        _enqueue_on_commit("send_to_production", item.pk)
        _notify_on_commit(item.application, "item_approved", item=item)
    return item


def reject_item(
    user: User, item_id: int, *, reason: str, request: HttpRequest | None = None
) -> ApplicationItem:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ReasonRequired(field="reason")
    item = item_for_officer(user, item_id)
    with transaction.atomic():
        item = lifecycle.apply_transition(
            item,
            ItemStatus.REJECTED,
            action="rejected",
            actor=user,
            note=reason,
            request=request,
            updates={"decision_reason": reason[:1000]},
        )
        _notify_on_commit(item.application, "item_rejected", item=item)
    return item


def request_more_materials(
    user: User, item_id: int, *, materials: Sequence[str], note: str, request: HttpRequest | None = None
) -> ApplicationItem:
    """Ask the applicant for documents (again); the item waits in needs_more_materials."""
    note = (note or "").strip()
    codes = list(dict.fromkeys(code.strip() for code in materials if code and code.strip()))
    if not codes:
        raise MaterialsRequired(field="materials")
    if len(note) < 5:
        raise ReasonRequired(field="note")
    found = {m.code: m for m in Material.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise UnknownMaterial(field="materials", unknown=unknown)
    item = item_for_officer(user, item_id)
    now = clock.now()
    with transaction.atomic():
        item = lifecycle.apply_transition(
            item,
            ItemStatus.NEEDS_MORE_MATERIALS,
            action="materials_requested",
            actor=user,
            note=note,
            request=request,
        )
        for position, code in enumerate(codes):
            row, created = ApplicationMaterial.objects.get_or_create(
                application_id=item.application_id,
                material=found[code],
                defaults={
                    "code": code,
                    "status": MaterialStatus.REQUESTED,
                    "services": [item.service_code],
                    "note": note[:1000],
                    "requested_by": user,
                    "sort_order": 100 + position,
                    "updated_at": now,
                },
            )
            if not created:
                ApplicationMaterial.objects.filter(pk=row.pk).update(
                    status=MaterialStatus.REQUESTED, note=note[:1000], requested_by=user, updated_at=now
                )
        record_event(
            "applications.materials_requested",
            actor=user,
            obj=item.application,
            request=request,
            item=item.pk,
            materials=codes,
        )
        _notify_on_commit(item.application, "materials_requested", item=item)
    return item


def officer_start_production(
    user: User, item_id: int, *, request: HttpRequest | None = None
) -> ApplicationItem:
    return start_production(item_for_officer(user, item_id), actor=user, request=request)


def mark_ready_for_pickup(user: User, item_id: int, *, request: HttpRequest | None = None) -> ApplicationItem:
    """The document is made and waits at the collection hall."""
    item = item_for_officer(user, item_id)
    if item.application.delivery_method != DeliveryMethod.PICKUP:
        raise DeliveryIsByMail()
    with transaction.atomic():
        item = lifecycle.apply_transition(
            item, ItemStatus.READY_FOR_PICKUP, action="ready_for_pickup", actor=user, request=request
        )
        _notify_on_commit(item.application, "ready_for_pickup", item=item)
    return item


def dispatch_item(
    user: User,
    item_id: int,
    *,
    tracking_number: str = "",
    courier: str = "",
    request: HttpRequest | None = None,
) -> ApplicationItem:
    """Send a made document by courier.

    Without a tracking number the courier adapter books the shipment and gives one (its scans then
    arrive by polling or signed callback); with one, the officer booked the courier by hand.
    """
    from exitentry.applications import shipping

    tracking_number = (tracking_number or "").strip().upper()
    if tracking_number and not TRACKING_NUMBER.fullmatch(tracking_number):
        raise InvalidTrackingNumber(field="tracking_number")
    item = item_for_officer(user, item_id)
    if item.application.delivery_method != DeliveryMethod.MAIL:
        raise DeliveryIsPickup()
    if item.status != ItemStatus.IN_PRODUCTION:
        raise InvalidTransition(current=item.status, requested=ItemStatus.DISPATCHED, item=item.pk)
    if tracking_number:
        booking = shipping.Booking((courier or "").strip()[:60], tracking_number)
    else:
        booking = shipping.book_shipment(item)
    with transaction.atomic():
        item = lifecycle.apply_transition(
            item,
            ItemStatus.DISPATCHED,
            action="dispatched",
            actor=user,
            request=request,
            updates={"tracking_number": booking.tracking_number, "courier": booking.courier},
        )
        shipping.create_shipment(item, booking, actor=user)
        _notify_on_commit(item.application, "dispatched", item=item)
    return item


def officer_mark_delivered(
    user: User, item_id: int, *, request: HttpRequest | None = None
) -> ApplicationItem:
    return mark_delivered(item_for_officer(user, item_id), actor=user, request=request)


def hand_over_item(
    user: User, item_id: int, *, id_last4: str, request: HttpRequest | None = None
) -> ApplicationItem:
    """Hand the document over at the counter after checking the last 4 characters of the ID number."""
    item = item_for_officer(user, item_id)
    given = (id_last4 or "").strip().upper()
    if not hmac.compare_digest(given.encode(), item.application.id_last4.upper().encode()):
        with transaction.atomic():
            record_event(
                "applications.id_check_failed",
                actor=user,
                obj=item.application,
                request=request,
                item=item.pk,
            )
        raise IdCheckFailed(field="id_last4")
    from exitentry.applications import issuance

    with transaction.atomic():
        item = lifecycle.apply_transition(
            item, ItemStatus.COLLECTED, action="collected", actor=user, request=request
        )
        issuance.register_issued(item, actor=user, request=request)
    item.refresh_from_db()
    return item


def own_item(user: User, item_id: int) -> ApplicationItem:
    """An item of an application the user applied for or sent; anyone else's is 404."""
    item = (
        ApplicationItem.objects.select_related("application", "application__service_point", "service")
        .filter(pk=item_id)
        .filter(Q(application__applicant=user) | Q(application__submitted_by=user))
        .first()
    )
    if item is None:
        raise ItemNotFound(item=item_id)
    return item


def withdraw_own_item(user: User, item_id: int, *, request: HttpRequest | None = None) -> ApplicationItem:
    """The applicant withdraws an item not yet decided; payments refund what was paid for it."""
    item = (
        ApplicationItem.objects.select_related("application")
        .filter(pk=item_id)
        .filter(Q(application__applicant=user) | Q(application__submitted_by=user))
        .first()
    )
    if item is None:
        raise ItemNotFound(item=item_id)
    paid = item.status in (ItemStatus.PAID, ItemStatus.UNDER_REVIEW, ItemStatus.NEEDS_MORE_MATERIALS)
    with transaction.atomic():
        item = withdraw(item, actor=user, request=request)
        if paid and item.application.payment_order_id and item.fee > 0:
            _refund_item(item, actor=user)
    return item


def _refund_item(item: ApplicationItem, *, actor: Any) -> None:
    from exitentry.payments import services as payments

    payments.refund_order_line(
        order_number=item.application.payment_order_id,
        reference=f"item:{item.pk}",
        reason=gettext("Withdrawn by the applicant"),
        requested_by=actor,
    )


# --- Materials ---------------------------------------------------------------------------------


def own_application(user: User, number: str) -> Application:
    """An application the user applied for or sent; anyone else's is 404."""
    return _owned_application(user, number)


def _owned_application(user: User, number: str) -> Application:
    application = (
        Application.objects.filter(number=numbering.normalize(number))
        .filter(Q(applicant=user) | Q(submitted_by=user))
        .first()
    )
    if application is None:
        raise ApplicationNotFound(number=number)
    return application


def _store(
    owner: User, material_code: str, stream: File, checked: CheckedFile, name: str, **links: Any
) -> Upload:
    now = clock.now()
    upload = Upload(
        owner=owner,
        material_code=material_code,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        original_name=(name or "upload")[-200:],
        uploaded_at=now,
        **links,
    )
    upload.file.save(f"{uuid.uuid4().hex}.{checked.extension}", stream, save=False)
    upload.save()
    return upload


def stage_upload(user: User, *, token: str, material_code: str, stream: IO[bytes], name: str) -> Upload:
    """Keep a file for a form that has not been sent yet (the page's materials step)."""
    if not token or not IDEMPOTENCY_KEY.fullmatch(token):
        raise InvalidIdempotencyKey()
    if not Material.objects.filter(code=material_code).exists():
        raise UnknownMaterial(field="material", material=material_code)
    checked = check_file(stream)
    with transaction.atomic():
        replaced = list(
            Upload.objects.filter(
                owner=user, staged_token=token, material_code=material_code, application_material__isnull=True
            )
        )
        for old in replaced:
            old.delete()
            transaction.on_commit(partial(old.file.storage.delete, old.file.name))
        upload = _store(user, material_code, File(stream), checked, name, staged_token=token)
        record_event(
            "applications.upload_staged", actor=user, obj=upload, material=material_code, size=checked.size
        )
    return upload


def staged_uploads(user: User, token: str) -> dict[str, Upload]:
    return {
        upload.material_code: upload
        for upload in Upload.objects.filter(owner=user, staged_token=token, application_material__isnull=True)
    }


def upload_material(
    user: User,
    number: str,
    *,
    material_code: str,
    stream: IO[bytes],
    name: str,
    size: int | None = None,
    request: HttpRequest | None = None,
) -> Upload:
    """The applicant sends a document the application asks for (or was asked for again)."""
    application = _owned_application(user, number)
    material = application.materials.filter(code=(material_code or "").strip()).first()
    if material is None:
        raise UnknownMaterial(field="material", material=material_code)
    open_for_upload = material.status in (
        MaterialStatus.TO_UPLOAD,
        MaterialStatus.REQUESTED,
        MaterialStatus.CHECKING,
        MaterialStatus.UPLOADED,
    )
    if not open_for_upload or not application.items.filter(status__in=UPLOAD_OPEN_STATUSES).exists():
        raise MaterialNotExpected(material=material.code, status=material.status)
    checked = check_file(stream, declared_size=size)
    with transaction.atomic():
        upload = _store(user, material.code, File(stream), checked, name, application_material=material)
        ApplicationMaterial.objects.filter(
            pk=material.pk,
            status__in=[MaterialStatus.TO_UPLOAD, MaterialStatus.REQUESTED, MaterialStatus.CHECKING],
        ).update(status=MaterialStatus.UPLOADED, updated_at=clock.now())
        record_event(
            "applications.material_uploaded",
            actor=user,
            obj=application,
            request=request,
            material=material.code,
            upload=upload.pk,
            content_type=checked.content_type,
            size=checked.size,
        )
        accept_if_complete(application.pk, actor=user)
        _resume_if_materials_complete(application, actor=user, request=request)
    return upload


def _resume_if_materials_complete(
    application: Application, *, actor: Any, request: HttpRequest | None
) -> None:
    if application.materials.filter(status=MaterialStatus.REQUESTED).exists():
        return
    for item in application.items.filter(status=ItemStatus.NEEDS_MORE_MATERIALS):
        resume_review(item, actor=actor, request=request)


def _promise_for(item: ApplicationItem, application: Application, accepted_on: dt.date) -> catalog.Promise:
    expedited = application.priority in EXPEDITED_PRIORITIES
    try:
        return catalog.promised_date(
            item.service_code,
            accepted_on=accepted_on,
            in_province=application.in_province,
            expedited=expedited,
            channel=application.channel,
        )
    except catalog.InvalidChannel:  # the service stopped offering the channel since submission
        return catalog.promised_date(
            item.service_code,
            accepted_on=accepted_on,
            in_province=application.in_province,
            expedited=expedited,
        )


def _set_promise(item: ApplicationItem, application: Application, accepted_on: dt.date) -> str | None:
    """Store the promised date of an accepted item; None (and a warning) when none can be given yet,
    e.g. the working-day calendar has no data for the year the promise reaches into."""
    try:
        promise = _promise_for(item, application, accepted_on)
    except DomainError as error:
        logger.warning("no promised date for item %s of %s: %s", item.pk, application.number, error.code)
        ApplicationItem.objects.filter(pk=item.pk).update(accepted_on=accepted_on)
        return None
    ApplicationItem.objects.filter(pk=item.pk).update(
        accepted_on=accepted_on,
        promised_date=promise.due,
        promise_rule=promise.rule_code,
        promise_amount=promise.amount,
        promise_unit=promise.unit,
    )
    return promise.due.isoformat()


def _outstanding_materials(application_id: int) -> list[str]:
    return list(
        ApplicationMaterial.objects.filter(
            application_id=application_id, status__in=MATERIALS_OUTSTANDING
        ).values_list("code", flat=True)
    )


def accept_if_complete(application_id: int, *, actor: Any) -> bool:
    """Accept the application once nothing is left to check or upload; set each promised date.

    One conditional UPDATE (`accepted_at IS NULL`) makes acceptance happen exactly once. A promise
    that cannot be computed yet does not stop acceptance; the SLA watch fills it in later.
    """
    with transaction.atomic():
        if ApplicationMaterial.objects.filter(
            application_id=application_id, status__in=MATERIALS_OUTSTANDING
        ).exists():
            return False
        now = clock.now()
        if (
            Application.objects.filter(pk=application_id, accepted_at__isnull=True).update(accepted_at=now)
            != 1
        ):
            return False
        application = Application.objects.get(pk=application_id)
        accepted_on = clock.to_local(now).date()
        promised = {
            item.service_code: _set_promise(item, application, accepted_on)
            for item in application.items.exclude(status__in=FINAL_STATUSES)
        }
        record_event(
            "applications.application_accepted",
            actor=actor,
            obj=application,
            accepted_on=accepted_on.isoformat(),
            promised=promised,
        )
    return True


def fill_missing_promises() -> int:
    """Promised dates that could not be computed at acceptance (e.g. a year the calendar did not
    know yet), tried again; how many were set."""
    pending = (
        ApplicationItem.objects.filter(accepted_on__isnull=False, promised_date__isnull=True)
        .exclude(status__in=FINAL_STATUSES)
        .select_related("application")
    )
    filled = 0
    for item in pending:
        assert item.accepted_on is not None
        with transaction.atomic():
            due = _set_promise(item, item.application, item.accepted_on)
            if due is not None:
                filled += 1
                record_event(
                    "applications.promise_set", actor="sla-watch", obj=item.application, item=item.pk, due=due
                )
    return filled


def _source_outcome(material: ApplicationMaterial, answer: SourceAnswer | None) -> str:
    """Write one register's answer (None: it did not answer); returns the new status or ''."""
    if answer is not None and answer.confirmed:
        new_status, outcome = MaterialStatus.VERIFIED_BY_SOURCE, "confirmed"
    else:
        new_status, outcome = MaterialStatus.TO_UPLOAD, "unavailable" if answer is None else "not_found"
    with transaction.atomic():
        changed = ApplicationMaterial.objects.filter(pk=material.pk, status=MaterialStatus.CHECKING).update(
            status=new_status,
            source_outcome=outcome,
            source_reference=answer.reference[:100] if answer is not None else "",
            updated_at=clock.now(),
        )
        if not changed:
            return ""
        record_event(
            "applications.material_checked_with_source",
            actor="information-sharing",
            obj=material.application,
            material=material.code,
            source=material.source,
            outcome=outcome,
        )
    return new_status


def check_materials_with_sources(application_id: int) -> dict[str, str]:
    """Ask the registers about each material still being checked; rerunnable after a crash.

    Each answer is written in its own transaction, so a failure half-way loses nothing: a rerun
    asks only about what is still `checking`. A register that does not answer means we ask the
    applicant for the document instead; the application itself is never at risk.
    """
    application = Application.objects.filter(pk=application_id).first()
    if application is None:
        return {}
    adapter = information_sharing()
    facts = PersonFacts(
        id_number=application.id_number,
        full_name=application.full_name,
        household_city_code=application.household_city_code,
    )
    outcomes: dict[str, str] = {}
    for material in application.materials.filter(status=MaterialStatus.CHECKING).order_by("sort_order", "pk"):
        answer: SourceAnswer | None
        try:
            answer = adapter.confirm(source=material.source, material=material.code, person=facts)
        except InformationSharingUnavailable:
            logger.warning(
                "register %s did not answer for application %s", material.source, application.number
            )
            answer = None
        status = _source_outcome(material, answer)
        if status:
            outcomes[material.code] = status
    accept_if_complete(application.pk, actor="information-sharing")
    if MaterialStatus.TO_UPLOAD in outcomes.values():
        with transaction.atomic():
            _notify_on_commit(application, "materials_to_upload")
    return outcomes


def stalled_source_checks(older_than: dt.timedelta = dt.timedelta(minutes=10)) -> list[int]:
    """Applications with a material still being checked long after submission (a lost task)."""
    cutoff = clock.now() - older_than
    return sorted(
        set(
            ApplicationMaterial.objects.filter(
                status=MaterialStatus.CHECKING, updated_at__lt=cutoff
            ).values_list("application_id", flat=True)
        )
    )


def delete_abandoned_staged_uploads(older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    cutoff = clock.now() - older_than
    stale = list(
        Upload.objects.filter(application_material__isnull=True, uploaded_at__lt=cutoff).exclude(
            staged_token=""
        )
    )
    with transaction.atomic():
        for upload in stale:
            upload.delete()
            transaction.on_commit(partial(upload.file.storage.delete, upload.file.name))
        if stale:
            record_event(
                "applications.staged_uploads_deleted",
                actor="system",
                object_type="applications.upload",
                count=len(stale),
            )
    return len(stale)


# --- Reading -----------------------------------------------------------------------------------


def applications_of(user: User) -> models.QuerySet[Application]:
    return (
        Application.objects.filter(Q(applicant=user) | Q(submitted_by=user))
        .select_related("service_point", "pickup_point")
        .prefetch_related("items__service")
        .order_by("-created_at", "-id")
    )


def application_for(user: User, number: str, *, request: HttpRequest | None = None) -> Application:
    """The owner's application, or one of an officer's service points (the full record is logged)."""
    number = numbering.normalize(number)
    application = (
        Application.objects.filter(number=number)
        .select_related("service_point", "pickup_point", "person")
        .first()
    )
    if application is None:
        raise ApplicationNotFound(number=number)
    if user.pk in (application.applicant_id, application.submitted_by_id):
        return application
    if is_foreigner_case(application):
        raise ApplicationNotFound(number=number)  # officers open it in the foreigners' console
    if is_staff(user) and user.has_role(*QUEUE_VIEWER_ROLES, Role.ADMIN):
        scope = service_point_ids_in_scope(user)
        if scope is None or application.service_point_id in scope:
            record_access(user, application, purpose="application_review", request=request)
            return application
    raise ApplicationNotFound(number=number)


def is_foreigner_case(application: Application) -> bool:
    return Application.objects.filter(pk=application.pk, foreigner_case__isnull=False).exists()


def overall_status(statuses: Iterable[str]) -> str:
    """An application is as far as its least advanced open item; when all are closed, its last."""
    statuses = list(statuses)
    if not statuses:
        return ItemStatus.DRAFT
    rank = {status: position for position, status in enumerate(LIFECYCLE_ORDER)}
    closed = {ItemStatus.REJECTED, ItemStatus.WITHDRAWN, ItemStatus.EXPIRED}
    open_statuses = [s for s in statuses if s not in closed]
    if open_statuses:
        return min(open_statuses, key=lambda s: rank[s])
    return min(statuses, key=lambda s: rank[s])


def application_status(application: Application) -> str:
    return overall_status(item.status for item in application.items.all())


def promised_date_of(application: Application) -> dt.date | None:
    dates = [item.promised_date for item in application.items.all() if item.promised_date]
    return max(dates) if dates else None


def work_queue(
    user: User, *, statuses: Sequence[str] | None = None, limit: int = 200
) -> list[ApplicationItem]:
    """Open items of the officer's service points: earliest promised date first, then most urgent."""
    wanted = [s for s in (statuses or QUEUE_STATUSES) if s in ItemStatus.values] or list(QUEUE_STATUSES)
    rank = Case(
        *[
            When(application__priority=priority, then=Value(position))
            for priority, position in PRIORITY_RANK.items()
        ],
        default=Value(9),
        output_field=IntegerField(),
    )
    items = (
        staff_items(user, roles=QUEUE_VIEWER_ROLES)
        .filter(status__in=wanted)
        .annotate(priority_rank=rank)
        .order_by(F("promised_date").asc(nulls_last=True), "priority_rank", "application__submitted_at", "pk")
    )
    return list(items[:limit])


# --- Tracking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackedEvent:
    at: dt.datetime
    service: str
    status: str
    status_label: str


@dataclass(frozen=True)
class CourierEvent:
    at: dt.datetime
    event: str
    label: str
    location: str


@dataclass(frozen=True)
class TrackedItem:
    service: str
    name: str
    status: str
    status_label: str
    promised_date: dt.date | None
    courier: str = ""
    tracking_number: str = ""
    courier_events: list[CourierEvent] = field(default_factory=list)


def courier_events(item: ApplicationItem) -> list[CourierEvent]:
    """The courier's scans of the shipment carrying `item`, oldest first."""
    return courier_events_of([item]).get(item.pk, [])


def courier_events_of(items: Sequence[ApplicationItem]) -> dict[int, list[CourierEvent]]:
    """The courier's scans of every shipment carrying one of `items`, per item, oldest first, in one query."""
    return _courier_events_by_item([item.pk for item in items])


def _courier_events_by_item(shipped: list[int]) -> dict[int, list[CourierEvent]]:
    from exitentry.applications.models import ShipmentDirection, ShipmentEvent, ShipmentStatus

    scans: dict[int, list[CourierEvent]] = {}
    if not shipped:
        return scans
    # Written out, as tracking runs it for every look-up (docs/adr/0011).
    placeholders = ", ".join(["%s"] * len(shipped))
    for scan in ShipmentEvent.objects.raw(
        "SELECT e.id, e.code, e.at, e.location, s.item_id AS shipped_item_id"  # noqa: S608 - placeholders only
        " FROM applications_shipmentevent e JOIN applications_shipment s ON s.id = e.shipment_id"
        f" WHERE s.item_id IN ({placeholders}) AND s.direction = %s ORDER BY e.at, e.id",
        [*shipped, ShipmentDirection.OUTBOUND],
    ):
        scans.setdefault(getattr(scan, "shipped_item_id"), []).append(  # noqa: B009 - a raw column
            CourierEvent(
                at=scan.at,
                event=scan.code,
                label=str(ShipmentStatus(scan.code).label),
                location=scan.location,
            )
        )
    return scans


@dataclass(frozen=True)
class Tracking:
    number: str
    status: str
    status_label: str
    promised_date: dt.date | None
    items: list[TrackedItem]
    events: list[TrackedEvent]
    accepted: bool = False  # everything is in; without a promised date, the date cannot be counted yet


def _count(key: str, window_seconds: int) -> int:
    return increment(key, expires_in=window_seconds * 2)


def _throttle_tracking(client: str | None, number: str) -> None:
    per_minute = int(getattr(settings, "EXITENTRY_TRACKING_PER_CLIENT_PER_MINUTE", 30))
    minute = int(clock.now().timestamp() // 60)
    if client:
        # The client's count and the number's failures in one round trip to the cache.
        count, failures = increment_and_read(
            f"track:client:{client}:{minute}", expires_in=120, others=_failure_keys(number)
        )
        if count > per_minute:
            raise TrackingThrottled(limit=per_minute)
    else:
        failures = sum(int(cache.get(key, 0)) for key in _failure_keys(number))
    if failures >= int(getattr(settings, "EXITENTRY_TRACKING_FAILURES_PER_NUMBER", 10)):
        raise TrackingThrottled()


def _failure_keys(number: str) -> list[str]:
    """The number's failure counters of this hour and the one before, by the application's clock.

    The windows are named by the clock, not left to the cache's expiry: the lock lifts when the
    application's time says so (a test's frozen clock included), one to two hours after the
    guessing, and the cache only throws old windows away.
    """
    digest = hashlib.sha256(number.encode()).hexdigest()[:32]
    hour = int(clock.now().timestamp() // 3600)
    return [f"track:fail:{digest}:{hour}", f"track:fail:{digest}:{hour - 1}"]


def _tracking_failed(number: str) -> TrackingNotFound:
    _count(_failure_keys(number)[0], 3600)
    return TrackingNotFound()


def track(number: str, id_last4: str, *, client: str | None) -> Tracking:
    """Status, promised date and history for whoever holds the number and the ID ending.

    Everyone waiting for a document asks, so this runs one statement written out (docs/adr/0011):
    the items with their application's number and ID number, each with its public events, plus
    courier scans when an item went by courier; service names come from the reference cache.
    """
    number = numbering.normalize(number or "")[:20]
    last4 = (id_last4 or "").strip().upper()
    _throttle_tracking(client, number)
    items: list[_TrackedRow] = []
    public_events: list[_PublicEvent] = []
    if numbering.is_well_formed(number) and ID_LAST4.fullmatch(last4):
        items, public_events = _tracked_items_and_events(number)
    # Same answer whether the number is unknown or the ID ending is wrong.
    ending = _id_ending(items[0].stored_id_number) if items else ""
    if not items or not hmac.compare_digest(ending.encode(), last4.encode()):
        raise _tracking_failed(number)
    language = get_language()
    names = {item.pk: _service_name(item.service_id, language) for item in items}
    # Only an item sent with a tracking number has courier scans (as the applicant's pages show).
    scans = _courier_events_by_item([item.pk for item in items if item.tracking_number])
    status = overall_status(item.status for item in items)
    events = [
        TrackedEvent(
            at=at, service=names[item_id], status=to_status, status_label=_status_label(to_status, language)
        )
        for at, _event_id, item_id, to_status in public_events
    ]
    promised = [item.promised_date for item in items if item.promised_date]
    return Tracking(
        number=number,
        status=status,
        status_label=_status_label(status, language),
        promised_date=max(promised) if promised else None,
        accepted=any(item.accepted for item in items),
        items=[
            TrackedItem(
                service=item.service_code,
                name=names[item.pk],
                status=item.status,
                status_label=_status_label(item.status, language),
                promised_date=item.promised_date,
                courier=item.courier,
                tracking_number=item.tracking_number,
                courier_events=scans.get(item.pk, []),
            )
            for item in items
        ],
        events=events,
    )


# Written out: the ORM spent several times these statements' cost building them (ADR 0011).
# Only the columns tracking shows are read, as plain rows (no model instances); the ID number is
# decrypted by its field. An item comes once per public event (status changes after the draft,
# never who), or once with no event.
_TRACKED_ITEMS_SQL = (
    "SELECT i.id, i.service_id, i.service_code, i.status, i.promised_date, i.courier,"
    " i.tracking_number, a.id_number, i.accepted_on IS NOT NULL, e.id, e.to_status, e.at"
    " FROM applications_applicationitem i JOIN applications_application a ON a.id = i.application_id"
    " LEFT JOIN applications_itemevent e ON e.item_id = i.id AND e.to_status <> %s"
    " WHERE a.number = %s ORDER BY i.sort_order, i.id"
)
_ID_NUMBER: Any = Application._meta.get_field("id_number")


@dataclass(frozen=True, slots=True)
class _TrackedRow:
    pk: int
    service_id: int
    service_code: str
    status: str
    promised_date: dt.date | None
    courier: str
    tracking_number: str
    stored_id_number: Any
    accepted: bool


_PublicEvent = tuple[dt.datetime, int, int, str]  # at, event id, item id, status
_STATUS_LABELS: dict[str, dict[str, str]] = {}


def _status_label(value: str, language: str | None) -> str:
    """The status's label in `language`, which must be the active one; kept for the process (as
    the catalogs are)."""
    labels = _STATUS_LABELS.setdefault(language or "", {})
    if value not in labels:
        labels[value] = str(ItemStatus(value).label)
    return labels[value]


def _tracked_items_and_events(number: str) -> tuple[list[_TrackedRow], list[_PublicEvent]]:
    """The application's items in their order, and their public events in time order."""
    with connection.cursor() as cursor:
        cursor.execute(_TRACKED_ITEMS_SQL, [str(ItemStatus.DRAFT), number])
        rows = cursor.fetchall()
    items: dict[int, _TrackedRow] = {}
    events: list[_PublicEvent] = []
    for *item_values, event_id, to_status, at in rows:
        item_id = item_values[0]
        if item_id not in items:
            items[item_id] = _TrackedRow(*item_values)
        if event_id is not None:
            events.append((_aware(at), event_id, item_id, to_status))
    events.sort()
    return list(items.values()), events


def _id_ending(stored: Any) -> str:
    """The last 4 characters of the ID number as stored (encrypted)."""
    id_number = _ID_NUMBER.from_db_value(stored, None, connection)
    return str(id_number or "")[-4:].upper()


def _aware(moment: dt.datetime) -> dt.datetime:
    # PostgreSQL answers aware datetimes; SQLite naive ones in UTC (as Django's converter reads them).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _service_name(service_id: int, language: str | None) -> str:
    """The service's name in `language`, which must be the active one (the name is translated in it)."""
    return refcache.remember(
        ("service_name", service_id, language), lambda: str(Service.objects.get(pk=service_id).name)
    )


# --- SLA watch ---------------------------------------------------------------------------------


def time_used(item: ApplicationItem, today: dt.date) -> Decimal:
    """The share of the promised time gone by `today` (1 = the promised date itself)."""
    assert item.accepted_on is not None
    assert item.promised_date is not None
    if item.promise_unit == TimeUnit.WORKING_DAYS:
        total = working_days_between(item.accepted_on, item.promised_date)
        elapsed = working_days_between(item.accepted_on, min(today, item.promised_date))
        if today > item.promised_date:
            elapsed = total + (today - item.promised_date).days
    else:
        total = (item.promised_date - item.accepted_on).days
        elapsed = (today - item.accepted_on).days
    if total <= 0:
        return Decimal(1) if today >= item.promised_date else Decimal(0)
    return Decimal(elapsed) / Decimal(total)


@dataclass
class SlaReport:
    promises_set: int = 0
    checked: int = 0
    warnings: int = 0
    breaches: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _supervisors_of(point_id: int) -> list[User]:
    return list(User.objects.filter(role=Role.SUPERVISOR, is_active=True, service_points=point_id))


def _flag(item: ApplicationItem, level: str, used: Decimal) -> bool:
    assert item.promised_date is not None
    with transaction.atomic():
        flag, created = SlaFlag.objects.get_or_create(
            item=item,
            level=level,
            defaults={
                "flagged_at": clock.now(),
                "promised_date": item.promised_date,
                "used_percent": min(int(used * 100), 999),
            },
        )
        if not created:
            return False
        record_event(
            f"applications.sla_{level}",
            actor="sla-watch",
            obj=item.application,
            item=item.pk,
            promised_date=item.promised_date.isoformat(),
            used_percent=flag.used_percent,
        )
        for supervisor in _supervisors_of(item.application.service_point_id):
            _notify_user_on_commit(
                supervisor,
                "sla_breached" if level == SlaLevel.BREACH else "sla_warning",
                {
                    "number": item.application.number,
                    "service": item.service_code,
                    "promised_date": item.promised_date.isoformat(),
                    "item": item.pk,
                },
            )
    return True


def sla_watch(today: dt.date | None = None) -> SlaReport:
    """Flag open items at 80% of their promised time and at breach; reruns add nothing new."""
    today = today or clock.today()
    report = SlaReport(promises_set=fill_missing_promises())
    items = (
        ApplicationItem.objects.filter(
            status__in=SLA_STATUSES, promised_date__isnull=False, accepted_on__isnull=False
        )
        .select_related("application")
        .order_by("pk")
    )
    for item in items.iterator(chunk_size=500):
        report.checked += 1
        used = time_used(item, today)
        assert item.promised_date is not None
        if used >= SLA_WARNING_SHARE and _flag(item, SlaLevel.WARNING, used):
            report.warnings += 1
        if today > item.promised_date and _flag(item, SlaLevel.BREACH, used):
            report.breaches += 1
    return report


def sla_flags_for(user: User, *, level: str | None = None, open_only: bool = True) -> list[SlaFlag]:
    require_role(user, *SLA_VIEWER_ROLES)
    flags = SlaFlag.objects.select_related("item", "item__service", "item__application__service_point")
    scope = service_point_ids_in_scope(user)
    if scope is not None:
        flags = flags.filter(item__application__service_point_id__in=scope)
    if level in SlaLevel.values:
        flags = flags.filter(level=level)
    if open_only:
        flags = flags.filter(item__status__in=SLA_STATUSES)
    return list(flags.order_by("item__promised_date", "-level", "item_id")[:500])


# --- Side effects after commit -----------------------------------------------------------------


def _enqueue_on_commit(task_name: str, *args: Any) -> None:
    def enqueue() -> None:
        from exitentry.applications import tasks

        getattr(tasks, task_name).enqueue(*args)

    transaction.on_commit(enqueue, robust=True)


def _notify_user_on_commit(recipient: Any, template: str, context: dict[str, Any]) -> None:
    def send() -> None:
        from exitentry.notifications.services import notify

        notify(recipient, template, context)

    transaction.on_commit(send, robust=True)


def _notify_on_commit(application: Application, template: str, item: ApplicationItem | None = None) -> None:
    recipient: Any = application.applicant or application.person
    context: dict[str, Any] = {
        "number": application.number,
        "url": reverse("applications:detail", args=[application.number]),
    }
    if item is not None:
        context.update({"service": item.service_code, "item": item.pk})
        if item.decision_reason:
            context["reason"] = item.decision_reason
        if item.tracking_number:
            context["tracking_number"] = item.tracking_number
    _notify_user_on_commit(recipient, template, context)
