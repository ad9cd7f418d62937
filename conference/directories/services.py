"""Loading and reading reference data."""

import csv
from pathlib import Path

from babel import Locale
from sqlalchemy import select

from conference.extensions import db

from .models import Country, FederalDistrict, FederalSubject, OrganizationType

DATA_DIR = Path(__file__).parent / "data"

# Babel's territory list also holds continents, unions and reserved codes: none of them is a country to live in.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "DG", "EA", "IC", "TA", "CQ"}


def _read_csv(name: str) -> list[dict]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def babel_countries() -> list[dict]:
    russian, english = Locale("ru").territories, Locale("en").territories
    return [
        {"code": code, "name_ru": russian[code], "name_en": english[code]}
        for code in sorted(english)
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES and code != "RU" and code in russian
    ]


def _insert_missing(model, rows: list[dict], build) -> int:
    """Adds the rows whose code is not there yet; rows an organizer has edited stay as they are."""
    existing = set(db.session.scalars(select(model.code)))
    added = 0
    for order, row in enumerate(rows):
        if row["code"] not in existing:
            db.session.add(build(row, order))
            added += 1
    db.session.flush()
    return added


def load_reference_data() -> dict[str, int]:
    counts = {
        "federal_districts": _insert_missing(
            FederalDistrict,
            _read_csv("federal_districts.csv"),
            lambda row, order: FederalDistrict(sort_order=order, **row),
        )
    }
    district_ids = {code: id_ for code, id_ in db.session.execute(select(FederalDistrict.code, FederalDistrict.id))}

    def build_subject(row: dict, order: int) -> FederalSubject:
        return FederalSubject(
            code=row["code"],
            iso_code=row["iso_code"] or None,
            name_ru=row["name_ru"],
            name_en=row["name_en"],
            kind=row["kind"],
            district_id=district_ids[row["district"]],
            capital_ru=row["capital_ru"],
            capital_genitive_ru=row["capital_genitive_ru"],
            capital_en=row["capital_en"],
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
            sort_order=order,
        )

    counts["federal_subjects"] = _insert_missing(
        FederalSubject, _read_csv("federal_subjects.csv"), build_subject
    )
    counts["countries"] = _insert_missing(Country, babel_countries(), lambda row, order: Country(**row))
    counts["organization_types"] = _insert_missing(
        OrganizationType,
        _read_csv("organization_types.csv"),
        lambda row, order: OrganizationType(sort_order=order, **row),
    )
    db.session.flush()
    return counts


# Choices for forms: plain (id, name) pairs in the page's language, read with one light query each, because the
# region list alone has 89 entries and sits on every registration form and participant list.

def _name(model, language: str):
    return model.name_en if language == "en" else model.name_ru


def district_choices(language: str) -> list[tuple[int, str]]:
    query = select(FederalDistrict.id, _name(FederalDistrict, language)).order_by(FederalDistrict.sort_order)
    return [(row_id, name) for row_id, name in db.session.execute(query)]


def region_choice_groups(language: str) -> dict[str, list[tuple[int, str]]]:
    """Federal subjects grouped by federal district, districts in their order, subjects by name."""
    subject_name = _name(FederalSubject, language)
    query = (
        select(_name(FederalDistrict, language), FederalSubject.id, subject_name)
        .join(FederalDistrict, FederalSubject.district_id == FederalDistrict.id)
        .order_by(FederalDistrict.sort_order, subject_name)
    )
    groups: dict[str, list[tuple[int, str]]] = {}
    for district, subject_id, name in db.session.execute(query):
        groups.setdefault(district, []).append((subject_id, name))
    return groups


def country_choices(language: str) -> list[tuple[int, str]]:
    name = _name(Country, language)
    return [(row_id, label) for row_id, label in db.session.execute(select(Country.id, name).order_by(name))]


def organization_type_choices(language: str, include_inactive: bool = False) -> list[tuple[int, str]]:
    query = select(OrganizationType.id, _name(OrganizationType, language)).order_by(
        OrganizationType.sort_order, OrganizationType.name_ru
    )
    if not include_inactive:
        query = query.where(OrganizationType.is_active)
    return [(row_id, name) for row_id, name in db.session.execute(query)]
