"""Foreigners' services on top of the applications lifecycle.

- `read_passport` checks a passport's MRZ with the identity app; a wrong check digit or an expired
  passport is a field error on `mrz`.
- `submit_foreigner_application` creates an `applications.Application` with its items (one for a
  visa or residence permit; a work permit and a work-type residence permit for the joint
  application), moves them through the shared transition table (submitted → waiting for payment
  → paid → under review; the fee comes from the catalog), accepts the application and sets each
  promised date from the catalog's foreigners' rules, all in one transaction with audit events.
- The items are decided by the authority named for their document type (`ItemAuthority`): the
  work-permit office for the work permit, exit-entry officers (scoped to their hall) for the rest.
  `decide_item` applies the transition; `_settle` gives the whole case ONE result: approved when
  every item is approved, refused as soon as one is refused (the other open half is closed with the
  same reason). The result is sent once (conditional UPDATE on `result_notified_at`) to the
  foreigner and the employer.
- Port visas: an officer at a port visa office records an on-arrival application and issues or
  refuses it; the issued visa has a unique number, validity, entries and days of stay.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import Role, User
from exitentry.accounts.services import require_role, service_point_ids_in_scope
from exitentry.applications import lifecycle, numbering
from exitentry.applications import services as applications
from exitentry.applications.models import (
    Application,
    ApplicationItem,
    DeliveryMethod,
    ItemStatus,
    Priority,
)
from exitentry.audit.services import record_access, record_event
from exitentry.catalog import services as catalog
from exitentry.catalog.models import Channel, PromiseScope, Service
from exitentry.core import clock
from exitentry.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from exitentry.foreigners.models import (
    CaseKind,
    ForeignerCase,
    ForeignPassport,
    HalfApproval,
    ItemAuthority,
    Outcome,
    PortVisa,
    PortVisaEntries,
    PortVisaReason,
    PortVisaStatus,
    WorkPermit,
    WorkPermitCategory,
)
from exitentry.identity.models import Person
from exitentry.identity.services import MrzCheck, check_mrz
from exitentry.servicepoints.models import ServicePoint, ServicePointKind

NUMBER_ATTEMPTS = 5
WORK_PERMIT_DOCUMENT = "foreign_work_permit"

# What each kind of application asks for (catalog service codes), and which catalog promise applies.
CASE_SERVICES: dict[str, tuple[str, ...]] = {
    CaseKind.JOINT_WORK_RESIDENCE: ("foreigners.work_permit", "foreigners.residence_work"),
    CaseKind.RESIDENCE_WORK: ("foreigners.residence_work",),
    CaseKind.RESIDENCE_STUDY: ("foreigners.residence_study",),
    CaseKind.RESIDENCE_FAMILY: ("foreigners.residence_family",),
    CaseKind.RESIDENCE_TALENT: ("foreigners.residence_talent",),
    CaseKind.VISA_EXTENSION: ("foreigners.visa_extension",),
    CaseKind.VISA_CHANGE: ("foreigners.visa_change",),
    CaseKind.TALENT_VISA: ("foreigners.talent_visa",),
}
CASE_PROMISES: dict[str, str] = {
    CaseKind.JOINT_WORK_RESIDENCE: PromiseScope.JOINT_WORK_RESIDENCE,
    CaseKind.RESIDENCE_TALENT: PromiseScope.TALENT_RESIDENCE,
    CaseKind.TALENT_VISA: PromiseScope.TALENT_VISA,
}
TALENT_KINDS = frozenset({CaseKind.RESIDENCE_TALENT, CaseKind.TALENT_VISA})
EMPLOYER_KINDS = frozenset({CaseKind.JOINT_WORK_RESIDENCE})
DECIDING_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.WORK_PERMIT_OFFICER)
OPEN_DECISION_STATUSES = (ItemStatus.UNDER_REVIEW, ItemStatus.NEEDS_MORE_MATERIALS)
# What the foreigner and the employer see: one result for the whole application.
STATUS_LABELS: dict[str, Any] = {
    "pending": _("Being decided"),
    "awaiting_payment": _("Waiting for payment"),
    Outcome.APPROVED: _("Approved"),
    Outcome.REFUSED: _("Refused"),
}
CLOSED_STATUSES = (ItemStatus.REJECTED, ItemStatus.WITHDRAWN, ItemStatus.EXPIRED)


# --- Errors ------------------------------------------------------------------------------------


class InvalidMrz(InvalidInput):
    code = "invalid_mrz"
    default_message = _("The passport's machine-readable zone could not be read. Check each character.")


class PassportExpired(InvalidInput):
    code = "passport_expired"
    default_message = _("This passport has expired. Apply with a valid passport.")


class PassportOfAnotherPerson(InvalidInput):
    code = "passport_of_another_person"
    default_message = _("This passport belongs to someone other than the account holder.")


class UnknownKind(InvalidInput):
    code = "unknown_application_kind"
    default_message = _("Choose what you are applying for.")


class EmployerRequired(InvalidInput):
    code = "employer_required"
    default_message = _("Only an employer's account can file this application.")


class NotHighLevelTalent(InvalidInput):
    code = "not_high_level_talent"
    default_message = _(
        "No category A work permit is in force for this person, so the talent route is not open."
    )


class ForeignersHallRequired(InvalidInput):
    code = "foreigners_hall_required"
    default_message = _("Choose a service hall for foreigners.")


class InvalidPhone(InvalidInput):
    code = "invalid_phone"
    default_message = _("Enter a phone number we can reach, e.g. 13812345678.")


class AlreadyApplied(Conflict):
    code = "already_applied"
    default_message = _("There is already an open application for this document.")


class CaseNotFound(NotFound):
    code = "foreigner_application_not_found"
    default_message = _("No such application.")


class ItemNotFound(NotFound):
    code = "item_not_found"
    default_message = _("No such item in your work.")


class ReasonRequired(InvalidInput):
    code = "reason_required"
    default_message = _("Give the reason in at least five characters.")


class InvalidGrant(InvalidInput):
    code = "invalid_grant"
    default_message = _("Give a category (A, B or C) and a last day of validity after today.")


class AlreadyDecided(Conflict):
    code = "already_decided"
    default_message = _("You have already approved this half; the other office decides the rest.")


class PortRequired(InvalidInput):
    code = "port_visa_office_required"
    default_message = _("Choose a port visa office you work at.")


class UnknownReason(InvalidInput):
    code = "unknown_port_visa_reason"
    default_message = _("Choose a reason from the list.")


class InvalidIssue(InvalidInput):
    code = "invalid_port_visa_issue"
    default_message = _("Give the validity (first and last day), the entries and the days of stay.")


class PortVisaNotFound(NotFound):
    code = "port_visa_not_found"
    default_message = _("No such port visa application at your office.")


class PortVisaDecided(Conflict):
    code = "port_visa_already_decided"
    default_message = _("This port visa application has already been decided.")


# --- Passports ---------------------------------------------------------------------------------


def read_passport(mrz: str) -> MrzCheck:
    """The passport read from its MRZ; an invalid zone or an expired passport is a field error."""
    check = check_mrz(mrz or "")
    if not check.valid:
        raise InvalidMrz(
            field="mrz",
            errors=[{"field": p.field, "code": p.code, "message": str(p.message)} for p in check.errors],
        )
    if check.format not in ("TD1", "TD2", "TD3"):
        raise InvalidMrz(field="mrz", errors=[{"field": "mrz", "code": "not_a_passport"}])
    assert check.expiry_date is not None
    if check.expiry_date < clock.today():
        raise PassportExpired(field="mrz", expiry_date=check.expiry_date.isoformat())
    return check


def _full_name(check: MrzCheck) -> str:
    return f"{check.given_names or ''} {check.surname or ''}".strip()[:100]


def register_passport(check: MrzCheck, *, phone: str = "", actor: Any = None) -> ForeignPassport:
    """The passport's record (and its holder's), created on first sight and refreshed afterwards."""
    assert check.nationality
    assert check.document_number
    assert check.birth_date
    assert check.expiry_date
    now = clock.now()
    fields = {
        "surname": (check.surname or "")[:60],
        "given_names": (check.given_names or "")[:60],
        "birth_date": check.birth_date,
        "sex": check.sex or "X",
        "expiry_date": check.expiry_date,
        "updated_at": now,
    }
    with transaction.atomic():
        passport = (
            ForeignPassport.objects.select_for_update()
            .filter(nationality=check.nationality, number=check.document_number)
            .first()
        )
        if passport is not None:
            ForeignPassport.objects.filter(pk=passport.pk).update(**fields)
            passport.refresh_from_db()
            return passport
        person = Person.objects.create(
            full_name=_full_name(check),
            id_number=None,
            nationality=check.nationality,
            birth_date=check.birth_date,
            sex=check.sex or "X",
            phone=phone,
        )
        try:
            with transaction.atomic():
                passport = ForeignPassport.objects.create(
                    person=person, nationality=check.nationality, number=check.document_number, **fields
                )
        except IntegrityError:  # registered by a concurrent request
            person.delete()
            return ForeignPassport.objects.get(nationality=check.nationality, number=check.document_number)
        record_event(
            "foreigners.passport_registered",
            actor=actor,
            obj=passport,
            nationality=passport.nationality,
        )
    return passport


# --- Work permits and talent ---------------------------------------------------------------------


def work_permit_in_force(person: Person, on: dt.date | None = None) -> WorkPermit | None:
    on = on or clock.today()
    return (
        WorkPermit.objects.filter(person=person, status="valid", valid_from__lte=on, valid_to__gte=on)
        .order_by("category", "-valid_to")
        .first()
    )


def is_high_level_talent(person: Person, on: dt.date | None = None) -> bool:
    """Category A work permit in force on `on`: the person may use the talent routes."""
    on = on or clock.today()
    return WorkPermit.objects.filter(
        person=person, category=WorkPermitCategory.A, status="valid", valid_from__lte=on, valid_to__gte=on
    ).exists()


# --- Filing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForeignerForm:
    kind: str
    mrz: str
    phone: str
    service_point_id: int | None
    job_title: str = ""
    purpose: str = ""

    def fingerprint(self) -> str:
        data = asdict(self)
        data["mrz"] = "\n".join(line.strip().upper() for line in self.mrz.splitlines() if line.strip())
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Filed:
    case: ForeignerCase
    replayed: bool


def foreigners_halls() -> models.QuerySet[ServicePoint]:
    return ServicePoint.objects.filter(is_active=True, kind=ServicePointKind.FOREIGNERS_HALL).order_by("code")


def port_offices() -> models.QuerySet[ServicePoint]:
    return ServicePoint.objects.filter(is_active=True, kind=ServicePointKind.PORT).order_by("code")


def _replay(user: User, key: str, fingerprint: str) -> ForeignerCase | None:
    application = applications.earlier_application(user, key, fingerprint)
    return None if application is None else ForeignerCase.objects.get(application=application)


def _check_filer(user: User, kind: str) -> None:
    require_role(user, Role.ENTERPRISE, Role.APPLICANT)
    if kind not in CASE_SERVICES:
        raise UnknownKind(field="kind")
    if kind in EMPLOYER_KINDS and not (user.role == Role.ENTERPRISE and user.organisation.strip()):
        raise EmployerRequired(field="kind")


def _fee(service: Service, on: dt.date) -> Decimal:
    """The catalog's fee for the service; none in force means nothing is charged when filing."""
    try:
        return Decimal(catalog.fee_for(service, on=on).amount)
    except catalog.FeeNotSet:
        return Decimal("0.00")


def _insert_application(
    user: User,
    person: Person,
    passport: ForeignPassport,
    phone: str,
    point: ServicePoint,
    total: Decimal,
    *,
    key: str,
    fingerprint: str,
) -> Application:
    now = clock.now()
    applicant = User.objects.filter(person=person).first()
    for _attempt in range(NUMBER_ATTEMPTS):
        application = Application(
            number=numbering.new_number(clock.today()),
            submitted_by=user,
            applicant=applicant,
            person=person,
            full_name=passport.full_name[:100],
            id_number=passport.number[:18],
            birth_date=passport.birth_date,
            sex=passport.sex,
            phone=phone,
            in_province=True,
            channel=Channel.ONLINE,
            priority=Priority.NORMAL,
            delivery_method=DeliveryMethod.PICKUP,
            pickup_point=point,
            service_point=point,
            total_fee=total,
            idempotency_key=key,
            request_fingerprint=fingerprint,
            created_at=now,
            submitted_at=now,
        )
        try:
            with transaction.atomic():
                application.save(force_insert=True)
        except IntegrityError:
            if Application.objects.filter(submitted_by=user, idempotency_key=key).exists():
                raise
            continue
        return application
    raise RuntimeError("could not draw a free application number")


def _accept(application: Application, kind: str, *, actor: Any) -> dict[str, str | None]:
    """Nothing is left to send: accept now and set each item's promised date from the catalog."""
    now = clock.now()
    Application.objects.filter(pk=application.pk, accepted_at__isnull=True).update(accepted_at=now)
    accepted_on = clock.to_local(now).date()
    scope = CASE_PROMISES.get(kind)
    rule = catalog.promise_rule(scope, on=accepted_on) if scope else None
    promised: dict[str, str | None] = {}
    for item in application.items.all():
        if rule is None:
            promised[item.service_code] = None
            continue
        due = catalog.due_date(rule, accepted_on)
        ApplicationItem.objects.filter(pk=item.pk).update(
            accepted_on=accepted_on,
            promised_date=due,
            promise_rule=rule.code,
            promise_amount=rule.amount,
            promise_unit=rule.unit,
        )
        promised[item.service_code] = due.isoformat()
    record_event(
        "applications.application_accepted",
        actor=actor,
        obj=application,
        accepted_on=accepted_on.isoformat(),
        promised=promised,
    )
    return promised


def _request_payment(
    application: Application, items: list[ApplicationItem], *, actor: Any, request: HttpRequest | None
) -> None:
    payable = [item for item in items if item.fee > 0]
    if payable:
        from exitentry.payments import services as payments

        order = payments.create_order(
            payer=application.submitted_by,
            lines=[
                (f"{application.number} {item.service.name}"[:200], item.fee, f"item:{item.pk}")
                for item in payable
            ],
            subject_type=applications.SUBJECT_TYPE,
            subject_id=application.number,
            channel=applications.payment_channel_for(application),
            idempotency_key=f"application:{application.number}",
        )
        Application.objects.filter(pk=application.pk).update(payment_order_id=order.number)
    for item in items:
        applications.request_payment(item, actor=actor, request=request)
        if item.fee == 0:
            applications.record_payment(item, actor=actor, note=gettext("No fee is due."), request=request)
            applications.start_review(item, actor=actor, request=request)


def submit_foreigner_application(
    *,
    submitted_by: User,
    form: ForeignerForm,
    idempotency_key: str | None,
    request: HttpRequest | None = None,
) -> Filed:
    """File a visa, residence permit or joint work + residence permit application (idempotent)."""
    key = applications.check_idempotency_key(idempotency_key)
    fingerprint = form.fingerprint()
    existing = _replay(submitted_by, key, fingerprint)
    if existing is not None:
        return Filed(existing, replayed=True)
    _check_filer(submitted_by, form.kind)
    check = read_passport(form.mrz)
    phone = applications.clean_phone(form.phone) if form.phone.strip() else ""
    if not phone:
        raise InvalidPhone(field="phone")
    point = foreigners_halls().filter(pk=form.service_point_id).first() if form.service_point_id else None
    if point is None:
        raise ForeignersHallRequired(field="service_point_id")
    today = clock.today()
    services = list(catalog.active_services(CASE_SERVICES[form.kind]))
    services.sort(key=lambda s: CASE_SERVICES[form.kind].index(s.code))
    if len(services) != len(CASE_SERVICES[form.kind]):
        raise UnknownKind(field="kind")
    try:
        with transaction.atomic():
            passport = register_passport(check, phone=phone, actor=submitted_by)
            person = passport.person
            if submitted_by.role == Role.APPLICANT:
                if submitted_by.person_id not in (None, person.pk):
                    raise PassportOfAnotherPerson(field="mrz")
                if submitted_by.person_id is None:
                    User.objects.filter(pk=submitted_by.pk, person__isnull=True).update(person=person)
                    submitted_by.person_id = person.pk
            if form.kind in TALENT_KINDS and not is_high_level_talent(person, today):
                raise NotHighLevelTalent(field="kind")
            open_item = (
                ApplicationItem.objects.filter(
                    person=person,
                    document_type__in=[s.document_type.code for s in services],
                    status__in=[
                        s
                        for s in ItemStatus.values
                        if s
                        not in (
                            *CLOSED_STATUSES,
                            ItemStatus.DELIVERED,
                            ItemStatus.COLLECTED,
                            ItemStatus.DRAFT,
                        )
                    ],
                )
                .select_related("application")
                .first()
            )
            if open_item is not None:
                raise AlreadyApplied(field="kind", application=open_item.application.number)
            fees = [_fee(service, today) for service in services]
            application = _insert_application(
                submitted_by,
                person,
                passport,
                phone,
                point,
                sum(fees, Decimal("0.00")),
                key=key,
                fingerprint=fingerprint,
            )
            now = clock.now()
            items = []
            for position, (service, fee) in enumerate(zip(services, fees, strict=True)):
                item = ApplicationItem.objects.create(
                    application=application,
                    person=person,
                    service=service,
                    service_code=service.code,
                    document_type=service.document_type.code,
                    reason=service.reason,
                    standard_fee=fee,
                    fee=fee,
                    status=ItemStatus.DRAFT,
                    sort_order=position,
                    updated_at=now,
                )
                lifecycle.record_creation(item, actor=submitted_by)
                items.append(item)
            case = ForeignerCase.objects.create(
                application=application,
                kind=form.kind,
                passport=passport,
                employer=submitted_by if submitted_by.role == Role.ENTERPRISE else None,
                employer_name=submitted_by.organisation.strip()[:200]
                if submitted_by.role == Role.ENTERPRISE
                else "",
                job_title=form.job_title.strip()[:100],
                purpose=form.purpose.strip()[:500],
                created_at=now,
            )
            record_event(
                "applications.application_submitted",
                actor=submitted_by,
                obj=application,
                request=request,
                after={
                    "number": application.number,
                    "services": [i.service_code for i in items],
                    "channel": application.channel,
                    "total_fee": str(application.total_fee),
                    "service_point": point.pk,
                    "foreigner_case": form.kind,
                },
            )
            for item in items:
                applications.submit_item(item, actor=submitted_by, request=request)
            _request_payment(application, items, actor=submitted_by, request=request)
            _accept(application, form.kind, actor=submitted_by)
            _notify_on_commit(case, "foreigners_submitted", {"number": application.number})
    except IntegrityError as error:
        existing = _replay(submitted_by, key, fingerprint)
        if existing is not None:
            return Filed(existing, replayed=True)
        raise AlreadyApplied(field="kind") from error
    case.refresh_from_db()
    return Filed(case, replayed=False)


# --- Reading -------------------------------------------------------------------------------------


def cases_of(user: User) -> models.QuerySet[ForeignerCase]:
    """The applications an employer filed, or a foreigner's own."""
    cases = ForeignerCase.objects.select_related("application", "application__service_point", "passport")
    if user.role == Role.ENTERPRISE:
        return cases.filter(employer=user)
    return cases.filter(models.Q(application__applicant=user) | models.Q(application__submitted_by=user))


def case_for(user: User, number: str, *, request: HttpRequest | None = None) -> ForeignerCase:
    number = numbering.normalize(number)
    case = cases_of(user).filter(application__number=number).first()
    if case is None:
        raise CaseNotFound(number=number)
    return case


def public_status(case: ForeignerCase) -> str:
    """What the foreigner and the employer see: one result, never half of one."""
    if case.outcome != Outcome.PENDING:
        return case.outcome
    statuses = [item.status for item in case.application.items.all()]
    if any(s == ItemStatus.AWAITING_PAYMENT for s in statuses):
        return "awaiting_payment"
    return "pending"


# --- Deciding ------------------------------------------------------------------------------------


def authority_of(document_type: str) -> str:
    row = ItemAuthority.objects.filter(document_type=document_type).first()
    return row.role if row is not None else Role.OFFICER


def decision_items(user: User) -> models.QuerySet[ApplicationItem]:
    """The foreigners' items this officer decides: their authority's half, at their halls."""
    require_role(user, *DECIDING_ROLES)
    items = ApplicationItem.objects.filter(application__foreigner_case__isnull=False).select_related(
        "application", "application__service_point", "application__foreigner_case", "service"
    )
    work_permit_types = list(
        ItemAuthority.objects.filter(role=Role.WORK_PERMIT_OFFICER).values_list("document_type", flat=True)
    )
    if user.role == Role.WORK_PERMIT_OFFICER:
        items = items.filter(document_type__in=work_permit_types)
    else:
        items = items.exclude(document_type__in=work_permit_types)
        scope = service_point_ids_in_scope(user)
        if scope is not None:
            items = items.filter(application__service_point_id__in=scope)
    return items.order_by(models.F("promised_date").asc(nulls_last=True), "application__submitted_at", "pk")


def decision_queue(user: User) -> list[ApplicationItem]:
    return list(
        decision_items(user).filter(status__in=OPEN_DECISION_STATUSES, half_approval__isnull=True)[:200]
    )


def recently_decided(user: User) -> list[ApplicationItem]:
    decided = decision_items(user).filter(
        ~models.Q(status__in=OPEN_DECISION_STATUSES) | models.Q(half_approval__isnull=False)
    )
    return list(decided.order_by("-updated_at", "-pk")[:20])


def item_to_decide(user: User, item_id: int, *, request: HttpRequest | None = None) -> ApplicationItem:
    item = decision_items(user).filter(pk=item_id).first()
    if item is None:
        raise ItemNotFound(item=item_id)
    record_access(user, item.application, purpose="foreigner_decision", request=request)
    return item


@dataclass(frozen=True)
class Grant:
    category: str
    valid_to: dt.date


def _check_grant(item: ApplicationItem, grant: Grant | None) -> Grant | None:
    if item.document_type != WORK_PERMIT_DOCUMENT:
        return None
    if grant is None or grant.category not in WorkPermitCategory.values or grant.valid_to <= clock.today():
        raise InvalidGrant(field="category")
    return grant


def _lock_case(application_id: int) -> ForeignerCase:
    """Decisions on one application take turns: the case row is locked for the transaction."""
    return ForeignerCase.objects.select_for_update().get(application_id=application_id)


def approve(
    user: User,
    item_id: int,
    *,
    note: str = "",
    grant: Grant | None = None,
    request: HttpRequest | None = None,
) -> ForeignerCase:
    """Approve this officer's half. Joint approval: the items move to approved together, when the
    last half is approved; until then the approval is a `HalfApproval` and the item stays under
    review (so a refusal of the other half can still close it with the shared transition table)."""
    item = item_to_decide(user, item_id, request=request)
    grant = _check_grant(item, grant)
    note = note.strip()[:1000]
    with transaction.atomic():
        case = _lock_case(item.application_id)
        current = ApplicationItem.objects.filter(pk=item.pk).values_list("status", flat=True).get()
        if current not in OPEN_DECISION_STATUSES or case.outcome != Outcome.PENDING:
            raise InvalidTransition(current=current, requested=ItemStatus.APPROVED, item=item.pk)
        try:
            with transaction.atomic():
                HalfApproval.objects.create(item=item, approved_by=user, approved_at=clock.now(), note=note)
        except IntegrityError:
            raise AlreadyDecided(item=item.pk) from None
        record_event(
            "foreigners.half_approved",
            actor=user,
            obj=case,
            request=request,
            item=item.pk,
            service=item.service_code,
            number=case.application.number,
        )
        if grant is not None:
            ForeignerCase.objects.filter(pk=case.pk).update(
                granted_category=grant.category, granted_until=grant.valid_to
            )
        items = list(ApplicationItem.objects.filter(application_id=item.application_id))
        approvals = {
            a.item_id: a for a in HalfApproval.objects.filter(item__in=items).select_related("approved_by")
        }
        if len(approvals) == len(items):
            for each in items:
                approval = approvals[each.pk]
                lifecycle.apply_transition(
                    each,
                    ItemStatus.APPROVED,
                    action="approved",
                    actor=approval.approved_by,
                    note=approval.note,
                    request=request,
                    updates={"decision_reason": approval.note},
                )
        return _settle(item.application_id, actor=user, request=request)


def refuse(user: User, item_id: int, *, reason: str, request: HttpRequest | None = None) -> ForeignerCase:
    """Refuse this officer's half: the whole application is refused, with this reason."""
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ReasonRequired(field="reason")
    item = item_to_decide(user, item_id, request=request)
    with transaction.atomic():
        _lock_case(item.application_id)
        lifecycle.apply_transition(
            item,
            ItemStatus.REJECTED,
            action="rejected",
            actor=user,
            note=reason,
            request=request,
            updates={"decision_reason": reason[:1000]},
        )
        return _settle(item.application_id, actor=user, request=request)


def _settle(application_id: int, *, actor: Any, request: HttpRequest | None) -> ForeignerCase:
    """Give the case its one result once the items allow it (inside the deciding transaction)."""
    case = ForeignerCase.objects.select_related("application").get(application_id=application_id)
    items = list(ApplicationItem.objects.filter(application_id=application_id).select_related("application"))
    refused = [item for item in items if item.status == ItemStatus.REJECTED]
    now = clock.now()
    if refused:
        reason = refused[0].decision_reason
        if (
            ForeignerCase.objects.filter(pk=case.pk, outcome=Outcome.PENDING).update(
                outcome=Outcome.REFUSED, outcome_reason=reason, decided_at=now
            )
            != 1
        ):
            return ForeignerCase.objects.get(pk=case.pk)
        for other in items:
            if other.status in OPEN_DECISION_STATUSES:
                lifecycle.apply_transition(
                    other,
                    ItemStatus.REJECTED,
                    action="rejected",
                    actor="system",
                    note=gettext("Refused together with the other half of the joint application."),
                    updates={"decision_reason": reason},
                )
        record_event(
            "foreigners.case_refused", actor=actor, obj=case, request=request, number=case.application.number
        )
    elif all(item.status == ItemStatus.APPROVED for item in items):
        if (
            ForeignerCase.objects.filter(pk=case.pk, outcome=Outcome.PENDING).update(
                outcome=Outcome.APPROVED, decided_at=now
            )
            != 1
        ):
            return ForeignerCase.objects.get(pk=case.pk)
        case.refresh_from_db()
        for item in items:
            if item.document_type == WORK_PERMIT_DOCUMENT:
                _issue_work_permit(case, item, actor=actor)
            applications.start_production(item, actor="system")
        record_event(
            "foreigners.case_approved", actor=actor, obj=case, request=request, number=case.application.number
        )
    else:
        return case
    case.refresh_from_db()
    _send_result_once(case)
    return case


def _issue_work_permit(case: ForeignerCase, item: ApplicationItem, *, actor: Any) -> WorkPermit:
    today = clock.today()
    for _attempt in range(NUMBER_ATTEMPTS):
        number = f"WP{today:%y%m%d}{secrets.randbelow(10**8):08d}"
        try:
            with transaction.atomic():
                permit = WorkPermit.objects.create(
                    number=number,
                    person=case.application.person,
                    category=case.granted_category or WorkPermitCategory.B,
                    employer_name=case.employer_name or "-",
                    employer=case.employer,
                    valid_from=today,
                    valid_to=case.granted_until or today,
                    issued_for=item,
                    created_at=clock.now(),
                )
        except IntegrityError:
            continue
        record_event("foreigners.work_permit_issued", actor=actor, obj=permit, category=permit.category)
        return permit
    raise RuntimeError("could not draw a free work permit number")


def _send_result_once(case: ForeignerCase) -> None:
    if (
        ForeignerCase.objects.filter(pk=case.pk, result_notified_at__isnull=True).update(
            result_notified_at=clock.now()
        )
        != 1
    ):
        return
    template = (
        "foreigners_result_approved" if case.outcome == Outcome.APPROVED else "foreigners_result_refused"
    )
    context = {"number": case.application.number}
    if case.outcome == Outcome.REFUSED:
        context["reason"] = case.outcome_reason
    _notify_on_commit(case, template, context)


def _notify_on_commit(case: ForeignerCase, template: str, context: dict[str, Any]) -> None:
    """One notice to the foreigner (account or record) and, when an employer filed, one to it."""
    application = case.application
    recipients: list[Any] = [application.applicant or application.person]
    if case.employer_id is not None and case.employer_id != application.applicant_id:
        recipients.append(case.employer)
    context = {**context, "url": reverse("foreigners:case", args=[application.number])}

    def send() -> None:
        from exitentry.notifications.services import notify

        for recipient in recipients:
            notify(
                recipient,
                template,
                context,
                dedupe_key=f"{template}:{application.number}:{type(recipient).__name__}:{recipient.pk}",
            )

    transaction.on_commit(send, robust=True)


# --- Port visas ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortVisaForm:
    service_point_id: int | None
    mrz: str
    reason: str
    reason_details: str = ""
    arrival: str = ""


def my_ports(user: User) -> models.QuerySet[ServicePoint]:
    require_role(user, Role.OFFICER, Role.SUPERVISOR)
    ports = port_offices()
    scope = service_point_ids_in_scope(user)
    return ports if scope is None else ports.filter(pk__in=scope)


def record_port_visa_application(
    user: User, form: PortVisaForm, *, idempotency_key: str | None, request: HttpRequest | None = None
) -> PortVisa:
    """An officer at a port visa office records a traveller's on-arrival application (idempotent)."""
    key = applications.check_idempotency_key(idempotency_key)
    point = my_ports(user).filter(pk=form.service_point_id).first() if form.service_point_id else None
    if point is None:
        raise PortRequired(field="service_point_id")
    existing = PortVisa.objects.filter(applied_by=user, idempotency_key=key).first()
    if existing is not None:
        return existing
    reason = PortVisaReason.objects.filter(code=form.reason, is_active=True).first()
    if reason is None:
        raise UnknownReason(field="reason")
    check = read_passport(form.mrz)
    try:
        with transaction.atomic():
            passport = register_passport(check, actor=user)
            visa = PortVisa.objects.create(
                service_point=point,
                passport=passport,
                reason=reason,
                reason_details=form.reason_details.strip()[:500],
                arrival=form.arrival.strip().upper()[:20],
                applied_by=user,
                idempotency_key=key,
                applied_at=clock.now(),
            )
            record_event(
                "foreigners.port_visa_applied", actor=user, obj=visa, request=request, reason=reason.code
            )
    except IntegrityError:
        existing = PortVisa.objects.filter(applied_by=user, idempotency_key=key).first()
        if existing is None:
            raise
        return existing
    return visa


def port_visa_for(user: User, visa_id: int) -> PortVisa:
    visa = (
        PortVisa.objects.filter(pk=visa_id, service_point__in=my_ports(user))
        .select_related("passport", "reason", "service_point")
        .first()
    )
    if visa is None:
        raise PortVisaNotFound(visa=visa_id)
    return visa


def port_visas_at(user: User) -> list[PortVisa]:
    return list(
        PortVisa.objects.filter(service_point__in=my_ports(user)).select_related(
            "passport", "reason", "service_point"
        )[:100]
    )


def issue_port_visa(
    user: User,
    visa_id: int,
    *,
    valid_from: dt.date | None,
    valid_until: dt.date | None,
    entries: str,
    stay_days: int | None,
    request: HttpRequest | None = None,
) -> PortVisa:
    visa = port_visa_for(user, visa_id)
    if (
        valid_from is None
        or valid_until is None
        or valid_until < valid_from
        or valid_from < clock.today()
        or entries not in PortVisaEntries.values
        or not stay_days
        or stay_days <= 0
    ):
        raise InvalidIssue(field="valid_until")
    now = clock.now()
    with transaction.atomic():
        for _attempt in range(NUMBER_ATTEMPTS):
            number = f"PV{clock.today():%y%m%d}{secrets.randbelow(10**6):06d}"
            try:
                with transaction.atomic():
                    changed = PortVisa.objects.filter(pk=visa.pk, status=PortVisaStatus.APPLIED).update(
                        status=PortVisaStatus.ISSUED,
                        number=number,
                        valid_from=valid_from,
                        valid_until=valid_until,
                        entries=entries,
                        stay_days=stay_days,
                        decided_by=user,
                        decided_at=now,
                    )
            except IntegrityError:
                continue
            break
        else:
            raise RuntimeError("could not draw a free port visa number")
        if changed != 1:
            raise PortVisaDecided(visa=visa.pk)
        record_event(
            "foreigners.port_visa_issued",
            actor=user,
            obj=visa,
            request=request,
            before={"status": PortVisaStatus.APPLIED},
            after={"status": PortVisaStatus.ISSUED, "number": number},
        )
    visa.refresh_from_db()
    return visa


def refuse_port_visa(
    user: User, visa_id: int, *, reason: str, request: HttpRequest | None = None
) -> PortVisa:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ReasonRequired(field="refusal_reason")
    visa = port_visa_for(user, visa_id)
    with transaction.atomic():
        changed = PortVisa.objects.filter(pk=visa.pk, status=PortVisaStatus.APPLIED).update(
            status=PortVisaStatus.REFUSED,
            refusal_reason=reason[:1000],
            decided_by=user,
            decided_at=clock.now(),
        )
        if changed != 1:
            raise PortVisaDecided(visa=visa.pk)
        record_event(
            "foreigners.port_visa_refused",
            actor=user,
            obj=visa,
            request=request,
            before={"status": PortVisaStatus.APPLIED},
            after={"status": PortVisaStatus.REFUSED},
        )
    visa.refresh_from_db()
    return visa


def reasons() -> list[PortVisaReason]:
    return list(PortVisaReason.objects.filter(is_active=True))


def work_permits_of(user: User) -> list[WorkPermit]:
    if user.person_id is None:
        return []
    return list(WorkPermit.objects.filter(person_id=user.person_id))


def work_permit_of_case(case: ForeignerCase) -> WorkPermit | None:
    return WorkPermit.objects.filter(issued_for__application_id=case.application_id).first()


def case_of_item(item: ApplicationItem) -> ForeignerCase:
    """The foreigner's side of an item's application (cached by select_related where loaded)."""
    case: ForeignerCase = item.application.foreigner_case
    return case


def half_approvals_of(application_id: int) -> dict[int, HalfApproval]:
    """The halves of an application approved so far, by item id."""
    rows = HalfApproval.objects.filter(item__application_id=application_id).select_related("approved_by")
    return {row.item_id: row for row in rows}
