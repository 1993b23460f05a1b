"""The seen-before index (`match_keys`): normalised identifiers of live records.

Kept in step in the transaction of every write: the unit of work re-indexes the records its
ops touch (`UnitOfWork.finish`), a bundle import the records it rebuilds (`Applier.apply`).
Normalising needs Python (phonenumbers, pypinyin), so this is done by the write paths, not by
SQLite triggers; `rebuild` refills the whole index (the migration that adds it, a repair).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select

from caseapp.db.models import MatchKey, core_table, table_of
from caseapp.domain.matching import record_keys

INDEXED_KINDS = ("company", "person", "shipment")
CHUNK = 500


def _rows(conn: Any, kind: str, uids: list[str] | None) -> Iterable[dict[str, Any]]:
    table = table_of(kind)
    query = select(table).where(table.c.deleted_at.is_(None))
    if uids is None:
        yield from (dict(r) for r in conn.execute(query).mappings())
        return
    for i in range(0, len(uids), CHUNK):
        part = uids[i:i + CHUNK]
        yield from (dict(r) for r in conn.execute(query.where(table.c.uid.in_(part)))
                    .mappings())


def _keys_of(kind: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"kind": kind, "uid": row["uid"], "feature": f, "value": v}
            for row in rows for f, v in sorted(record_keys(kind, row))]


def reindex(conn: Any, records: Iterable[tuple[str, str]]) -> None:
    """Re-index the given (kind, uid) records (deleted ones drop out of the index)."""
    by_kind: dict[str, set[str]] = defaultdict(set)
    for kind, uid in records:
        if kind in INDEXED_KINDS:
            by_kind[kind].add(uid)
    table = core_table(MatchKey)
    for kind, uid_set in by_kind.items():
        uids = sorted(uid_set)
        for i in range(0, len(uids), CHUNK):
            conn.execute(delete(table).where(table.c.uid.in_(uids[i:i + CHUNK])))
        keys = _keys_of(kind, _rows(conn, kind, uids))
        for i in range(0, len(keys), 5000):
            conn.execute(insert(table), keys[i:i + 5000])


def rebuild(conn: Any) -> None:
    """Refill the whole index from the record tables."""
    table = core_table(MatchKey)
    conn.execute(delete(table))
    for kind in INDEXED_KINDS:
        keys = _keys_of(kind, _rows(conn, kind, None))
        for i in range(0, len(keys), 5000):
            conn.execute(insert(table), keys[i:i + 5000])
