"""Loading the transit policy data: used by the data migration and safe to run again.

Sources:
- `DOMAIN_DATA_DIR/transit_visa_free.csv`: eligible nationalities with the date each joined.
- `data/places.csv`: countries and regions with their names in five languages (Hong Kong, Macao
  and Taiwan are regions that count as "third" for the onward ticket, per service_rules.md).
- `data/ports.csv`: designated ports with time zone and permitted stay region. National
  Immigration Administration announcement of 17 December 2024 on relaxing visa-free transit
  (240 hours, 60 ports in 24 provinces; 65 ports as of 2025 per service_rules.md). This file
  holds the ports the province's travellers use most; the others are added in the admin.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings

DATA_DIR = Path(__file__).resolve().parent / "data"
LANGUAGES = ("zh-hans", "en", "ru", "ja", "ko")
NATIONALITY_SOURCE = "transit_visa_free.csv (NIA announcement 2024-12-17; later additions as dated)"
PORT_SOURCE = "NIA announcement 2024-12-17 on the 240-hour visa-free transit policy"
# NIA announcement of 17 December 2024 (国家移民管理局关于全面放宽优化过境免签政策的公告): stays of up
# to 240 hours; "停留时间从入境次日零时起计算" (the stay is counted from 00:00 of the day after entry).
POLICY = {
    "effective_from": dt.date(2024, 12, 17),
    "stay_hours": 240,
    "clock_start": "next_day_midnight",
    "source": "NIA announcement 2024-12-17: 240 hours, counted from 00:00 of the day after entry",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_reference_data(registry: Any = None) -> None:
    if registry is None:
        from django.apps import apps as registry
    Place = registry.get_model("transit", "Place")
    EligibleNationality = registry.get_model("transit", "EligibleNationality")
    EntryPort = registry.get_model("transit", "EntryPort")
    TransitPolicy = registry.get_model("transit", "TransitPolicy")

    places = {}
    for row in _rows(DATA_DIR / "places.csv"):
        places[row["iso3"]], _created = Place.objects.update_or_create(
            iso3=row["iso3"], defaults={"kind": row["kind"], "names": {code: row[code] for code in LANGUAGES}}
        )
    for row in _rows(Path(settings.DOMAIN_DATA_DIR) / "transit_visa_free.csv"):
        place = places.get(row["iso3"])
        if place is None:
            raise ValueError(f"transit_visa_free.csv: {row['iso3']} has no names in data/places.csv")
        EligibleNationality.objects.get_or_create(
            place=place,
            effective_from=dt.date.fromisoformat(row["since"]),
            defaults={"source": NATIONALITY_SOURCE},
        )
    for row in _rows(DATA_DIR / "ports.csv"):
        EntryPort.objects.update_or_create(
            code=row["code"],
            effective_from=dt.date.fromisoformat(row["effective_from"]),
            defaults={
                "kind": row["kind"],
                "time_zone": row["time_zone"],
                "names": {code: row[f"name_{code}"] for code in LANGUAGES},
                "stay_region": {code: row[f"region_{code}"] for code in LANGUAGES},
                "source": PORT_SOURCE,
            },
        )
    TransitPolicy.objects.get_or_create(
        scheme="visa_free_transit", effective_from=POLICY["effective_from"], defaults=POLICY
    )
