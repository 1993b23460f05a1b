"""A case as a STIX 2.1 bundle (docs/interchange.md, "STIX 2.1", has the mapping field by field).

Companies and persons become Identity objects, countries and seizure places Location objects,
links Relationship objects (the Admiralty grading kept in a property extension and as
`confidence`), notes Note objects and the case a Grouping. STIX has no seizure, shipment or
substance: they are objects of new types declared by caseapp's Extension Definition. Every
id is a UUIDv5 of the record's uid, so a partner's platform updates what it already holds
instead of adding a copy; objects are sorted and keys sorted, so exporting an unchanged case
again writes the same bytes. Deleted records are not exported.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pycountry

from caseapp.domain.records import Record, spec_map
from caseapp.progress import CancelToken, ProgressCallback, no_progress
from caseapp.reports.data import CaseDetail
from caseapp.services.interchange import (
    ExportResult,
    bytes_writer,
    case_with_link_ends,
    json_document,
    write_export,
)

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

# caseapp's namespace for STIX ids (a UUIDv5 of a fixed name: never change it, or every id
# a partner holds changes).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:caseapp:stix")
# For objects whose content never changes (caseapp's identity, its extension definition,
# country locations): a fixed time, so their versions never change either.
FIXED_TIME = "2026-01-01T00:00:00.000Z"
SEIZURE, SHIPMENT, SUBSTANCE = "x-caseapp-seizure", "x-caseapp-shipment", "x-caseapp-substance"
NEW_TYPES = {"seizure": SEIZURE, "shipment": SHIPMENT, "substance": SUBSTANCE}
# STIX 2.1 Appendix A: the Admiralty credibility scale as `confidence` (6: not stated).
CONFIDENCE = {"1": 90, "2": 70, "3": 50, "4": 30, "5": 10}


def stix_id(stix_type: str, key: str) -> str:
    """The deterministic id of the object of `stix_type` made from `key` (a record uid)."""
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, f'{stix_type}:{key}')}"


CASEAPP_IDENTITY = stix_id("identity", "caseapp")
EXTENSION = stix_id("extension-definition", "caseapp-1")


def _extension_definition() -> dict[str, Any]:
    return {
        "type": "extension-definition", "spec_version": "2.1", "id": EXTENSION,
        "created_by_ref": CASEAPP_IDENTITY, "created": FIXED_TIME, "modified": FIXED_TIME,
        "name": "caseapp case records",
        "description": ("Seizures, shipments and substances of a caseapp case (new object "
                        "types), and the caseapp fields of identities, relationships, "
                        "locations and the case grouping (property extension)."),
        "schema": ("caseapp docs/interchange.md, section 'STIX 2.1': every property is a field "
                   "of caseapp's data model under its own name; references end in _ref."),
        "version": "1.0.0", "extension_types": ["new-sdo", "property-extension"],
    }


def _caseapp_identity() -> dict[str, Any]:
    return {"type": "identity", "spec_version": "2.1", "id": CASEAPP_IDENTITY,
            "created": FIXED_TIME, "modified": FIXED_TIME, "name": "caseapp",
            "identity_class": "system",
            "description": "Case management for fentanyl-precursor trafficking investigations."}


def _time(value: str | None) -> str:
    """A record timestamp as STIX writes it (UTC, milliseconds, Z)."""
    stamp = dt.datetime.fromisoformat((value or FIXED_TIME).replace("Z", "+00:00"))
    stamp = stamp.astimezone(dt.UTC) if stamp.tzinfo else stamp
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def _day(value: dt.date) -> str:
    return value.isoformat() + "T00:00:00Z"


def fields_of(record: Record, refs: dict[str, str], skip: Iterable[str] = ()) -> dict[str, Any]:
    """The record's fields as JSON values, without empty ones (STIX forbids empty lists);
    a reference field `name` becomes `name_ref` holding the STIX id in `refs`."""
    out: dict[str, Any] = {}
    for name, spec in spec_map(record.KIND).items():
        value = spec.to_json(getattr(record, name))
        if name in skip or name in ("case_uid", "deleted_at") or value in (None, "", []):
            continue
        if spec.type == "ref":
            if value in refs:
                out[f"{name}_ref"] = refs[value]
            continue
        out[name] = value
    return out


@dataclass
class _Bundle:
    """The objects being assembled, by id, and the STIX id of each exported record uid."""

    detail: CaseDetail
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def add(self, obj: dict[str, Any]) -> str:
        self.objects[obj["id"]] = obj
        return str(obj["id"])

    def sdo(self, stix_type: str, record: Record, **props: Any) -> dict[str, Any]:
        created = _time(record.created_at)
        modified = max(created, _time(record.updated_at))
        obj = {"type": stix_type, "spec_version": "2.1", "id": stix_id(stix_type, record.uid),
               "created": created, "modified": modified, **props}
        self.ids[record.uid] = obj["id"]
        return obj

    def country(self, code: str | None) -> str | None:
        """The id of the Location of a country (ISO 3166-1 alpha-2), added once."""
        if not code:
            return None
        country = pycountry.countries.get(alpha_2=code.upper())
        obj = {"type": "location", "spec_version": "2.1",
               "id": stix_id("location", f"country:{code.upper()}"),
               "created": FIXED_TIME, "modified": FIXED_TIME,
               "name": country.name if country else code.upper(), "country": code.upper()}
        return self.add(obj)

    def located_at(self, source: str, code: str | None) -> None:
        target = self.country(code)
        if target:
            self.add({"type": "relationship", "spec_version": "2.1",
                      "id": stix_id("relationship", f"located-at:{source}:{target}"),
                      "created": self.objects[source]["created"],
                      "modified": self.objects[source]["modified"],
                      "relationship_type": "located-at", "source_ref": source,
                      "target_ref": target})


def _ext(props: dict[str, Any]) -> dict[str, Any]:
    return {"extensions": {EXTENSION: {"extension_type": "property-extension", **props}}}


def _new_sdo() -> dict[str, Any]:
    return {"extensions": {EXTENSION: {"extension_type": "new-sdo"}}}


def _contact(r: Any) -> str | None:
    lines = [r.address, r.city if hasattr(r, "city") else None,
             *getattr(r, "emails", ()), *getattr(r, "phones", ()),
             getattr(r, "website", None)]
    text = "\n".join(str(x) for x in lines if x)
    return text or None


def _parties(b: _Bundle) -> None:
    for company in b.detail.companies:
        props: dict[str, Any] = {"name": company.name, "identity_class": "organization"}
        contact = _contact(company)
        if company.notes:
            props["description"] = company.notes
        if contact:
            props["contact_information"] = contact
        obj = b.sdo("identity", company, **props, **_ext(fields_of(company, {})))
        b.add(obj)
        b.located_at(obj["id"], company.country)
    for person in b.detail.persons:
        props = {"name": person.full_name, "identity_class": "individual"}
        if person.notes:
            props["description"] = person.notes
        contact = "\n".join([*person.emails, *person.phones])
        if contact:
            props["contact_information"] = contact
        b.add(b.sdo("identity", person, **props, **_ext(fields_of(person, {}))))


def _goods(b: _Bundle) -> None:
    for sub in sorted(b.detail.substances.values(), key=lambda s: s.uid):
        b.add(b.sdo(SUBSTANCE, sub, **fields_of(sub, {}), **_new_sdo()))
    for sh in b.detail.shipments:
        obj = b.sdo(SHIPMENT, sh, **fields_of(sh, b.ids), **_new_sdo())
        countries = [sh.origin_country, *sh.transit_countries, sh.destination_country]
        refs = [c for c in (b.country(code) for code in countries) if c]
        if refs:
            obj["location_refs"] = sorted(set(refs))
        b.add(obj)
    for sz in b.detail.seizures:
        obj = b.sdo(SEIZURE, sz, **fields_of(sz, b.ids), **_new_sdo())
        place = _place(b, sz)
        if place:
            obj["location_ref"] = place
        b.add(obj)


def _place(b: _Bundle, sz: Any) -> str | None:
    """The Location of a seizure: its place, country and coordinates (STIX needs a country,
    a region or both coordinates; without them the place stays on the seizure only)."""
    props: dict[str, Any] = {}
    if sz.country:
        props["country"] = sz.country.upper()
    if sz.latitude is not None and sz.longitude is not None:
        props["latitude"], props["longitude"] = float(sz.latitude), float(sz.longitude)
    if not props:
        return None
    if sz.place:
        props["name"] = sz.place
    obj = {"type": "location", "spec_version": "2.1", "id": stix_id("location", sz.uid),
           "created": _time(sz.created_at),
           "modified": max(_time(sz.created_at), _time(sz.updated_at)), **props}
    return b.add(obj)


def _links(b: _Bundle) -> None:
    for link in b.detail.links:
        source, target = b.ids.get(link.subject), b.ids.get(link.object)
        if source is None or target is None:
            continue  # an end that is deleted (or not in this case): nothing to point at
        props: dict[str, Any] = {"relationship_type": link.relation.replace("_", "-"),
                                 "source_ref": source, "target_ref": target}
        if link.evidence:
            props["description"] = link.evidence
        if link.first_seen:
            props["start_time"] = _day(link.first_seen)
        if link.last_seen and (not link.first_seen or link.last_seen >= link.first_seen):
            # last_seen is a day: the relationship held until that day ended.
            props["stop_time"] = _day(link.last_seen + dt.timedelta(days=1))
        if link.info_credibility in CONFIDENCE:
            props["confidence"] = CONFIDENCE[link.info_credibility]
        skip = ("subject", "object")
        b.add(b.sdo("relationship", link, **props, **_ext(fields_of(link, {}, skip))))


def _notes(b: _Bundle, group: str) -> None:
    for note in b.detail.notes:
        target = b.ids.get(note.target_uid or "") or group
        props: dict[str, Any] = {"content": note.body, "object_refs": [target]}
        if note.author:
            props["authors"] = [note.author]
        b.add(b.sdo("note", note, **props,
                    **_ext(fields_of(note, {}, ("body", "author", "target_uid")))))


def _mark(b: _Bundle, handling: str | None) -> None:
    """The case's handling marking as a statement Marking Definition on every case object."""
    if not handling:
        return
    marking = stix_id("marking-definition", f"statement:{handling}")
    for obj in b.objects.values():
        if obj["id"] not in (CASEAPP_IDENTITY, EXTENSION):
            obj["object_marking_refs"] = [marking]
    b.add({"type": "marking-definition", "spec_version": "2.1", "id": marking,
           "created": FIXED_TIME, "name": handling, "definition_type": "statement",
           "definition": {"statement": handling}})


def stix_bundle(detail: CaseDetail) -> dict[str, Any]:
    """The STIX 2.1 bundle of a case (plain dicts, sorted by id)."""
    b = _Bundle(detail)
    b.add(_caseapp_identity())
    b.add(_extension_definition())
    _parties(b)
    _goods(b)
    _links(b)
    case = detail.case
    group = stix_id("grouping", case.uid)
    _notes(b, group)
    refs = sorted(i for i in b.objects if i not in (CASEAPP_IDENTITY, EXTENSION))
    grouping = b.sdo("grouping", case, name=f"{case.ref}: {case.title}",
                     context="suspicious-activity", object_refs=refs or [CASEAPP_IDENTITY],
                     **_ext(fields_of(case, {}, ("summary",))))
    if case.summary:
        grouping["description"] = case.summary
    b.add(grouping)
    _mark(b, case.handling)
    return {"type": "bundle", "id": stix_id("bundle", case.uid),
            "objects": [b.objects[i] for i in sorted(b.objects)]}


class StixExportService:
    """`caseapp export-stix`: a case as a STIX 2.1 bundle, with an audit entry."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def export(self, case: str, out: Path | str, *, progress: ProgressCallback = no_progress,
               cancel: CancelToken | None = None) -> ExportResult:
        """Write the case `case` (ref or uid) as a STIX 2.1 bundle to `out`.

        Raises NotFoundError (no such case), Cancelled, CaseAppError (cannot write)."""
        progress(0, 2, "reading the case")
        detail = self.ws.cases.show(case)
        bundle = stix_bundle(case_with_link_ends(self.ws, detail))
        progress(1, 2, "writing STIX")
        count = len(bundle["objects"])
        data = json_document(bundle)
        result = write_export(self.ws, out, fmt="stix", kind="case", case_uid=detail.case.uid,
                              what=lambda n: f"case {detail.case.ref} ({n} STIX objects)",
                              write=bytes_writer(data, count), cancel=cancel)
        progress(2, 2, "writing STIX")
        return result
