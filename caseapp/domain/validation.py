"""Rules a record must keep, as pure functions: {field: message} for every broken rule.

Messages are sentences a person can act on: they say what is wrong and what would be right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pycountry
from rapidfuzz import process

from caseapp.domain import types as t
from caseapp.domain.substances import MOLAR_MASS_TOLERANCE, check_cas, formula_molar_mass
from caseapp.errors import ValidationError

Errors = dict[str, str]

COUNTRY_FIELDS = ("country", "nationality", "origin_country", "destination_country")
# Above this a seizure's net mass is almost surely a unit mistake (the largest reported
# precursor seizures are tens of tonnes).
ABSURD_SEIZURE_KG = Decimal("200000")
ABSURD_TABLETS = Decimal("100000000")


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _country_names() -> dict[str, str]:
    return {c.alpha_2: c.name for c in pycountry.countries}


_COUNTRIES = _country_names()


def country_name(code: str | None) -> str:
    return _COUNTRIES.get(code or "", code or "")


def all_countries() -> list[tuple[str, str]]:
    """(ISO alpha-2, name) pairs, sorted by name: for pickers."""
    return sorted(_COUNTRIES.items(), key=lambda item: item[1])


def normalize_country(value: str) -> str:
    """Accept an ISO 3166-1 alpha-2 or alpha-3 code or an English name; return alpha-2."""
    text = value.strip()
    if text.upper() in _COUNTRIES:
        return text.upper()
    try:
        found = pycountry.countries.lookup(text)
    except LookupError:
        found = None
    if found is not None:
        return str(found.alpha_2)
    guesses = process.extract(text, _COUNTRIES.values(), limit=3, score_cutoff=70)
    hint = f" Did you mean {', '.join(g[0] for g in guesses)}?" if guesses else ""
    raise ValidationError(
        f"{text!r} is not a country code (use ISO 3166-1 alpha-2, e.g. CN, MX, US).{hint}")


def normalize_countries(values: dict[str, Any]) -> Errors:
    """Normalise country fields in place; returns errors for unknown ones."""
    errors: Errors = {}
    for name in COUNTRY_FIELDS:
        if values.get(name):
            try:
                values[name] = normalize_country(values[name])
            except ValidationError as exc:
                errors[name] = exc.message
    if values.get("transit_countries"):
        codes = []
        for item in values["transit_countries"]:
            try:
                codes.append(normalize_country(item))
            except ValidationError as exc:
                errors["transit_countries"] = exc.message
        values["transit_countries"] = tuple(codes)
    return errors


def _not_future(values: Mapping[str, Any], name: str, label: str, errors: Errors) -> None:
    value = values.get(name)
    if isinstance(value, dt.date) and value > today_utc():
        errors[name] = f"{label} {value.isoformat()} is in the future."


def _ordered(values: Mapping[str, Any], first: str, second: str, errors: Errors,
             message: str) -> None:
    a, b = values.get(first), values.get(second)
    if isinstance(a, dt.date) and isinstance(b, dt.date) and b < a:
        errors[second] = message


def _non_negative(values: Mapping[str, Any], name: str, label: str, errors: Errors) -> None:
    value = values.get(name)
    if isinstance(value, Decimal) and value < 0:
        errors[name] = f"{label} cannot be negative ({value})."


def validate_case(v: Mapping[str, Any]) -> Errors:
    errors: Errors = {}
    _not_future(v, "opened_on", "Opening date", errors)
    _not_future(v, "closed_on", "Closing date", errors)
    _ordered(v, "opened_on", "closed_on", errors, "The case cannot close before it opened.")
    if v.get("status") == "closed" and not v.get("closed_on"):
        errors["closed_on"] = "A closed case needs a closing date."
    ry = v.get("route_yield")
    if isinstance(ry, Decimal) and not 0 < ry <= 1:
        errors["route_yield"] = (f"The route yield is a fraction more than 0 and at most 1 "
                                 f"(0.5 for 50 %), not {ry}.")
    return errors


def validate_substance(v: dict[str, Any]) -> Errors:
    errors: Errors = {}
    if v.get("cas"):
        try:
            v["cas"] = check_cas(v["cas"])
        except ValidationError as exc:
            errors["cas"] = exc.message
    _non_negative(v, "molar_mass", "Molar mass", errors)
    if v.get("formula") and "molar_mass" not in errors:
        try:
            computed = formula_molar_mass(v["formula"])
        except ValidationError as exc:
            errors["formula"] = exc.message
            return errors
        given = v.get("molar_mass")
        if given is None:
            v["molar_mass"] = computed
        elif abs(given - computed) > MOLAR_MASS_TOLERANCE:
            errors["molar_mass"] = (f"The molar mass {given} g/mol does not match the formula "
                                    f"{v['formula']} ({computed} g/mol); leave it blank to "
                                    "compute it from the formula.")
    return errors


def _emails(v: Mapping[str, Any], errors: Errors) -> None:
    bad = [e for e in v.get("emails") or () if "@" not in e or " " in e.strip()]
    if bad:
        errors["emails"] = f"Not an e-mail address: {', '.join(bad)}."


def validate_company(v: Mapping[str, Any]) -> Errors:
    errors: Errors = {}
    bad = [r for r in v.get("roles") or () if r not in t.COMPANY_ROLES]
    if bad:
        errors["roles"] = (f"Unknown role {', '.join(bad)}; roles are "
                           f"{', '.join(t.COMPANY_ROLES)}.")
    _emails(v, errors)
    return errors


def validate_person(v: Mapping[str, Any]) -> Errors:
    errors: Errors = {}
    _not_future(v, "date_of_birth", "Date of birth", errors)
    dob = v.get("date_of_birth")
    if isinstance(dob, dt.date) and dob.year < 1900:
        errors["date_of_birth"] = f"Date of birth {dob.isoformat()} is before 1900."
    _emails(v, errors)
    return errors


def validate_shipment(v: Mapping[str, Any]) -> Errors:
    errors: Errors = {}
    _not_future(v, "shipped_on", "Shipping date", errors)
    _ordered(v, "shipped_on", "arrived_on", errors, "A shipment cannot arrive before it left.")
    _non_negative(v, "gross_weight_kg", "Gross weight", errors)
    return errors


def validate_seizure(v: Mapping[str, Any]) -> Errors:
    from caseapp.domain.quantities import to_kg

    errors: Errors = {}
    _not_future(v, "seized_on", "Seizure date", errors)
    for name, label in (("net_quantity", "Net quantity"), ("gross_quantity", "Gross quantity"),
                        ("tablet_weight_mg", "Tablet weight"), ("density_kg_per_l", "Density")):
        _non_negative(v, name, label, errors)
    purity = v.get("purity_percent")
    if isinstance(purity, Decimal) and not 0 <= purity <= 100:
        errors["purity_percent"] = f"Purity must be between 0 and 100 % (got {purity})."
    for name, bound in (("latitude", 90), ("longitude", 180)):
        value = v.get(name)
        if isinstance(value, Decimal) and abs(value) > bound:
            errors[name] = f"{name.capitalize()} must be between -{bound} and {bound}."
    net, unit = v.get("net_quantity"), v.get("unit")
    if isinstance(net, Decimal) and net >= 0 and unit and "net_quantity" not in errors:
        if unit == "tablets" and not v.get("tablet_weight_mg"):
            if net > ABSURD_TABLETS:
                errors["net_quantity"] = f"{net} tablets is not plausible; check the count."
        else:
            kg = to_kg(net, unit, density_kg_per_l=v.get("density_kg_per_l"),
                       tablet_weight_mg=v.get("tablet_weight_mg"))
            if kg > ABSURD_SEIZURE_KG:
                errors["net_quantity"] = (
                    f"{net} {unit} is {kg:,.0f} kg, more than any plausible seizure; "
                    "check the quantity and unit.")
    return errors


def validate_link(v: Mapping[str, Any]) -> Errors:
    errors: Errors = {}
    relation = v.get("relation")
    if relation in t.RELATIONS:
        subjects, objects = t.RELATIONS[relation]
        if v.get("subject_kind") not in subjects or v.get("object_kind") not in objects:
            errors["relation"] = (
                f"'{relation}' links {' or '.join(subjects)} to {' or '.join(objects)}, "
                f"not {v.get('subject_kind')} to {v.get('object_kind')}.")
    _ordered(v, "first_seen", "last_seen", errors, "Last seen cannot be before first seen.")
    return errors


VALIDATORS: dict[str, Callable[[dict[str, Any]], Errors]] = {
    "case": validate_case,
    "substance": validate_substance,
    "company": validate_company,
    "person": validate_person,
    "shipment": validate_shipment,
    "seizure": validate_seizure,
    "link": validate_link,
}


def validate(kind: str, values: dict[str, Any]) -> Errors:
    """All broken rules of a record's (complete, parsed) values; normalises in place."""
    errors = normalize_countries(values)
    rule = VALIDATORS.get(kind)
    if rule:
        for name, message in rule(values).items():
            errors.setdefault(name, message)
    return errors
