"""Exit-entry record certificates: issue one for a person's own crossings, verify one by its code.

A certificate freezes what it prints (name, masked ID number, period, crossings) as JSON with
its SHA-256, under a random 16-character code. Verification shows that stored content only,
after checking the hash, so the page never reveals more than the paper does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.audit.services import record_event
from exitentry.core import clock
from exitentry.core.counters import increment
from exitentry.core.errors import InvalidInput, NotFound, Throttled
from exitentry.core.masking import mask_id_number
from exitentry.records.models import Certificate, CertificateChannel, TravelRecord

# Crockford's base32 without I, L, O, U: nothing to misread when typing it from paper.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 80 random bits


class InvalidPeriod(InvalidInput):
    code = "invalid_period"
    default_message = _("The period must start on or before its end, and not end in the future.")


class NoPersonOnRecord(NotFound):
    code = "no_person_on_record"
    default_message = _("Your account is not linked to a person on record.")


class CertificateNotFound(NotFound):
    code = "certificate_not_found"
    default_message = _("No certificate has this verification code.")


class VerificationThrottled(Throttled):
    code = "verification_throttled"
    default_message = _("Too many verification attempts. Please wait a minute and try again.")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date


def mask_printed_document_number(number: str) -> str:
    """`E12345678` → `*****5678`: only the last four characters are printed."""
    number = number.strip()
    return "*" * max(0, len(number) - 4) + number[-4:]


def format_code(code: str) -> str:
    """`ABCD1234EFGH5678` → `ABCD-1234-EFGH-5678`, as printed."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str) -> str:
    """What a person typed, as stored: upper case, no spaces or dashes, O read as 0, I and L as 1."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return cleaned.translate(str.maketrans("OIL", "011"))


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def crossings(person: Any, period: Period) -> list[TravelRecord]:
    return list(
        TravelRecord.objects.filter(person=person, crossed_on__gte=period.start, crossed_on__lte=period.end)
        .select_related("port")
        .order_by("crossed_on", "id")
    )


def _content(person: Any, period: Period, records: list[TravelRecord], issued_on: dt.date) -> dict[str, Any]:
    return {
        "name": person.full_name,
        "id_number_masked": mask_id_number(person.id_number),
        "period_from": period.start.isoformat(),
        "period_to": period.end.isoformat(),
        "issued_on": issued_on.isoformat(),
        "crossings": [
            {
                "date": record.crossed_on.isoformat(),
                "direction": record.direction,
                "port": record.port.code,
                "port_names": record.port.names,
                "document_type": record.document_type,
                "document_number_masked": mask_printed_document_number(record.document_number),
            }
            for record in records
        ],
    }


def issue_record_certificate(
    person: Any,
    *,
    period: Period,
    channel: str = CertificateChannel.WEB,
    issued_by: Any = None,
    request: HttpRequest | None = None,
) -> Certificate:
    """Freeze `person`'s crossings in `period` into a certificate with a fresh verification code."""
    if person is None:
        raise NoPersonOnRecord()
    today = clock.today()
    if period.start > period.end or period.end > today:
        raise InvalidPeriod(period_from=period.start.isoformat(), period_to=period.end.isoformat())
    content = _content(person, period, crossings(person, period), today)
    user = issued_by if getattr(issued_by, "is_authenticated", False) else None
    with transaction.atomic():
        certificate = Certificate.objects.create(
            code="".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)),
            person=person,
            period_from=period.start,
            period_to=period.end,
            channel=channel,
            issued_at=clock.now(),
            issued_by=user,
            content=content,
            content_hash=content_hash(content),
        )
        record_event(
            "records.certificate_issued",
            actor=user or channel,
            obj=certificate,
            request=request,
            after={"crossings": len(content["crossings"]), "channel": channel},
        )
    return certificate


def _check_verification_rate(request: HttpRequest | None) -> None:
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    if not address:
        return
    minute = int(clock.now().timestamp() // 60)
    if increment(f"records:verify:{address}:{minute}", expires_in=120) > settings.RECORDS_VERIFY_PER_MINUTE:
        raise VerificationThrottled(limit_per_minute=settings.RECORDS_VERIFY_PER_MINUTE)


def verify_certificate(code: str, *, request: HttpRequest | None = None) -> Certificate:
    """The certificate with this code, its content checked against the stored hash.

    An unknown code and a certificate whose content no longer matches its hash answer the same
    404; every attempt counts towards the caller's rate limit.
    """
    _check_verification_rate(request)
    normalised = normalise_code(code)
    certificate = (
        Certificate.objects.filter(code=normalised).first() if len(normalised) == CODE_LENGTH else None
    )
    if certificate is None or content_hash(certificate.content) != certificate.content_hash:
        raise CertificateNotFound()
    return certificate


def verify_url(certificate: Certificate, base_url: str | None = None) -> str:
    base = (base_url or settings.RECORDS_PUBLIC_BASE_URL).rstrip("/")
    return f"{base}/verify/?code={format_code(certificate.code)}"
