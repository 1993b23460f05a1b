"""Possible duplicates (companies, persons) and the analyst's decisions on them.

Candidates come from a blocking index built for the run: every record's rare name words,
trade-name key and identifier keys; two records sharing one are scored (domain/matching.py
`compare`) and proposed at or above the threshold, best first, each with its explanation.
A decision is a record (`decision`, one per pair: its uid is fixed by the pair, so two
laptops deciding the same pair make one record that merges like any edit); "different" and
"same" keep the pair from being proposed again, "same" also joins the two in seen-before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from caseapp.db.models import Decision, Party, table_of
from caseapp.domain.matching import THRESHOLD, Entity, Match, compare, entity_of
from caseapp.domain.names import company_parts, person_parts
from caseapp.domain.records import DecisionRecord
from caseapp.errors import ValidationError
from caseapp.services.records import RecordService
from caseapp.services.seen import case_refs, cases_of
from caseapp.sync.ids import reference_uid

if TYPE_CHECKING:
    from caseapp.db.changelog import UnitOfWork
    from caseapp.services.workspace import Workspace

DEDUP_KINDS = ("company", "person")
VERDICTS = ("same", "different", "unsure")
MAX_BLOCK = 75           # a blocking key shared by more records than this says too little
NAME_COLUMN = {"company": "name", "person": "full_name"}


@dataclass(frozen=True)
class Candidate:
    kind: str
    a: str
    b: str
    match: Match


def pair_uid(kind: str, a: str, b: str) -> str:
    """The decision record's uid for a pair (order-free)."""
    x, y = sorted((a, b))
    return reference_uid("decision", f"{kind}:{x}:{y}")


def blocking_keys(entity: Entity) -> set[str]:
    """Keys two records must share to be compared at all."""
    out = {f"{f}:{v}" for f, v in entity.keys}
    for name in entity.names:
        parts = company_parts(name) if entity.kind == "company" else person_parts(name)
        out.add("key:" + parts.key)
        out.update("w:" + w for w in parts.trade if len(w) >= 3)
    return out


class DecisionService(RecordService[DecisionRecord]):
    kind = "decision"
    case_scoped = True
    default_sort = "updated_at"


class DedupService:
    """`caseapp dedup` and `caseapp decide`."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    # --- decisions -----------------------------------------------------------------------
    def decisions(self, kind: str) -> dict[tuple[str, str], str]:
        """(a, b) sorted -> verdict of the live decisions on pairs of `kind`."""
        with self.ws.db.read() as s:
            rows = s.execute(select(Decision.a_uid, Decision.b_uid, Decision.verdict).where(
                Decision.subject_kind == kind, Decision.deleted_at.is_(None))).all()
        return {tuple(sorted((a, b))): v for a, b, v in rows}  # type: ignore[misc]

    def decide(self, kind: str, key1: str, key2: str, verdict: str,
               note: str | None = None) -> dict[str, Any]:
        """Record (or change) the decision on a pair; returns it as JSON."""
        if kind not in DEDUP_KINDS:
            raise ValidationError(f"Decisions are on companies or persons, not {kind!r}.")
        if verdict not in VERDICTS:
            raise ValidationError(f"{verdict!r} is not a decision; use same, different or "
                                  "unsure.")
        service = self.ws.service(kind)
        with self.ws.unit() as uow:
            a = service.resolve_in(uow.session, key1)
            b = service.resolve_in(uow.session, key2)
            if a == b:
                raise ValidationError(f"{key1!r} and {key2!r} are the same record.")
            a, b = sorted((a, b))
            case_uid = self._case_for(uow, kind, a, b)
            uid = pair_uid(kind, a, b)
            values = {"case_uid": case_uid, "subject_kind": kind, "a_uid": a, "b_uid": b,
                      "verdict": verdict, "note": note}
            self.write_decision(uow, uid, values)
        return {"kind": kind, "a": a, "b": b, "verdict": verdict, "uid": uid}

    def write_decision(self, uow: UnitOfWork, uid: str, values: Mapping[str, Any]) -> None:
        exists = uow.session.execute(select(Decision.deleted_at).where(
            Decision.uid == uid)).first()
        if exists is None:
            uow.create("decision", dict(values), uid=uid)
            return
        if exists[0] is not None:
            uow.set_deleted("decision", uid, False)
        uow.update("decision", uid, {k: v for k, v in values.items() if k != "case_uid"},
                   action="decide")

    def _case_for(self, uow: UnitOfWork, kind: str, a: str, b: str) -> str:
        """The case a decision travels with: the earliest case either record belongs to."""
        rows = uow.session.execute(select(Party.case_uid).where(
            Party.party_uid.in_((a, b)), Party.deleted_at.is_(None))
            .order_by(Party.id)).scalars().all()
        if not rows:
            raise ValidationError(f"Neither {kind} belongs to a case; a decision travels with "
                                  "a case. Add one of them to a case first.")
        return str(rows[0])

    # --- candidates ----------------------------------------------------------------------
    def _entities(self, kind: str) -> dict[str, Entity]:
        table = table_of(kind)
        with self.ws.db.read() as s:
            rows = s.execute(select(table).where(table.c.deleted_at.is_(None))).mappings()
            return {r["uid"]: entity_of(kind, dict(r)) for r in rows}

    def candidates(self, kind: str, case: str | None = None) -> list[Candidate]:
        """Possible duplicate pairs of `kind`, best first (pairs with a decision left out)."""
        if kind not in DEDUP_KINDS:
            raise ValidationError(f"Duplicates are looked for among companies or persons, "
                                  f"not {kind!r}.")
        entities = self._entities(kind)
        focus: set[str] | None = None
        if case:
            with self.ws.db.read() as s:
                case_uid = self.ws.cases.case_uid_in(s, case)
                focus = set(s.execute(select(Party.party_uid).where(
                    Party.case_uid == case_uid, Party.deleted_at.is_(None))).scalars())
        blocks: dict[str, list[str]] = defaultdict(list)
        for uid, entity in entities.items():
            for key in blocking_keys(entity):
                blocks[key].append(uid)
        pairs: set[tuple[str, str]] = set()
        for members in blocks.values():
            if len(members) < 2 or len(members) > MAX_BLOCK:
                continue
            for i, x in enumerate(members):
                for y in members[i + 1:]:
                    if focus is None or x in focus or y in focus:
                        pairs.add((min(x, y), max(x, y)))
        decided = self.decisions(kind)
        out = []
        for a, b in pairs:
            if (a, b) in decided and decided[(a, b)] != "unsure":
                continue
            match = compare(entities[a], entities[b])
            if match.score >= THRESHOLD:
                out.append(Candidate(kind, a, b, match))
        out.sort(key=lambda c: (-c.match.score, c.a, c.b))
        return out

    def candidates_json(self, kinds: tuple[str, ...], case: str | None = None
                        ) -> dict[str, Any]:
        """`dedup --json`: `{"candidates": [{"a", "b", "score", "explanation"}]}`."""
        found = [c for kind in kinds for c in self.candidates(kind, case)]
        with self.ws.db.read() as s:
            described = self._describe(s, [(c.kind, u) for c in found for u in (c.a, c.b)])
        return {"candidates": [
            {"a": described[(c.kind, c.a)], "b": described[(c.kind, c.b)],
             "score": c.match.score, "explanation": c.match.explanation_json()}
            for c in found]}

    @staticmethod
    def _describe(s: Any, records: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        out: dict[tuple[str, str], Any] = {}
        for kind in DEDUP_KINDS:
            uids = sorted({u for k, u in records if k == kind})
            if not uids:
                continue
            table = table_of(kind)
            names = dict(s.execute(select(table.c.uid, table.c[NAME_COLUMN[kind]]).where(
                table.c.uid.in_(uids))).all())
            cases = cases_of(s, kind, uids)
            refs = case_refs(s, (c for cs in cases.values() for c in cs))
            for uid in uids:
                case_list = sorted(refs[c] for c in cases.get(uid, ()) if c in refs)
                out[(kind, uid)] = {"kind": kind, "uid": uid, "name": names.get(uid),
                                    "case": case_list[0] if case_list else None}
        return out

    def same_as(self, s: Any, uids: list[str]) -> dict[str, set[str]]:
        """uid -> the records decided "same" as it."""
        out: dict[str, set[str]] = defaultdict(set)
        rows = s.execute(select(Decision.a_uid, Decision.b_uid).where(
            Decision.verdict == "same", Decision.deleted_at.is_(None),
            Decision.subject_kind.in_(DEDUP_KINDS),
            or_(Decision.a_uid.in_(uids), Decision.b_uid.in_(uids)))).all()
        for a, b in rows:
            out[a].add(b)
            out[b].add(a)
        return out
