"""Registering what an item issued in the person's identity record, at hand-over or delivery.

Called inside the transaction that moves the item to `collected` or `delivered`, so the item's
final state and the person's record change together or not at all:

- a passport or permit item registers a new `HeldDocument` (number, issue date, expiry from the
  `DocumentValidityRule` in force for the holder's age) through
  `identity.services.register_held_document`, which retires the previous valid one of that kind;
- an endorsement item adds its code to the permit it goes on: the new permit issued by the same
  application if there is one (added when that permit is registered, whichever is handed over
  first), otherwise the person's valid permit.

A rerun does nothing: an item that already has an `issued_document` is skipped.

Foreigners' documents (catalog `DocumentType.holder` = foreigner: visas, residence and work
permits) are not held documents of a citizen's record: the foreigners app records what it issues
(the work permit on approval), so for them nothing is registered here and None is returned.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.applications.models import ApplicationItem, DocumentValidityRule, ItemStatus
from exitentry.catalog.models import DocumentType, Holder
from exitentry.core import clock
from exitentry.core.errors import Conflict
from exitentry.identity.models import HeldDocument, HeldDocumentStatus
from exitentry.identity.services import (
    DocumentNumberTaken,
    register_held_document,
    update_held_document,
)

# The letter document numbers of each kind begin with (the format, not a policy).
NUMBER_PREFIX = {"passport": "E", "hk_macau_permit": "C", "taiwan_permit": "L"}
NUMBER_ATTEMPTS = 8
ISSUED_STATUSES = (ItemStatus.COLLECTED, ItemStatus.DELIVERED)


class NoValidityRule(Conflict):
    code = "no_validity_rule"
    default_message = _("No validity rule is in force for this document and the holder's age.")


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def validity_years(document_type: str, age: int, on: dt.date) -> int:
    rule = (
        DocumentValidityRule.objects.filter(
            document_type=document_type, min_age__lte=age, effective_from__lte=on
        )
        .filter(Q(max_age__isnull=True) | Q(max_age__gt=age))
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from", "-min_age")
        .first()
    )
    if rule is None:
        raise NoValidityRule(document_type=document_type, age=age)
    return rule.validity_years


def expiry(issued_on: dt.date, years: int) -> dt.date:
    """The last valid day: the day before the same date `years` later (29 Feb → 28 Feb)."""
    try:
        anniversary = issued_on.replace(year=issued_on.year + years)
    except ValueError:
        anniversary = issued_on.replace(year=issued_on.year + years, day=28)
    return anniversary - dt.timedelta(days=1)


def is_foreigners_document(document_type: str) -> bool:
    return DocumentType.objects.filter(code=document_type, holder=Holder.FOREIGNER).exists()


def _endorsements_to_carry(item: ApplicationItem) -> list[str]:
    """Endorsements of the same application for this document, already handed over."""
    return sorted(
        set(
            ApplicationItem.objects.filter(
                application_id=item.application_id,
                document_type=item.document_type,
                status__in=ISSUED_STATUSES,
            )
            .exclude(endorsement_type="")
            .values_list("endorsement_type", flat=True)
        )
    )


def _issue_document(item: ApplicationItem, *, actor: Any, request: HttpRequest | None) -> HeldDocument:
    person = item.person
    today = clock.today()
    years = validity_years(item.document_type, age_on(person.birth_date, today), today)
    carried = _endorsements_to_carry(item)
    prefix = NUMBER_PREFIX.get(item.document_type, "X")
    for attempt in range(NUMBER_ATTEMPTS):
        document = HeldDocument(
            person=person,
            document_type=item.document_type,
            number=f"{prefix}{secrets.randbelow(10**8):08d}",
            issued_on=today,
            expires_on=expiry(today, years),
            status=HeldDocumentStatus.VALID,
            endorsements=carried,
        )
        try:
            register_held_document(document, actor=actor, request=request)
        except DocumentNumberTaken:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
            continue
        break
    # Endorsement items handed over earlier now point at the permit they are on.
    ApplicationItem.objects.filter(
        application_id=item.application_id,
        document_type=item.document_type,
        status__in=ISSUED_STATUSES,
        issued_document__isnull=True,
    ).exclude(endorsement_type="").update(issued_document=document)
    return document


def _endorse(item: ApplicationItem, *, actor: Any, request: HttpRequest | None) -> HeldDocument | None:
    sibling = (
        ApplicationItem.objects.filter(
            application_id=item.application_id, document_type=item.document_type, endorsement_type=""
        )
        .exclude(status__in=(ItemStatus.WITHDRAWN, ItemStatus.REJECTED, ItemStatus.EXPIRED))
        .first()
    )
    if sibling is not None and sibling.issued_document_id is None:
        return None  # the new permit is not out yet: the endorsement is carried onto it then
    permit: HeldDocument | None
    if sibling is not None:
        permit = HeldDocument.objects.select_for_update().filter(pk=sibling.issued_document_id or 0).first()
    else:
        permit = (
            HeldDocument.objects.select_for_update()
            .filter(
                person_id=item.person_id, document_type=item.document_type, status=HeldDocumentStatus.VALID
            )
            .first()
        )
    if permit is None:
        return None
    if item.endorsement_type not in permit.endorsements:
        permit.endorsements = sorted({*permit.endorsements, item.endorsement_type})
        update_held_document(permit, actor=actor, changed_fields=["endorsements"], request=request)
    return permit


def register_issued(
    item: ApplicationItem, *, actor: Any, request: HttpRequest | None = None
) -> HeldDocument | None:
    """Record in identity what `item` (now collected or delivered) issued; idempotent."""
    with transaction.atomic():
        item = ApplicationItem.objects.select_for_update().select_related("person").get(pk=item.pk)
        if item.issued_document_id is not None:
            return item.issued_document
        if item.status not in ISSUED_STATUSES or is_foreigners_document(item.document_type):
            return None
        if item.endorsement_type:
            document = _endorse(item, actor=actor, request=request)
        else:
            document = _issue_document(item, actor=actor, request=request)
        if document is not None:
            ApplicationItem.objects.filter(pk=item.pk).update(issued_document=document)
        return document
