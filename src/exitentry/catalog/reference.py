"""Reading the catalog's reference data: the CSVs in DOMAIN_DATA_DIR plus data/reference.toml.

`read_reference_data()` parses and cross-checks everything before a single row is written, so a
typo in a file fails loudly instead of loading half a catalog. `write_reference_data()` applies it
with `update_or_create` on each row's natural key, so running it again changes nothing. It works
with the live models or with a migration's historical models (`registry`).

Rows the files describe are brought back to the files' values; fields an administrator owns
(`is_active`, and `effective_to` where the files do not close a period) are only set on creation.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings

REFERENCE_TOML = Path(__file__).resolve().parent / "data" / "reference.toml"

CSV_UNITS = {
    "working days": "working_days",
    "calendar days": "calendar_days",
    "hours": "hours",
    "same day": "same_day",
}
CONDITIONS = {
    "always",
    "under_16",
    "age_16_plus",
    "out_of_province",
    "expedited",
    "existing_document",
    "business_trip",
}
LANGUAGES = ("zh-hans", "en", "ru", "ja", "ko")


class ReferenceDataError(Exception):
    """The reference files are inconsistent; the message says which file and row."""


@dataclass
class ReferenceData:
    cities: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)
    document_types: list[dict[str, Any]] = field(default_factory=list)
    endorsement_types: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    fees: list[dict[str, Any]] = field(default_factory=list)
    materials: list[dict[str, Any]] = field(default_factory=list)
    service_materials: list[dict[str, Any]] = field(default_factory=list)
    promised_times: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class LoadReport:
    created: dict[str, int]
    total: dict[str, int]

    @property
    def created_count(self) -> int:
        return sum(self.created.values())


def _date(value: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as error:
        raise ReferenceDataError(f"{where}: {value!r} is not a YYYY-MM-DD date") from error


def _holder(value: Any, where: str) -> str:
    from exitentry.catalog.models import Holder

    if value not in Holder.values:
        raise ReferenceDataError(f"{where}: holder {value!r} is not one of {', '.join(Holder.values)}")
    return str(value)


def _names(value: Any, where: str, *, required: bool = True) -> dict[str, str]:
    names = {str(k): str(v).strip() for k, v in (value or {}).items()}
    missing = [code for code in LANGUAGES if not names.get(code)]
    if (required or names) and missing:
        raise ReferenceDataError(f"{where}: text missing in {', '.join(missing)}")
    return {code: names[code] for code in LANGUAGES if code in names}


def _read_csv(name: str) -> list[dict[str, str]]:
    path = Path(settings.DOMAIN_DATA_DIR) / name
    if not path.exists():
        raise ReferenceDataError(f"{path} is missing (DOMAIN_DATA_DIR={settings.DOMAIN_DATA_DIR})")
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _unique(rows: list[dict[str, Any]], key: str, what: str) -> None:
    counts = Counter(row[key] for row in rows)
    duplicates = sorted(value for value, count in counts.items() if count > 1)
    if duplicates:
        raise ReferenceDataError(f"{what}: duplicate {key} {', '.join(duplicates)}")


def read_reference_data(toml_path: Path = REFERENCE_TOML) -> ReferenceData:
    with toml_path.open("rb") as handle:
        ref = tomllib.load(handle)
    data = ReferenceData()
    defaults = ref.get("defaults", {})

    for row in ref.get("cities", []):
        code = str(row["code"])
        if len(code) != 6 or not code.isdigit():
            raise ReferenceDataError(f"cities: {code!r} is not a 6-digit division code")
        data.cities.append(
            {
                "code": code,
                "province_code": code[:2],
                "latitude": Decimal(str(row["latitude"])),
                "longitude": Decimal(str(row["longitude"])),
                "names": _names(row.get("names"), f"cities {code}"),
            }
        )
    _unique(data.cities, "code", "cities")
    city_codes = {city["code"] for city in data.cities}

    for row in ref.get("city_lists", []):
        start = _date(row["effective_from"], f"city_lists {row['list']}")
        for code in row["cities"]:
            if code not in city_codes:
                raise ReferenceDataError(f"city_lists {row['list']}: city {code} is not in [[cities]]")
            data.memberships.append(
                {"list": row["list"], "city": code, "effective_from": start, "source": row["source"]}
            )

    for row in ref.get("document_types", []):
        data.document_types.append(
            {
                "code": row["code"],
                "sort_order": int(row.get("sort_order", 0)),
                "holder": _holder(row.get("holder", "citizen"), f"document_types {row['code']}"),
                "names": _names(row.get("names"), f"document_types {row['code']}"),
            }
        )
    _unique(data.document_types, "code", "document_types")
    document_codes = {row["code"] for row in data.document_types}

    endorsement_extra = {row["code"]: row for row in ref.get("endorsement_types", [])}
    for csv_row in _read_csv("endorsement_types.csv"):
        code = csv_row["code"]
        extra = endorsement_extra.pop(code, None)
        if extra is None:
            raise ReferenceDataError(f"endorsement_types.csv: {code} has no [[endorsement_types]] entry")
        english = csv_row["name_en"]
        names = {
            "zh-hans": csv_row["name_zh"],
            "en": english[:1].upper() + english[1:],
            **extra.get("names", {}),
        }
        for document in extra["document_types"]:
            if document not in document_codes:
                raise ReferenceDataError(f"endorsement_types {code}: unknown document type {document}")
        data.endorsement_types.append(
            {
                "code": code,
                "sort_order": int(extra.get("sort_order", 0)),
                "names": _names(names, f"endorsement_types {code}"),
                "descriptions": _names(
                    extra.get("descriptions"), f"endorsement_types {code}", required=False
                ),
                "document_types": list(extra["document_types"]),
                "entries_options": list(extra["entries"]),
                "city_list": extra.get("city_list", ""),
            }
        )
    if endorsement_extra:
        raise ReferenceDataError(
            f"[[endorsement_types]] {', '.join(endorsement_extra)} not in endorsement_types.csv"
        )
    endorsement_codes = {row["code"] for row in data.endorsement_types}

    for row in ref.get("services", []):
        code = row["code"]
        if row["document_type"] not in document_codes:
            raise ReferenceDataError(f"services {code}: unknown document type {row['document_type']}")
        endorsement = row.get("endorsement_type")
        if endorsement is not None and endorsement not in endorsement_codes:
            raise ReferenceDataError(f"services {code}: unknown endorsement type {endorsement}")
        data.services.append(
            {
                "code": code,
                "document_type": row["document_type"],
                "reason": row["reason"],
                "endorsement_type": endorsement,
                "channels": list(row["channels"]),
                "zero_visit_eligible": bool(row.get("zero_visit_eligible", False)),
                "sort_order": int(row.get("sort_order", 0)),
                "names": _names(row.get("names"), f"services {code}"),
            }
        )
    _unique(data.services, "code", "services")
    service_codes = {row["code"] for row in data.services}

    fee_map = {row["item"]: row for row in ref.get("fees", [])}
    used_items = set()
    for csv_row in _read_csv("fees.csv"):
        item = csv_row["item"]
        mapping = fee_map.get(item)
        if mapping is None:
            raise ReferenceDataError(f"fees.csv: item {item!r} has no [[fees]] entry")
        used_items.add(item)
        if "skip" in mapping:
            continue
        try:
            amount = Decimal(csv_row["fee_cny"])
        except InvalidOperation as error:
            raise ReferenceDataError(f"fees.csv {item}: {csv_row['fee_cny']!r} is not an amount") from error
        if mapping["document_type"] not in document_codes:
            raise ReferenceDataError(f"fees {mapping['code']}: unknown document type")
        data.fees.append(
            {
                "code": mapping["code"],
                "document_type": mapping["document_type"],
                "kind": mapping["kind"],
                "endorsement_type": mapping.get("endorsement_type"),
                "entries": mapping.get("entries", ""),
                "amount": amount,
                "effective_from": _date(csv_row["effective_from"], f"fees.csv {item}"),
                "source": csv_row["source"],
                "names": _names(mapping.get("names"), f"fees {mapping['code']}"),
            }
        )
    unused = set(fee_map) - used_items
    if unused:
        raise ReferenceDataError(f"[[fees]] {', '.join(sorted(unused))} match no row of fees.csv")
    _close_periods(data.fees)

    for row in ref.get("materials", []):
        verifiable = bool(row.get("verifiable_by_source", False))
        source = row.get("source", "")
        if verifiable != bool(source):
            raise ReferenceDataError(f"materials {row['code']}: a source exactly when verifiable_by_source")
        if verifiable and row.get("provided_at_hall"):
            raise ReferenceDataError(
                f"materials {row['code']}: verified with a source or made at the hall, not both"
            )
        data.materials.append(
            {
                "code": row["code"],
                "sort_order": int(row.get("sort_order", 0)),
                "verifiable_by_source": verifiable,
                "source": source,
                "provided_at_hall": bool(row.get("provided_at_hall", False)),
                "names": _names(row.get("names"), f"materials {row['code']}"),
                "descriptions": _names(row.get("descriptions"), f"materials {row['code']}", required=False),
            }
        )
    _unique(data.materials, "code", "materials")
    material_codes = {row["code"] for row in data.materials}

    start = _date(defaults["service_materials_effective_from"], "defaults")
    order: dict[str, int] = defaultdict(int)
    for row in ref.get("service_materials", []):
        if row["material"] not in material_codes:
            raise ReferenceDataError(f"service_materials: unknown material {row['material']}")
        if row["condition"] not in CONDITIONS:
            raise ReferenceDataError(
                f"service_materials {row['material']}: unknown condition {row['condition']}"
            )
        notes = _names(row.get("notes"), f"service_materials {row['material']}", required=False)
        for service in row["services"]:
            if service not in service_codes:
                raise ReferenceDataError(f"service_materials {row['material']}: unknown service {service}")
            order[service] += 1
            data.service_materials.append(
                {
                    "service": service,
                    "material": row["material"],
                    "condition": row["condition"],
                    "effective_from": start,
                    "notes": notes,
                    "sort_order": order[service] * 10,
                }
            )

    promise_map = {row["service"]: row for row in ref.get("promised_times", [])}
    used_promises = set()
    for csv_row in _read_csv("promised_times.csv"):
        text = csv_row["service"]
        mapping = promise_map.get(text)
        if mapping is None:
            raise ReferenceDataError(f"promised_times.csv: {text!r} has no [[promised_times]] entry")
        used_promises.add(text)
        unit = CSV_UNITS.get(csv_row["unit"])
        if unit is None:
            raise ReferenceDataError(f"promised_times.csv {text}: unknown unit {csv_row['unit']!r}")
        endorsement = mapping.get("endorsement_type")
        if endorsement is not None and endorsement not in endorsement_codes:
            raise ReferenceDataError(
                f"promised_times {mapping['code']}: unknown endorsement type {endorsement}"
            )
        data.promised_times.append(
            {
                "code": mapping["code"],
                "applies_to": mapping["applies_to"],
                "endorsement_type": endorsement,
                "amount": int(csv_row["promise"]),
                "unit": unit,
                "effective_from": _date(mapping["effective_from"], f"promised_times {mapping['code']}"),
                "source": csv_row["source"],
                "names": _names(mapping.get("names"), f"promised_times {mapping['code']}"),
            }
        )
    unused = set(promise_map) - used_promises
    if unused:
        raise ReferenceDataError(
            f"[[promised_times]] {', '.join(sorted(unused))} match no row of promised_times.csv"
        )
    _close_periods(data.promised_times)
    return data


def _close_periods(rows: list[dict[str, Any]]) -> None:
    """Rows of one code in date order: each ends the day before the next begins."""
    by_code: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_code[row["code"]].append(row)
    for same in by_code.values():
        same.sort(key=lambda row: row["effective_from"])
        for earlier, later in itertools.pairwise(same):
            earlier["effective_to"] = later["effective_from"] - dt.timedelta(days=1)


def _upsert(
    model: Any, lookup: dict[str, Any], values: dict[str, Any], on_create: dict[str, Any]
) -> tuple[Any, bool]:
    return model.objects.update_or_create(**lookup, defaults=values, create_defaults={**values, **on_create})


def write_reference_data(data: ReferenceData, registry: Any) -> LoadReport:
    """Apply the parsed data with the models of `registry` (django.apps.apps or a migration's)."""

    def model(name: str) -> Any:
        return registry.get_model("catalog", name)

    created: Counter[str] = Counter()
    total: Counter[str] = Counter()

    def count(kind: str, was_created: bool) -> None:
        total[kind] += 1
        created[kind] += int(was_created)

    cities = {}
    for row in data.cities:
        city, new = _upsert(
            model("City"), {"code": row["code"]}, {k: v for k, v in row.items() if k != "code"}, {}
        )
        cities[row["code"]] = city
        count("cities", new)

    for row in data.memberships:
        _obj, new = _upsert(
            model("CityListMembership"),
            {"list": row["list"], "city": cities[row["city"]], "effective_from": row["effective_from"]},
            {"source": row["source"]},
            {"effective_to": None},
        )
        count("city_list_memberships", new)

    documents = {}
    for row in data.document_types:
        document, new = _upsert(
            model("DocumentType"),
            {"code": row["code"]},
            {"names": row["names"], "sort_order": row["sort_order"], "holder": row["holder"]},
            {},
        )
        documents[row["code"]] = document
        count("document_types", new)

    endorsements = {}
    for row in data.endorsement_types:
        endorsement, new = _upsert(
            model("EndorsementType"),
            {"code": row["code"]},
            {
                "names": row["names"],
                "descriptions": row["descriptions"],
                "entries_options": row["entries_options"],
                "city_list": row["city_list"],
                "sort_order": row["sort_order"],
            },
            {},
        )
        endorsement.document_types.set([documents[code] for code in row["document_types"]])
        endorsements[row["code"]] = endorsement
        count("endorsement_types", new)

    services = {}
    for row in data.services:
        service, new = _upsert(
            model("Service"),
            {"code": row["code"]},
            {
                "names": row["names"],
                "document_type": documents[row["document_type"]],
                "reason": row["reason"],
                "endorsement_type": endorsements[row["endorsement_type"]]
                if row["endorsement_type"]
                else None,
                "channels": row["channels"],
                "zero_visit_eligible": row["zero_visit_eligible"],
                "sort_order": row["sort_order"],
            },
            {"is_active": True},
        )
        services[row["code"]] = service
        count("services", new)

    for row in data.fees:
        values = {
            "names": row["names"],
            "document_type": documents[row["document_type"]],
            "kind": row["kind"],
            "endorsement_type": endorsements[row["endorsement_type"]] if row["endorsement_type"] else None,
            "entries": row["entries"],
            "amount": row["amount"],
            "source": row["source"],
        }
        on_create: dict[str, Any] = {"effective_to": None}
        if "effective_to" in row:
            values["effective_to"] = row["effective_to"]
            on_create = {}
        _obj, new = _upsert(
            model("Fee"), {"code": row["code"], "effective_from": row["effective_from"]}, values, on_create
        )
        count("fees", new)

    materials = {}
    for row in data.materials:
        material, new = _upsert(
            model("Material"),
            {"code": row["code"]},
            {k: v for k, v in row.items() if k != "code"},
            {},
        )
        materials[row["code"]] = material
        count("materials", new)

    for row in data.service_materials:
        _obj, new = _upsert(
            model("ServiceMaterial"),
            {
                "service": services[row["service"]],
                "material": materials[row["material"]],
                "condition": row["condition"],
                "effective_from": row["effective_from"],
            },
            {"notes": row["notes"], "sort_order": row["sort_order"]},
            {"effective_to": None},
        )
        count("service_materials", new)

    for row in data.promised_times:
        values = {
            "names": row["names"],
            "applies_to": row["applies_to"],
            "endorsement_type": endorsements[row["endorsement_type"]] if row["endorsement_type"] else None,
            "amount": row["amount"],
            "unit": row["unit"],
            "source": row["source"],
        }
        on_create = {"effective_to": None}
        if "effective_to" in row:
            values["effective_to"] = row["effective_to"]
            on_create = {}
        _obj, new = _upsert(
            model("PromisedTimeRule"),
            {"code": row["code"], "effective_from": row["effective_from"]},
            values,
            on_create,
        )
        count("promised_time_rules", new)

    return LoadReport(created=dict(created), total=dict(total))
