"""The person's visit at a kiosk, kept server-side in the session and wiped when it ends.

Nothing personal is stored in the browser: the session cookie is only a key, every kiosk page is
sent with `Cache-Control: no-store`, and ending the visit (the person presses "Finish", or the
device's idle timeout passes) flushes the session and sends `Clear-Site-Data`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest

from exitentry.core import clock
from exitentry.core.masking import mask_id_number
from exitentry.kiosk.adapters import CardData
from exitentry.kiosk.services import FormFacts

KEY = "kiosk_visit"
DEVICE_COOKIE = "exitentry_kiosk_device"
DEVICE_COOKIE_SALT = "exitentry.kiosk.device"


def data(request: HttpRequest) -> dict[str, Any]:
    visit: dict[str, Any] = request.session.get(KEY) or {}
    return visit


def save(request: HttpRequest, **changes: Any) -> None:
    visit = {**data(request), **changes}
    request.session[KEY] = visit


def touch(request: HttpRequest) -> None:
    save(request, last_seen=clock.now().isoformat())


def idle_too_long(request: HttpRequest, idle_timeout_seconds: int) -> bool:
    last_seen = data(request).get("last_seen")
    if not last_seen:
        return False
    seen = dt.datetime.fromisoformat(last_seen)
    return (clock.now() - seen).total_seconds() > idle_timeout_seconds


def wipe(request: HttpRequest) -> None:
    request.session.flush()


def store_card(request: HttpRequest, card: CardData, person_id: int | None) -> None:
    save(
        request,
        card={
            "full_name": card.full_name,
            "sex": card.sex,
            "ethnicity": card.ethnicity,
            "birth_date": card.birth_date.isoformat(),
            "address": card.address,
            "id_number": card.id_number,
            "masked_id_number": mask_id_number(card.id_number),
        },
        person_id=person_id,
    )


def form_facts(request: HttpRequest) -> FormFacts | None:
    visit = data(request)
    card = visit.get("card")
    passport = visit.get("passport") or {}
    if card is None and not passport:
        return None
    card = card or {}
    return FormFacts(
        full_name=card.get("full_name", "") or passport.get("latin_name", ""),
        sex=card.get("sex", "") or passport.get("sex", ""),
        ethnicity=card.get("ethnicity", ""),
        birth_date=dt.date.fromisoformat(card["birth_date"])
        if card.get("birth_date")
        else (dt.date.fromisoformat(passport["birth_date"]) if passport.get("birth_date") else None),
        address=card.get("address", ""),
        id_number=card.get("id_number", ""),
        passport_number=passport.get("number", ""),
        passport_expiry=dt.date.fromisoformat(passport["expiry"]) if passport.get("expiry") else None,
        latin_name=passport.get("latin_name", ""),
    )
