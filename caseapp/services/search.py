"""Full-text search across every record kind, on the FTS5 index (caseapp/db/fts.py).

A query matches records that contain every word (case-insensitive substrings: prefixes,
infixes, Chinese names, phone numbers, tracking numbers). Hits come grouped by kind, best first
within a kind: the title equal to the query, then starting with it, then containing it, then
matches elsewhere; newest first within each of these tiers. A CAS number finds its substance
exactly. (Not BM25: FTS5 computes it from how many rows contain each phrase, i.e. by evaluating
every match, 130-190 ms for a place name in 500 k seizures, against 2 ms for the newest 200.)

The trigram index cannot look up words shorter than three characters: such words only narrow a
query that has a longer word; a query made only of one- or two-character words (a two-character
Chinese name, "C") scans the names of cases, companies, persons and substances instead (small
tables), never the millions of seizures.

To keep the cost of a query bounded on a large database, each kind ranks at most
`CANDIDATE_FACTOR * limit_per_kind` candidates, the most recently created matches first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from caseapp.db.fts import SPEC_BY_KIND, fts_table
from caseapp.domain.kinds import HIT_KINDS, SHORT_QUERY_KINDS
from caseapp.domain.substances import is_cas_like
from caseapp.errors import CaseAppError, DatabaseDamaged

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

MIN_WORD = 3  # the trigram tokenizer indexes three-character units
CANDIDATE_FACTOR = 4


@dataclass(frozen=True)
class SearchHit:
    """One record found. `rank`: lower is better (within its kind; the integer part is the tier:
    0 title is the query, 1 starts with it, 2 contains it, 3 matched elsewhere); `snippet` shows
    the match in the record's other text with the matched part in [brackets] (empty if none)."""

    kind: str
    uid: str
    title: str
    detail: str
    case_uid: str | None
    rank: float = 0.0
    snippet: str = ""


class Statement(NamedTuple):
    kind: str
    sql: str
    params: tuple[Any, ...]


def quote(word: str) -> str:
    """An FTS5 string literal: the word is matched as text, never parsed as query syntax."""
    return '"' + word.replace('"', '""') + '"'


def statements(text: str, limit_per_kind: int = 50) -> list[Statement]:
    """The SQL a search runs, one statement per kind and lookup (also used by the benchmark)."""
    words = text.split()
    long_words = [w for w in words if len(w) >= MIN_WORD]
    short_words = [w.lower() for w in words if len(w) < MIN_WORD]
    window = limit_per_kind * CANDIDATE_FACTOR
    if not long_words:
        return _short_statements(short_words, window)
    match = " ".join(quote(w) for w in long_words)
    narrow = "".join(" AND instr(lower(title || ' ' || body), ?) > 0" for _ in short_words)
    found = []
    for kind in HIT_KINDS:
        table = fts_table(SPEC_BY_KIND[kind])
        sql = (f"SELECT rowid, title, detail, uid, case_uid, "
               f"snippet({table}, 1, '[', ']', '…', 8) FROM {table} WHERE {table} MATCH ?"
               f"{narrow} ORDER BY rowid DESC LIMIT ?")
        found.append(Statement(kind, sql, (match, *short_words, window)))
        if len(words) == 1 and any(c.isdigit() for c in text):
            # A reference (exhibit, waybill, case ref): exact title matches must not be
            # crowded out of the candidate window by longer refs that contain it.
            found.append(Statement(kind, sql, (f"title : {match}", window)))
    return found


def _short_statements(words: list[str], window: int) -> list[Statement]:
    if not words:
        return []
    where = " AND ".join("(title LIKE ? ESCAPE '!' OR body LIKE ? ESCAPE '!')" for _ in words)
    params = [p for w in words for p in (f"%{_escape_like(w)}%",) * 2]
    found = []
    for kind in SHORT_QUERY_KINDS:
        table = fts_table(SPEC_BY_KIND[kind])
        sql = (f"SELECT rowid, title, detail, uid, case_uid, '' FROM {table} "
               f"WHERE {where} ORDER BY rowid DESC LIMIT ?")
        found.append(Statement(kind, sql, (*params, window)))
    return found


def _escape_like(word: str) -> str:
    return word.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _tier(title: str, folded: str) -> int:
    """0: the title is the query, 1: starts with it, 2: contains it, 3: matched elsewhere."""
    t = title.casefold()
    if t == folded:
        return 0
    if t.startswith(folded):
        return 1
    return 2 if folded in t else 3


class SearchService:
    """Full-text search over the index; read-only."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def search(self, text: str, *, limit_per_kind: int = 50) -> list[SearchHit]:
        """Records containing every word of `text`, grouped by kind, best first in each kind."""
        text = " ".join(text.split())
        if not text:
            return []
        folded = text.casefold()
        by_kind: dict[str, dict[str, SearchHit]] = {k: {} for k in HIT_KINDS}
        with self.ws.db.read() as s:
            conn = s.connection()
            if is_cas_like(text):
                by_kind["substance"].update(self._substance_by_cas(s, text))
            for st in statements(text, limit_per_kind):
                try:
                    rows = conn.exec_driver_sql(st.sql, st.params).all()
                except Exception as exc:  # the index is missing or the database is damaged
                    raise DatabaseDamaged(f"Search failed ({exc}): the search index is "
                                          "missing or the database is damaged.") from exc
                hits = by_kind[st.kind]
                for rowid, title, detail, uid, case_uid, snip in rows:
                    if uid in hits:
                        continue
                    # newest (largest id) first within a tier
                    rank = _tier(title, folded) + 1.0 / (2.0 + rowid)
                    hits[uid] = SearchHit(st.kind, uid, _one_line(title), detail or "",
                                          case_uid, rank, "" if "[" not in snip else snip)
        result: list[SearchHit] = []
        for kind in HIT_KINDS:
            ranked = sorted(by_kind[kind].values(), key=lambda h: h.rank)
            result += ranked[:limit_per_kind]
        return result

    def _substance_by_cas(self, s: Any, text: str) -> dict[str, SearchHit]:
        try:
            uid = self.ws.substances.resolve_in(s, text)
        except CaseAppError:  # an unknown or invalid CAS number is simply no exact hit
            return {}
        rec = self.ws.substances.get_in(s, uid)
        name, cas = rec.name, rec.cas
        return {uid: SearchHit("substance", uid, name, cas or "", None, -1.0)}


def _one_line(text: str, width: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"
