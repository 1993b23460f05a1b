"""`caseapp import-ftm`: companies and persons from FollowTheMoney entities (one JSON object
per line, as Aleph, OpenSanctions and `export-ftm` write them) into a case.

Each Company, Organization or LegalEntity becomes a row of the `companies` CSV template and
each Person a row of `persons`, and the rows go through the CSV import's own path
(`CsvImporter.import_rows_in`): the same validation, the same duplicate rules (a company or
person already present with the same values is skipped, with other values is an error), one
unit of work for the whole file, all or nothing. Address and Sanction entities fill in the
address, city and sanctions note of the company they name; other schemata are counted and
skipped. docs/interchange.md gives the mapping.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caseapp.domain.types import COMPANY_ROLES
from caseapp.errors import ValidationError
from caseapp.progress import CancelToken, ProgressCallback, no_progress
from caseapp.services.importing import CsvImporter, RowError, raise_row_errors, read_text

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

COMPANY_SCHEMATA = ("Company", "Organization", "LegalEntity")
Entity = dict[str, Any]


@dataclass(frozen=True)
class FtmImportResult:
    entities: int
    companies_created: int
    persons_created: int
    duplicates: int
    skipped: int  # entities of other schemata


def _values(entity: Entity, prop: str) -> list[str]:
    values = entity.get("properties", {}).get(prop, [])
    return [str(v) for v in values if isinstance(v, str | int | float) and str(v).strip()]


def _first(entity: Entity, *props: str) -> str | None:
    for prop in props:
        values = _values(entity, prop)
        if values:
            return values[0]
    return None


def _latin(text: str) -> bool:
    return all(not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in text)


def _names(entity: Entity) -> tuple[str | None, str | None, list[str]]:
    """(name, name in its original script, aliases): the first name is the name; the first
    other name not in Latin script is the original-script name; the rest are aliases."""
    names = _values(entity, "name")
    if not names:
        return None, None, _values(entity, "alias")
    original = next((n for n in names[1:] if not _latin(n)), None)
    rest = [n for n in names[1:] if n != original]
    aliases = [*_values(entity, "alias"), *rest, *_values(entity, "weakAlias"),
               *_values(entity, "previousName")]
    return names[0], original, list(dict.fromkeys(aliases))


def _contact(entity: Entity, name: str, prop: str) -> list[str]:
    """A contact field: the description line export-ftm writes when FtM would refuse one of
    its values ("phones: a; b", every value in order: ftm_export.TYPED), else the property."""
    for text in _values(entity, "description"):
        for line in text.splitlines():
            if line.startswith(f"{name}: "):
                return [v.strip() for v in line[len(name) + 2:].split(";") if v.strip()]
    return _values(entity, prop)


def _upper(code: str | None) -> str | None:
    return code.upper() if code else None


def _iso_date(text: str | None) -> bool:
    return bool(text) and len(text or "") == 10 and (text or "")[4] == "-"


class FtmImporter:
    """Reads an FtM file and imports its companies and persons into a case, all or none."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def import_file(self, path: Path | str, case: str, *,
                    progress: ProgressCallback = no_progress,
                    cancel: CancelToken | None = None) -> FtmImportResult:
        """Import the companies and persons of `path` into `case`; raises ValidationError
        (unreadable file, bad entities: every one listed) or NotFoundError, changing nothing."""
        path = Path(path)
        entities = read_entities(path)
        by_id = {e["id"]: e for _line, e in entities if isinstance(e.get("id"), str)}
        companies: list[tuple[int, dict[str, Any] | RowError]] = []
        persons: list[tuple[int, dict[str, Any] | RowError]] = []
        for line, entity in entities:
            schema = entity.get("schema")
            if schema in COMPANY_SCHEMATA:
                companies.append((line, self._company(entity, entities, by_id)))
            elif schema == "Person":
                persons.append((line, self._person(entity)))
        importer = CsvImporter(self.ws)
        errors: list[RowError] = []
        with self.ws.unit() as uow:
            case_uid = self.ws.cases.case_uid_in(uow.session, case)
            made_c, dup_c = importer.import_rows_in(uow, "companies", companies, case_uid,
                                                    errors, progress=progress, cancel=cancel)
            made_p, dup_p = importer.import_rows_in(uow, "persons", persons, case_uid, errors,
                                                    progress=progress, cancel=cancel)
            errors.sort(key=lambda e: e.line)
            raise_row_errors(path.name, errors, len(entities))
            result = FtmImportResult(len(entities), made_c, made_p, dup_c + dup_p,
                                     len(entities) - len(companies) - len(persons))
            uow.audit("import", case_uid=case_uid, changes={
                "format": "ftm", "file": str(path.resolve()), "records": made_c + made_p},
                detail=(f"import-ftm {path.name}: {result.entities} entities, "
                        f"{made_c} companies and {made_p} persons created, "
                        f"{result.duplicates} already present, {result.skipped} of other "
                        "schemata skipped"))
        return result

    @staticmethod
    def _company(entity: Entity, entities: list[tuple[int, Entity]],
                 by_id: dict[str, Entity]) -> dict[str, Any]:
        name, original, aliases = _names(entity)
        row: dict[str, Any] = {"name": name or "", "name_original": original,
                               "aliases": aliases,
                               "country": _upper(_first(entity, "country", "jurisdiction",
                                                        "mainCountry")),
                               "registration_no": _first(entity, "registrationNumber",
                                                         "idNumber"),
                               "website": next(iter(_contact(entity, "website", "website")),
                                               None),
                               "emails": _contact(entity, "emails", "email"),
                               "phones": _contact(entity, "phones", "phone")}
        roles = _values(entity, "classification")
        row["roles"] = [r for r in roles if r in COMPANY_ROLES]
        notes = _values(entity, "notes")
        notes += [f"classification: {r}" for r in roles if r not in COMPANY_ROLES]
        row["notes"] = "\n\n".join(notes) or None
        address = by_id.get(_first(entity, "addressEntity") or "")
        if address is not None and address.get("schema") == "Address":
            row["address"] = _first(address, "street", "full")
            row["city"] = _first(address, "city")
        else:
            row["address"] = _first(entity, "address")
        row["sanctioned"] = "sanction" in _values(entity, "topics")
        reasons = [r for _line, e in entities if e.get("schema") == "Sanction"
                   and entity.get("id") in _values(e, "entity") for r in _values(e, "reason")]
        row["sanctions_note"] = "\n".join(reasons) or None
        return {k: v for k, v in row.items() if v not in (None, "", [])} | {
            "name": name or "", "sanctioned": row["sanctioned"]}

    @staticmethod
    def _person(entity: Entity) -> dict[str, Any]:
        name, original, aliases = _names(entity)
        born = _first(entity, "birthDate")
        notes = _values(entity, "notes")
        if born and not _iso_date(born):
            notes.append(f"birthDate: {born}")  # a year or a month: caseapp keeps full dates
        row: dict[str, Any] = {
            "full_name": name or "", "aliases": [*([original] if original else []), *aliases],
            "nationality": _upper(_first(entity, "nationality", "citizenship", "country")),
            "date_of_birth": born if _iso_date(born) else None,
            "role_note": _first(entity, "position"),
            "emails": _contact(entity, "emails", "email"),
            "phones": _contact(entity, "phones", "phone"),
            "notes": "\n\n".join(notes) or None}
        return {k: v for k, v in row.items() if v not in (None, "", [])} | {
            "full_name": name or ""}


def read_entities(path: Path) -> list[tuple[int, Entity]]:
    """The entities of an FtM file with the line each is on; ValidationError for a file
    that is not FtM JSON lines (naming the line)."""
    text = read_text(path)
    out: list[tuple[int, Entity]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entity = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"{path.name}, line {number}: not JSON ({exc.msg}); "
                                  "an FtM file holds one entity (a JSON object) per line; "
                                  "nothing was imported.") from None
        if (not isinstance(entity, dict) or not isinstance(entity.get("schema"), str)
                or not isinstance(entity.get("properties", {}), dict)):
            raise ValidationError(f"{path.name}, line {number}: not an FtM entity (an object "
                                  "with schema and properties); nothing was imported.")
        out.append((number, entity))
    if not out:
        raise ValidationError(f"{path.name} holds no entities.")
    return out
