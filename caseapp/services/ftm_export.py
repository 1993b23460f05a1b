"""A case as FollowTheMoney entities, one JSON object per line (docs/interchange.md,
"FollowTheMoney", has the mapping field by field).

Companies become Company (with an Address and, when sanctioned, a Sanction), persons Person,
shipments EconomicActivity (a customs declaration), seizures Event, and links between
companies and persons Directorship, Employment, Ownership or UnknownLink. FtM has no schema
for a substance, and an EconomicActivity cannot be the end of a link, so links that touch a
substance or a shipment (and the shipment and seizure fields FtM has no property for) are
written as "field: value" lines in the `description` of the entity they start from: nothing
is dropped. The followthemoney library is not needed here (it needs PyICU, pitfalls.md 10);
the tests build every entity with it and check that it keeps every value.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caseapp.domain.fields import decimal_text
from caseapp.domain.records import (
    CompanyRecord,
    LinkRecord,
    PersonRecord,
    Record,
    SeizureRecord,
    ShipmentRecord,
    spec_map,
)
from caseapp.progress import CancelToken, ProgressCallback, no_progress
from caseapp.reports.data import CaseDetail
from caseapp.services.interchange import (
    ExportResult,
    bytes_writer,
    case_with_link_ends,
    json_lines,
    write_export,
)

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:caseapp:ftm")
Entity = dict[str, Any]
# Links between companies and persons that FtM has an interval schema for:
# relation -> (schema, property of the subject, property of the object, role).
EDGES: dict[str, tuple[str, str, str, str | None]] = {
    "officer_of": ("Directorship", "director", "organization", "officer"),
    "employee_of": ("Employment", "employee", "employer", None),
    "owns": ("Ownership", "owner", "asset", None),
}
LEGAL_ENTITIES = ("company", "person")
# Shipment links that name a sender or a receiver of the declaration.
SHIPMENT_PARTIES = {"shipped": "sender", "received": "receiver"}


def ftm_id(kind: str, uid: str) -> str:
    """The deterministic id of the entity made from the record `uid` of `kind`."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{uid}"))


def _entity(schema: str, entity_id: str, props: dict[str, list[str]]) -> Entity:
    return {"id": entity_id, "schema": schema,
            "properties": {k: v for k, v in props.items() if v}}


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _one(value: Any) -> list[str]:
    return [] if value in (None, "", ()) else [_text(value)]


def _country(code: str | None) -> list[str]:
    return [code.lower()] if code else []


class _Builder:
    """The entities of one case, and a readable name for every record it names."""

    def __init__(self, detail: CaseDetail) -> None:
        self.detail = detail
        self.entities: dict[str, Entity] = {}
        self.lines: dict[str, list[str]] = {}  # entity id -> description lines
        self.ids: dict[str, str] = {}          # record uid -> entity id

    def add(self, entity: Entity) -> None:
        self.entities[entity["id"]] = entity

    def name(self, kind: str, uid: str) -> str:
        return self.detail.name_of(kind, uid)

    def field_lines(self, record: Record, names: Iterable[str]) -> list[str]:
        """"field: value" lines for fields FtM has no property for (references by name)."""
        out = []
        specs = spec_map(record.KIND)
        for name in names:
            value = getattr(record, name)
            if value in (None, "", ()):
                continue
            if specs[name].type == "ref" and specs[name].ref:
                value = self.name(specs[name].ref or "", value)
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            out.append(f"{name}: {_text(value)}")
        return out


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"(?:{_LABEL}\.)+[A-Za-z]{{2,63}}"
_EMAIL = re.compile(rf"[A-Za-z0-9._%+-]+@{_DOMAIN}")
_URL = re.compile(rf"https?://{_DOMAIN}(?:[/?#][!-~]*)?")  # a port: a description line


def _valid_phone(text: str) -> bool:
    """FtM's own test (followthemoney/types/phone.py): an international number that
    phonenumbers holds valid."""
    import phonenumbers

    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(text, None)))
    except phonenumbers.NumberParseException:
        return False


# FtM drops a value its type refuses (pitfalls.md 11): only values that pass these stricter
# tests go into a typed property; the others become a "field: value" line of the description.
TYPED: dict[str, tuple[str, Callable[[str], bool]]] = {
    "emails": ("email", lambda v: _EMAIL.fullmatch(v) is not None),
    "phones": ("phone", _valid_phone),
    "website": ("website", lambda v: _URL.fullmatch(v) is not None),
}


def _contacts(b: _Builder, eid: str, record: Record, names: Iterable[str]
              ) -> dict[str, list[str]]:
    """The typed FtM properties of a record's contact fields. When FtM would refuse a value
    of a field, a line "field: every value; in order" keeps them all."""
    props: dict[str, list[str]] = {}
    for name in names:
        value = getattr(record, name)
        values = [value] if isinstance(value, str) else list(value or ())
        prop, ok = TYPED[name]
        props[prop] = [v for v in values if ok(v)]
        if len(props[prop]) < len(values):  # the line lists them all, in their order
            b.lines.setdefault(eid, []).append(f"{name}: {'; '.join(values)}")
    return props


def _company(b: _Builder, c: CompanyRecord) -> None:
    eid = b.ids[c.uid] = ftm_id("company", c.uid)
    props: dict[str, list[str]] = {
        "name": [c.name, *_one(c.name_original)], "alias": list(c.aliases),
        "country": _country(c.country), "registrationNumber": _one(c.registration_no),
        "classification": list(c.roles), "notes": _one(c.notes),
        "topics": ["sanction"] if c.sanctioned else [],
        **_contacts(b, eid, c, ("website", "emails", "phones"))}
    if c.address or c.city:
        address = ftm_id("address", c.uid)
        full = ", ".join(x for x in (c.address, c.city) if x)
        b.add(_entity("Address", address, {"full": [full], "street": _one(c.address),
                                           "city": _one(c.city), "country": _country(c.country)}))
        props["address"], props["addressEntity"] = [full], [address]
    if c.sanctions_note:
        b.add(_entity("Sanction", ftm_id("sanction", c.uid),
                      {"entity": [eid], "reason": [c.sanctions_note]}))
    b.add(_entity("Company", eid, props))


def _person(b: _Builder, p: PersonRecord) -> None:
    eid = b.ids[p.uid] = ftm_id("person", p.uid)
    b.add(_entity("Person", eid, {
        "name": [p.full_name], "alias": list(p.aliases), "nationality": _country(p.nationality),
        "birthDate": _one(p.date_of_birth), "position": _one(p.role_note),
        "notes": _one(p.notes), **_contacts(b, eid, p, ("emails", "phones"))}))


def _shipment(b: _Builder, s: ShipmentRecord) -> None:
    eid = b.ids[s.uid] = ftm_id("shipment", s.uid)
    parties = {"sender": [s.shipper], "receiver": [s.consignee]}
    for link in b.detail.links:
        if link.object == s.uid and link.relation in SHIPMENT_PARTIES:
            parties[SHIPMENT_PARTIES[link.relation]].append(link.subject)
    b.lines.setdefault(eid, []).extend(b.field_lines(s, ("tracking_no", "mode", "carrier", "transit_countries",
                                     "gross_weight_kg", "status")))
    b.add(_entity("EconomicActivity", eid, {
        "recordId": [s.ref], "goodsDescription": _one(s.declared_description),
        "vedCode": _one(s.declared_hs_code), "originCountry": _country(s.origin_country),
        "destinationCountry": _country(s.destination_country),
        "startDate": _one(s.shipped_on), "endDate": _one(s.arrived_on),
        "summary": _one(s.notes),
        **{prop: sorted({b.ids[u] for u in uids if u and u in b.ids})
           for prop, uids in parties.items()}}))


def _seizure(b: _Builder, s: SeizureRecord) -> None:
    eid = b.ids[s.uid] = ftm_id("seizure", s.uid)
    b.lines.setdefault(eid, []).extend(b.field_lines(s, (
        "substance", "form", "net_quantity", "unit", "gross_quantity", "density_kg_per_l",
        "tablet_weight_mg", "purity_percent", "lab_confirmed", "lab_ref", "shipment",
        "agency", "latitude", "longitude", "concealment")))
    b.add(_entity("Event", eid, {
        "name": [f"Seizure {s.exhibit_ref}"], "recordId": [s.exhibit_ref],
        "date": _one(s.seized_on), "location": _one(s.place), "country": _country(s.country),
        "notes": _one(s.notes)}))


def _grading(link: LinkRecord) -> list[str]:
    if not (link.source_reliability or link.info_credibility):
        return []
    return [f"Admiralty grading: source reliability {link.source_reliability or '-'}, "
            f"information credibility {link.info_credibility or '-'}"]


def _link(b: _Builder, link: LinkRecord) -> None:
    subject, obj = b.ids.get(link.subject), b.ids.get(link.object)
    if subject is None or obj is None:
        return  # an end that is deleted: nothing to point at
    both = link.subject_kind in LEGAL_ENTITIES and link.object_kind in LEGAL_ENTITIES
    dates = {"startDate": _one(link.first_seen), "endDate": _one(link.last_seen),
             "description": _one(link.evidence), "summary": _grading(link)}
    edge = EDGES.get(link.relation)
    if both and edge and link.subject_kind == "person":
        schema, from_prop, to_prop, role = edge
        b.add(_entity(schema, ftm_id("link", link.uid), {
            from_prop: [subject], to_prop: [obj], "role": _one(role), **dates}))
    elif both:
        b.add(_entity("UnknownLink", ftm_id("link", link.uid), {
            "subject": [subject], "object": [obj], "role": [link.relation], **dates}))
    elif not (link.object_kind == "shipment" and link.relation in SHIPMENT_PARTIES):
        # No FtM schema joins these ends: a line on the entity the link starts from.
        grading = "".join(f"; {g}" for g in _grading(link))
        seen = " to ".join(x.isoformat() for x in (link.first_seen, link.last_seen) if x)
        b.lines.setdefault(subject, []).append(
            f"link: {link.relation} {b.name(link.object_kind, link.object)} "
            f"({link.object_kind}){grading}" + (f"; seen {seen}" if seen else "")
            + (f"; evidence: {link.evidence}" if link.evidence else ""))
    else:
        # shipped/received: the company is a sender/receiver of the declaration; the
        # grading and evidence of the link go on the declaration.
        b.lines.setdefault(obj, []).append(
            f"link: {b.name(link.subject_kind, link.subject)} ({link.subject_kind}) "
            f"{link.relation} it" + "".join(f"; {g}" for g in _grading(link))
            + (f"; evidence: {link.evidence}" if link.evidence else ""))


def ftm_entities(detail: CaseDetail) -> list[Entity]:
    """The FtM entities of a case, sorted by id (plain dicts: id, schema, properties)."""
    b = _Builder(detail)
    for company in detail.companies:
        _company(b, company)
    for person in detail.persons:
        _person(b, person)
    for sub in detail.substances.values():
        b.ids.setdefault(sub.uid, ftm_id("substance", sub.uid))  # named in lines only
    for shipment in detail.shipments:
        _shipment(b, shipment)
    for seizure in detail.seizures:
        _seizure(b, seizure)
    for link in detail.links:
        _link(b, link)
    for eid, lines in b.lines.items():
        if lines and eid in b.entities:
            b.entities[eid]["properties"]["description"] = ["\n".join(lines)]
    return [b.entities[i] for i in sorted(b.entities)]


class FtmExportService:
    """`caseapp export-ftm`: a case as FollowTheMoney entities, with an audit entry."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def export(self, case: str, out: Path | str, *, progress: ProgressCallback = no_progress,
               cancel: CancelToken | None = None) -> ExportResult:
        """Write the case `case` (ref or uid) as FtM entities, one per line, to `out`.

        Raises NotFoundError (no such case), Cancelled, CaseAppError (cannot write)."""
        progress(0, 2, "reading the case")
        detail = case_with_link_ends(self.ws, self.ws.cases.show(case))
        entities = ftm_entities(detail)
        data = json_lines(entities)
        progress(1, 2, "writing FollowTheMoney")
        result = write_export(self.ws, out, fmt="ftm", kind="case", case_uid=detail.case.uid,
                              what=lambda n: f"case {detail.case.ref} ({n} FtM entities)",
                              write=bytes_writer(data, len(entities)), cancel=cancel)
        progress(2, 2, "writing FollowTheMoney")
        return result

