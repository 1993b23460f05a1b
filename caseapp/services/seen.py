"""Seen before: other cases where a record, or one of its normalised identifiers, appears.

The look-up reads the `match_keys` index (db/match_index.py): the keys of the record, then
every other live record with one of those keys, then the cases those records belong to (a
company or person through its party records, a shipment through its case). A shared company
that is itself a party to another case is listed too (matched on "record").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseapp.db.models import Case, Party, table_of
from caseapp.domain.matching import ID_WEIGHTS, NAME_KEY_SCORE
from caseapp.errors import ValidationError

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

SEEN_KINDS = ("company", "person", "shipment")
NAME_COLUMN = {"company": "name", "person": "full_name", "shipment": "ref"}
CHUNK = 500


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def cases_of(session: Session, kind: str, uids: list[str]) -> dict[str, list[str]]:
    """uid -> the uids of the cases a live record belongs to."""
    out: dict[str, list[str]] = defaultdict(list)
    for part in _chunks(uids):
        if kind == "shipment":
            t = table_of("shipment")
            rows = session.execute(select(t.c.uid, t.c.case_uid).where(
                t.c.uid.in_(part), t.c.deleted_at.is_(None)))
        else:
            rows = session.execute(select(Party.party_uid, Party.case_uid).where(
                Party.party_uid.in_(part), Party.deleted_at.is_(None)))
        for uid, case_uid in rows:
            out[uid].append(case_uid)
    return out


def names_of(session: Session, kind: str, uids: list[str]) -> dict[str, str]:
    t = table_of(kind)
    out: dict[str, str] = {}
    for part in _chunks(uids):
        out.update({r[0]: r[1] for r in session.execute(
            select(t.c.uid, t.c[NAME_COLUMN[kind]]).where(t.c.uid.in_(part)))})
    return out


def case_refs(session: Session, uids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(uids))
    out: dict[str, str] = {}
    for part in _chunks(wanted):
        out.update({r[0]: r[1] for r in session.execute(
            select(Case.uid, Case.ref).where(Case.uid.in_(part), Case.deleted_at.is_(None)))})
    return out


def _score(feature: str) -> float:
    if feature == "decision":
        return 1.0
    return NAME_KEY_SCORE if feature == "name" else ID_WEIGHTS.get(feature, 0.9)


_MATCHES = """
SELECT a.uid, b.kind, b.uid, b.feature, b.value FROM match_keys a
  JOIN match_keys b ON b.value = a.value AND b.feature = a.feature AND b.uid <> a.uid
 WHERE a.uid IN ({q})
UNION ALL
SELECT d.a_uid, d.subject_kind, d.b_uid, 'decision', 'same' FROM decisions d
 WHERE d.a_uid IN ({q}) AND d.verdict = 'same' AND d.deleted_at IS NULL
   AND d.subject_kind = ?
UNION ALL
SELECT d.b_uid, d.subject_kind, d.a_uid, 'decision', 'same' FROM decisions d
 WHERE d.b_uid IN ({q}) AND d.verdict = 'same' AND d.deleted_at IS NULL
   AND d.subject_kind = ?"""
# The live cases and the name of each record: one statement for every kind.
_WHERE = """
SELECT p.party_uid, p.case_uid, c.ref, coalesce(co.name, pe.full_name)
  FROM parties p JOIN cases c ON c.uid = p.case_uid AND c.deleted_at IS NULL
  LEFT JOIN companies co ON co.uid = p.party_uid
  LEFT JOIN persons pe ON pe.uid = p.party_uid
 WHERE p.party_uid IN ({q}) AND p.deleted_at IS NULL
UNION ALL
SELECT s.uid, s.case_uid, c.ref, s.ref
  FROM shipments s JOIN cases c ON c.uid = s.case_uid AND c.deleted_at IS NULL
 WHERE s.uid IN ({q}) AND s.deleted_at IS NULL"""


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def seen_in(session: Session, kind: str, uids: list[str],
            exclude_case: str | None) -> dict[str, list[dict[str, Any]]]:
    """uid -> where else each record (of `kind`) is seen, best match first.

    Three driver-level statements per chunk of records (matches and decisions; the cases and
    names of every record involved): the look-up is on the hot path of every table page."""
    conn = session.connection()
    hits: dict[str, dict[tuple[str, str], tuple[str, str]]] = defaultdict(dict)
    for part in _chunks(uids):
        q = _marks(len(part))
        rows = conn.exec_driver_sql(_MATCHES.format(q=q), (*part, *part, kind, *part, kind))
        for uid, other_kind, other, feature, value in rows:
            best = hits[uid].get((other_kind, other))
            if best is None or _score(feature) > _score(best[0]):
                hits[uid][(other_kind, other)] = (feature, value)
    involved = sorted({*uids, *(o for found in hits.values() for _k, o in found)})
    cases: dict[str, list[tuple[str, str]]] = defaultdict(list)   # uid -> [(case uid, ref)]
    names: dict[str, str] = {}
    for part in _chunks(involved):
        q = _marks(len(part))
        for uid, case_uid, ref, name in conn.exec_driver_sql(_WHERE.format(q=q),
                                                             (*part, *part)):
            cases[uid].append((case_uid, ref))
            names[uid] = name
    if kind == "shipment":
        missing = [u for u in uids if u not in names]
        names.update(names_of(session, kind, missing) if missing else {})
    out: dict[str, list[dict[str, Any]]] = {}
    for uid in uids:
        entries: list[dict[str, Any]] = []
        if exclude_case is not None and kind != "shipment":
            for case_uid, ref in cases.get(uid, ()):
                if case_uid != exclude_case:
                    entries.append({"case": ref, "kind": kind, "uid": uid,
                                    "name": names.get(uid), "matched_on": "record",
                                    "value": None, "score": 1.0})
        for (other_kind, other), (feature, value) in hits.get(uid, {}).items():
            for case_uid, ref in cases.get(other, ()):
                if case_uid == exclude_case:
                    continue
                entries.append({"case": ref, "kind": other_kind, "uid": other,
                                "name": names.get(other), "matched_on": feature,
                                "value": value, "score": _score(feature)})
        entries.sort(key=lambda e: (-e["score"], e["case"], e["name"] or ""))
        out[uid] = entries
    return out


class SeenService:
    """`caseapp seen` and the seen-before badges."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def seen(self, kind: str, key: str, case: str | None = None) -> dict[str, Any]:
        """`{"record": {...}, "seen_in": [...]}` for one company, person or shipment."""
        from caseapp.services.json_out import record_json

        if kind not in SEEN_KINDS:
            raise ValidationError(f"Seen before works for {', '.join(SEEN_KINDS)}, "
                                  f"not {kind!r}.")
        service = self.ws.service(kind)
        with self.ws.db.read() as s:
            case_uid = self.ws.cases.case_uid_in(s, case) if case else None
            uid = service.resolve_in(s, key, case_uid)
            record = service.get_in(s, uid)
            if kind == "shipment":
                case_uid = record.case_uid
            found = seen_in(s, kind, [uid], case_uid)[uid]
            refs = case_refs(s, [case_uid] if case_uid else [])
        doc = record_json(record)
        doc["kind"] = kind
        if case_uid:
            doc["case"] = refs.get(case_uid)
        return {"record": doc, "seen_in": found}

    def for_case(self, case_uid: str, records: dict[str, list[str]]
                 ) -> dict[str, list[dict[str, Any]]]:
        """uid -> seen_in for the companies, persons and shipments of a case."""
        out: dict[str, list[dict[str, Any]]] = {}
        with self.ws.db.read() as s:
            for kind, uids in records.items():
                out.update(seen_in(s, kind, uids, case_uid))
        return out

    def badges(self, kind: str, uids: list[str], case_uid: str | None) -> dict[str, str]:
        """uid -> "also seen in ..." for the records of a table page seen in other cases."""
        if kind not in SEEN_KINDS or not uids:
            return {}
        from caseapp.domain.matching import seen_line

        with self.ws.db.read() as s:
            found = seen_in(s, kind, uids, case_uid)
        return {uid: seen_line(entries) for uid, entries in found.items() if entries}
