"""The audit chain: append-only entries, each hash covering the previous entry's hash.

hash = SHA-256 of the canonical JSON of the entry (seq, at, actor, action, outcome, kind,
record_uid, case_uid, changes, detail, prev_hash). The first entry's prev_hash is 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseapp.db.models import AuditEntry
from caseapp.sync.canonical import canonical_hash, canonical_json

GENESIS = "0" * 64
CHANGES_TEXT = "_changes_text"  # an entry's `changes` already in canonical text, if known
HASHED = ("seq", "at", "actor", "action", "outcome", "kind", "record_uid", "case_uid",
          "changes", "detail", "prev_hash")


def entry_hash(entry: dict[str, Any]) -> str:
    return canonical_hash({k: entry.get(k) for k in HASHED})


def chain_head(session: Session) -> tuple[int, str]:
    """(last seq, last hash), or (0, GENESIS) for an empty chain."""
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def append_entries(session: Session, entries: list[dict[str, Any]]) -> str:
    """Chain and insert entries (dicts without seq/prev_hash/hash) in one batch; returns head.

    Each entry's `changes` is encoded once, canonically: that text is both what the hash
    covers (assembled as `_fast_hash` does) and what is stored."""
    seq, prev = chain_head(session)
    rows = []
    for entry in entries:
        seq += 1
        changes = entry.get("changes")
        text = (None if changes is None else entry[CHANGES_TEXT] if CHANGES_TEXT in entry
                else canonical_json(changes).decode("utf-8"))
        row = (seq, entry.get("at"), entry.get("actor"), entry.get("action"),
               entry.get("outcome") or "ok", entry.get("kind"), entry.get("record_uid"),
               entry.get("case_uid"), text, entry.get("detail"), prev)
        prev = _fast_hash(row)
        rows.append((*row, prev))
    if rows:  # the driver's executemany: no per-row work by the ORM or Core
        session.connection().exec_driver_sql(_INSERT_SQL, rows)
    return prev


_INSERT_SQL = ("INSERT INTO audit_entries (seq, at, actor, action, outcome, kind, record_uid, "
               "case_uid, changes, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


def iter_chain_problems(session: Session, batch: int = 20000) -> Iterator[ChainProblem]:
    """Walk the whole chain in seq order; yield each break (at most the first few matter).

    Speed: rows are read with the driver (its tuples: no ORM types or row objects; a damaged
    page met on the way raises SQLite's own error, which verify phrases) and each entry's
    canonical bytes are assembled from the stored `changes` text, which JSONText already wrote
    canonically (sorted keys, compact, UTF-8). Only an entry whose fast hash differs is
    re-hashed the reference way (decode, canonical JSON), so a differently written but intact
    entry is never reported.
    """
    prev, expected_seq, last = GENESIS, 1, 0
    conn = session.connection()
    while True:
        page_start = last
        for row in cast(Iterable[Any], conn.exec_driver_sql(_CHAIN_SQL, (last, batch)).cursor):
            seq, stored_hash = row[0], row[11]
            if seq != expected_seq:
                yield ChainProblem(seq, f"entry {expected_seq} is missing (next is {seq})")
            if row[10] != prev:
                yield ChainProblem(seq, "its prev_hash does not match the previous entry's hash")
            if _fast_hash(row) != stored_hash and _reference_hash(row) != stored_hash:
                yield ChainProblem(seq, "its content does not match its hash (edited?)")
            prev, expected_seq, last = stored_hash, seq + 1, seq
        if last == page_start:
            return


_CHAIN_SQL = ("SELECT seq, at, actor, action, outcome, kind, record_uid, case_uid, changes, "
              "detail, prev_hash, hash FROM audit_entries WHERE seq > ? ORDER BY seq LIMIT ?")


def _s(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _fast_hash(row: Any) -> str:
    """SHA-256 of the canonical JSON of a chain row, assembled in sorted-key order."""
    seq, at, actor, action, outcome, kind, record_uid, case_uid, changes, detail, prev = row[:11]
    text = (f'{{"action":{_s(action)},"actor":{_s(actor)},"at":{_s(at)},'
            f'"case_uid":{_s(case_uid)},"changes":{"null" if changes is None else changes},'
            f'"detail":{_s(detail)},"kind":{_s(kind)},"outcome":{_s(outcome)},'
            f'"prev_hash":{_s(prev)},"record_uid":{_s(record_uid)},"seq":{int(seq)}}}')
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _reference_hash(row: Any) -> str:
    entry = dict(zip(HASHED, row[:11], strict=True))
    if entry["changes"] is not None:
        entry["changes"] = json.loads(entry["changes"])
    return entry_hash(entry)
