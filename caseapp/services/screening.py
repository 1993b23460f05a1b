"""Sanctions lists (loaded from their published files) and screening against them, offline.

A list is local reference data: loading one replaces the list of that name whole, in one
transaction, with an audit entry; lists are not synced. The OFAC extract shipped in
resources/sanctions/ is loaded the first time a database lists or screens. Screening compares
every live company and person (of one case, or all) with the entries that share a blocking
key, using the same score as duplicates (domain/matching.py). A hit is a lead: the record's
`sanctioned` field changes only through an analyst's decision (`decide_hit`), audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select

from caseapp.db.changelog import read_meta, utc_now, write_meta
from caseapp.db.models import Decision, Party, SanctionEntry, SanctionList, core_table, table_of
from caseapp.domain import sanctions
from caseapp.domain.matching import THRESHOLD, Entity, Match, compare, entity_of
from caseapp.errors import CaseAppError, ValidationError
from caseapp.paths import resources_dir
from caseapp.services.dedup import blocking_keys
from caseapp.services.seen import case_refs, cases_of

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

PRELOADED = "OFAC SDN (illicit drugs, EO 14059)"
PRELOAD_FILES = ("ofac_sdn_illicit_drugs_eo14059_2024-05-03.csv",
                 "ofac_add_for_eo14059_entries.csv")
SCREEN_KINDS = ("company", "person")
MAX_BLOCK = 200
NAME_COLUMN = {"company": "name", "person": "full_name"}


@dataclass(frozen=True)
class LoadedList:
    name: str
    published: str | None
    entries: int


def hit_key(list_name: str, entry_id: str) -> str:
    """How a decision names a list entry (`b_uid`)."""
    return f"{list_name[:60]}:{entry_id}"


def read_list_files(paths: list[Path]) -> tuple[str, str | None, list[sanctions.ListEntry]]:
    """(default name, publication date, entries) of one list's published files."""
    if not paths:
        raise ValidationError("Name the list's files (OFAC sdn.csv [add.csv alt.csv], or the "
                              "UN consolidated list XML).")
    texts: dict[str, str] = {}
    sdn_path = paths[0]
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CaseAppError(f"Cannot read {path}: {exc.strerror}.") from None
        if data.lstrip()[:5] == b"<?xml" or data.lstrip()[:1] == b"<":
            if len(paths) > 1:
                raise ValidationError("Load the UN list XML on its own.")
            try:
                published, entries = sanctions.parse_un_xml(data)
            except (ValueError, SyntaxError) as exc:
                raise ValidationError(f"{path.name}: {exc}.") from None
            return "UN Security Council consolidated list", published, entries
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252")  # OFAC's legacy files are Windows-1252
        kind = sanctions.ofac_file_kind(text)
        if kind is None:
            raise ValidationError(f"{path.name} is neither OFAC's sdn.csv, add.csv nor alt.csv "
                                  "(12, 6 or 5 columns) nor a UN list XML.")
        if kind in texts:
            raise ValidationError(f"Two {kind}.csv files given ({path.name}).")
        texts[kind] = text
        if kind == "sdn":
            sdn_path = path
    if "sdn" not in texts:
        raise ValidationError("An OFAC list needs its sdn.csv (add.csv and alt.csv are "
                              "optional).")
    # The legacy files carry no date: the one in the file name, else the file's own date.
    published = sanctions.date_in_name(sdn_path.name) or dt.datetime.fromtimestamp(
        sdn_path.stat().st_mtime, dt.UTC).date().isoformat()
    return "OFAC SDN", published, sanctions.parse_ofac(texts)


class ScreeningService:
    """`caseapp lists import`, `caseapp lists`, `caseapp screen`."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        # The entries and their blocking index, kept while the loaded lists stay the same
        # (the editor's badge checks a name on every pause in typing).
        self._cache: tuple[Any, Any] | None = None

    # --- lists ---------------------------------------------------------------------------
    def import_lists(self, paths: list[Path | str], name: str | None = None) -> LoadedList:
        """Load one list from its files, replacing a list of the same name."""
        files = [Path(p) for p in paths]
        default, published, entries = read_list_files(files)
        return self._store(name or default, published, entries,
                           ", ".join(p.name for p in files))

    def _store(self, name: str, published: str | None, entries: list[sanctions.ListEntry],
               source: str) -> LoadedList:
        if not entries:
            raise ValidationError(f"No entries found in {source}; nothing was loaded.")
        with self.ws.unit() as uow:
            s = uow.session
            s.execute(delete(SanctionList).where(SanctionList.name == name))
            list_id = s.execute(insert(SanctionList).values(
                name=name, published=published, source=source, entries=len(entries),
                loaded_at=utc_now()).returning(SanctionList.id)).scalar_one()
            rows = [{"list_id": list_id, "entry_id": e.entry_id, "kind": e.kind,
                     "name": e.name, "program": e.program, "names": e.names,
                     "country": e.country, "keys": sorted(list(k) for k in e.keys),
                     "remarks": e.remarks} for e in entries]
            table = core_table(SanctionEntry)
            s.execute(delete(table).where(table.c.list_id.not_in(
                select(SanctionList.id))))
            for i in range(0, len(rows), 2000):
                s.execute(insert(table), rows[i:i + 2000])
            uow.audit("import", detail=f"sanctions list {name!r} ({published or 'undated'}) "
                                       f"from {source}: {len(entries)} entries")
            write_meta(s, "sanctions_preloaded", "1")
        return LoadedList(name, published, len(entries))

    def ensure_preloaded(self) -> None:
        """Load the shipped OFAC extract once per database (not on a read-only one)."""
        if self.ws.db.read_only:
            return
        with self.ws.db.read() as s:
            if read_meta(s, "sanctions_preloaded"):
                return
        folder = resources_dir() / "sanctions"
        default, published, entries = read_list_files([folder / f for f in PRELOAD_FILES])
        del default
        self._store(PRELOADED, published, entries, "resources/sanctions (OFAC, public domain)")

    def lists(self) -> list[dict[str, Any]]:
        """The loaded lists: name, publication date, entries."""
        self.ensure_preloaded()
        with self.ws.db.read() as s:
            rows = s.execute(select(SanctionList.name, SanctionList.published,
                                    SanctionList.entries, SanctionList.source,
                                    SanctionList.loaded_at).order_by(SanctionList.name)).all()
        return [{"name": r[0], "published": r[1], "entries": r[2], "source": r[3],
                 "loaded_at": r[4]} for r in rows]

    # --- screening -----------------------------------------------------------------------
    def _entries(self) -> tuple[list[tuple[dict[str, Any], Entity]], dict[str, list[int]]]:
        with self.ws.db.read() as s:
            version = tuple(s.execute(select(SanctionList.id, SanctionList.loaded_at)
                                      .order_by(SanctionList.id)).all())
        if self._cache is not None and self._cache[0] == version:
            return self._cache[1]  # type: ignore[no-any-return]
        loaded = self._load_entries()
        self._cache = (version, loaded)
        return loaded

    def _load_entries(self) -> tuple[list[tuple[dict[str, Any], Entity]],
                                     dict[str, list[int]]]:
        entries: list[tuple[dict[str, Any], Entity]] = []
        blocks: dict[str, list[int]] = defaultdict(list)
        with self.ws.db.read() as s:
            rows = s.execute(select(SanctionList.name, SanctionEntry.entry_id,
                                    SanctionEntry.kind, SanctionEntry.name,
                                    SanctionEntry.program, SanctionEntry.names,
                                    SanctionEntry.country, SanctionEntry.keys)
                             .join(SanctionList, SanctionList.id == SanctionEntry.list_id)
                             .where(SanctionEntry.kind.in_(SCREEN_KINDS)))
            for lst, eid, kind, name, program, names, country, keys in rows:
                entity = Entity(kind, tuple(names), country,
                                frozenset((k[0], k[1]) for k in keys))
                entries.append(({"list": lst, "id": eid, "name": name, "program": program},
                                entity))
                for key in blocking_keys(entity):
                    blocks[f"{kind}|{key}"].append(len(entries) - 1)
        return entries, blocks

    def screen_entities(self, records: list[tuple[dict[str, Any], Entity]]
                        ) -> list[tuple[dict[str, Any], dict[str, Any], Match]]:
        """(record, entry, match) for every pair at or above the threshold."""
        entries, blocks = self._entries()
        hits = []
        for record, entity in records:
            candidates: set[int] = set()
            for key in blocking_keys(entity):
                found = blocks.get(f"{entity.kind}|{key}", ())
                if len(found) <= MAX_BLOCK:
                    candidates.update(found)
            for i in candidates:
                match = compare(entity, entries[i][1])
                if match.score >= THRESHOLD:
                    hits.append((record, entries[i][0], match))
        return hits

    def check_name(self, kind: str, name: str, country: str | None = None
                   ) -> list[dict[str, Any]]:
        """Hits for one name (the editor's badge while typing), best first."""
        if not name.strip():
            return []
        entity = entity_of(kind, {NAME_COLUMN[kind]: name, "country" if kind == "company"
                                  else "nationality": country})
        hits = self.screen_entities([({}, entity)])
        hits.sort(key=lambda h: -h[2].score)
        return [{"entry": e, "score": m.score, "explanation": m.explanation_json()}
                for _r, e, m in hits]

    def screen(self, case: str | None = None) -> dict[str, Any]:
        """`screen --json`: the lists and the hits of every company and person (of a case)."""
        self.ensure_preloaded()
        records: list[tuple[dict[str, Any], Entity]] = []
        with self.ws.db.read() as s:
            case_uid = self.ws.cases.case_uid_in(s, case) if case else None
            for kind in SCREEN_KINDS:
                table = table_of(kind)
                query = select(table).where(table.c.deleted_at.is_(None))
                if case_uid:
                    query = query.where(table.c.uid.in_(select(Party.party_uid).where(
                        Party.case_uid == case_uid, Party.deleted_at.is_(None))))
                rows = [dict(r) for r in s.execute(query).mappings()]
                cases = cases_of(s, kind, [r["uid"] for r in rows])
                refs = case_refs(s, (c for cs in cases.values() for c in cs))
                for row in rows:
                    own = sorted(refs[c] for c in cases.get(row["uid"], ()) if c in refs)
                    ref = (refs.get(case_uid) if case_uid else own[0] if own else None)
                    records.append(({"kind": kind, "uid": row["uid"],
                                     "name": row[NAME_COLUMN[kind]], "case": ref},
                                    entity_of(kind, row)))
            verdicts = {(a, b): v for a, b, v in s.execute(
                select(Decision.a_uid, Decision.b_uid, Decision.verdict).where(
                    Decision.subject_kind == "sanction", Decision.deleted_at.is_(None)))}
        hits = self.screen_entities(records)
        hits.sort(key=lambda h: (-h[2].score, h[0]["name"], h[1]["list"], h[1]["id"]))
        return {"lists": [{"name": x["name"], "published": x["published"],
                           "entries": x["entries"]} for x in self.lists()],
                "hits": [{"record": r, "entry": e, "score": m.score,
                          "explanation": m.explanation_json(),
                          "decision": verdicts.get((r["uid"], hit_key(e["list"], e["id"])))}
                         for r, e, m in hits]}

    def find_entry(self, key: str) -> dict[str, Any] | None:
        """The list entry a decision's "LIST:ENTRY" key names (list name may be shortened)."""
        list_part, sep, entry_id = key.rpartition(":")
        if not sep:
            return None
        with self.ws.db.read() as s:
            rows = s.execute(select(SanctionList.name, SanctionEntry.entry_id,
                                    SanctionEntry.name, SanctionEntry.program)
                             .join(SanctionList, SanctionList.id == SanctionEntry.list_id)
                             .where(SanctionEntry.entry_id == entry_id.strip())).all()
        for lst, eid, name, program in rows:
            if hit_key(lst, eid) == key.strip() or lst.lower() == list_part.strip().lower():
                return {"list": lst, "id": eid, "name": name, "program": program}
        return None

    def decide_hit(self, kind: str, key: str, entry_key: str, verdict: str,
                   note: str | None = None) -> dict[str, Any]:
        """An analyst's decision on a screening hit. "same" marks a company `sanctioned`
        (an audited edit naming the entry); "different" or "unsure" afterwards clears it again
        when it was this decision that set it."""
        from caseapp.services.dedup import DEDUP_KINDS, VERDICTS, pair_uid

        if kind not in DEDUP_KINDS or verdict not in VERDICTS:
            raise ValidationError("Decide a hit with: KIND KEY LIST:ENTRY same|different|unsure.")
        entry = self.find_entry(entry_key)
        if entry is None:
            raise ValidationError(f"No list entry {entry_key!r}; the screening output names "
                                  "each entry as LIST:ENTRY (list name and entry id).")
        b_uid = hit_key(entry["list"], entry["id"])
        service = self.ws.service(kind)
        mark = f"Listed: {entry['list']} {entry['id']} {entry['name']} (analyst's decision)"
        with self.ws.unit() as uow:
            uid = service.resolve_in(uow.session, key)
            case_uid = uow.session.execute(select(Party.case_uid).where(
                Party.party_uid == uid, Party.deleted_at.is_(None)).order_by(Party.id)
            ).scalars().first()
            if case_uid is None:
                raise ValidationError(f"The {kind} belongs to no case; a decision travels "
                                      "with a case.")
            self.ws.dedup.write_decision(uow, pair_uid("sanction", uid, b_uid), {
                "case_uid": case_uid, "subject_kind": "sanction", "a_uid": uid,
                "b_uid": b_uid, "verdict": verdict, "note": note})
            if kind == "company":
                row = uow.row("company", uid)
                if verdict == "same":
                    uow.update("company", uid, {"sanctioned": True, "sanctions_note": mark},
                               action="decide")
                elif row["sanctions_note"] == mark:
                    uow.update("company", uid, {"sanctioned": False, "sanctions_note": None},
                               action="decide")
        return {"kind": kind, "uid": uid, "entry": entry, "verdict": verdict}

    def entry_count(self) -> int:
        with self.ws.db.read() as s:
            return int(s.execute(select(func.count()).select_from(SanctionEntry)).scalar()
                       or 0)
