"""The audit chain: append-only entries, each hash covering the previous entry's hash.

hash = SHA-256 of the canonical JSON of the entry (seq, at, actor, action, outcome, kind,
record_uid, case_uid, changes, detail, prev_hash). The first entry's prev_hash is 64 zeros.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from caseapp.db.models import AuditEntry
from caseapp.sync.canonical import canonical_hash

GENESIS = "0" * 64
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
    """Chain and insert entries (dicts without seq/prev_hash/hash) in one batch; returns head."""
    seq, prev = chain_head(session)
    rows = []
    for entry in entries:
        seq += 1
        row = {k: entry.get(k) for k in HASHED}
        row.update(seq=seq, prev_hash=prev, outcome=entry.get("outcome") or "ok")
        row["hash"] = prev = entry_hash(row)
        rows.append(row)
    if rows:
        session.execute(insert(AuditEntry.__table__), rows)  # Core: no ORM per-row work
    return prev


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


def iter_chain_problems(session: Session, batch: int = 20000) -> Iterator[ChainProblem]:
    """Walk the whole chain in seq order; yield each break (at most the first few matter)."""
    prev, expected_seq, last = GENESIS, 1, 0
    cols = [getattr(AuditEntry, k) for k in HASHED] + [AuditEntry.hash]
    while True:
        rows = session.execute(
            select(*cols).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            entry = dict(zip((*HASHED, "hash"), row, strict=True))
            seq = entry["seq"]
            if seq != expected_seq:
                yield ChainProblem(seq, f"entry {expected_seq} is missing (next is {seq})")
            if entry["prev_hash"] != prev:
                yield ChainProblem(seq, "its prev_hash does not match the previous entry's hash")
            if entry_hash(entry) != entry["hash"]:
                yield ChainProblem(seq, "its content does not match its hash (edited?)")
            prev, expected_seq, last = entry["hash"], seq + 1, seq
