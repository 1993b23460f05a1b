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

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from caseapp.db.models import Case, Decision, MatchKey, Party, table_of
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


def seen_in(session: Session, kind: str, uids: list[str],
            exclude_case: str | None) -> dict[str, list[dict[str, Any]]]:
    """uid -> where else each record (of `kind`) is seen, best match first."""
    a, b = aliased(MatchKey), aliased(MatchKey)
    hits: dict[str, dict[tuple[str, str], tuple[str, str]]] = defaultdict(dict)
    for part in _chunks(uids):
        rows = session.execute(
            select(a.uid, b.kind, b.uid, b.feature, b.value)
            .join(b, and_(b.value == a.value, b.feature == a.feature, b.uid != a.uid))
            .where(a.uid.in_(part)))
        for uid, other_kind, other, feature, value in rows:
            best = hits[uid].get((other_kind, other))
            if best is None or _score(feature) > _score(best[0]):
                hits[uid][(other_kind, other)] = (feature, value)
    if kind != "shipment":  # records an analyst decided are the same entity (services/dedup)
        same = session.execute(select(Decision.a_uid, Decision.b_uid).where(
            Decision.verdict == "same", Decision.deleted_at.is_(None),
            Decision.subject_kind == kind,
            or_(Decision.a_uid.in_(uids), Decision.b_uid.in_(uids)))).all()
        wanted = set(uids)
        for x, y in same:
            for uid, other in ((x, y), (y, x)):
                if uid in wanted:
                    hits[uid][(kind, other)] = ("decision", "same")
    others: dict[str, set[str]] = defaultdict(set)
    for found in hits.values():
        for other_kind, other in found:
            others[other_kind].add(other)
    own_cases = cases_of(session, kind, uids) if kind != "shipment" else {}
    cases: dict[str, list[str]] = dict(own_cases)
    names: dict[tuple[str, str], str] = {(kind, u): n for u, n in
                                         names_of(session, kind, uids).items()}
    for other_kind, other_uids in others.items():
        cases.update(cases_of(session, other_kind, sorted(other_uids)))
        names.update({(other_kind, u): n for u, n in
                      names_of(session, other_kind, sorted(other_uids)).items()})
    refs = case_refs(session, (c for cs in cases.values() for c in cs))
    out: dict[str, list[dict[str, Any]]] = {}
    for uid in uids:
        entries: list[dict[str, Any]] = []
        if exclude_case is not None:
            for case_uid in own_cases.get(uid, ()):
                if case_uid != exclude_case and case_uid in refs:
                    entries.append({"case": refs[case_uid], "kind": kind, "uid": uid,
                                    "name": names.get((kind, uid)), "matched_on": "record",
                                    "value": None, "score": 1.0})
        for (other_kind, other), (feature, value) in hits.get(uid, {}).items():
            for case_uid in cases.get(other, ()):
                if case_uid == exclude_case or case_uid not in refs:
                    continue
                entries.append({"case": refs[case_uid], "kind": other_kind, "uid": other,
                                "name": names.get((other_kind, other)), "matched_on": feature,
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
