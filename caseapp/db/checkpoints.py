"""Signed audit checkpoints: what an attacker holding the database file alone cannot forge.

The audit chain (db/audit.py) shows any edit of one entry, but whoever holds the file can
rewrite an entry and recompute every later hash, or erase the newest entries. So every unit of
work that writes ends with a checkpoint, signed with the investigator's key, stating:

    n, prev (hash of checkpoint n-1), site, key, audit seq and hash of the chain's head,
    the changesets the unit wrote, the highest changeset seq, time

Without the key a checkpoint cannot be made, so rewriting or erasing entries or changesets
below the newest checkpoint breaks a hash or a signature (`check`). Erasing the newest units
together with their checkpoints leaves a shorter but consistent file: that is caught only
against a head kept outside it, the witness this machine writes beside the key after each
commit, and the heads that bundles and reports carried to others (docs/architecture.md).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from caseapp.db.audit import GENESIS, chain_head
from caseapp.db.models import AuditCheckpoint, AuditEntry, Changeset
from caseapp.sync.canonical import canonical_json, sha256_hex
from caseapp.sync.signing import Signer, key_id_of, verify_signature

PAYLOAD = ("n", "prev", "site_id", "key_id", "audit_seq", "audit_hash", "changesets",
           "changeset_seq", "at")
NEW_CHANGESETS = "caseapp.new_changesets"   # session.info: changesets this unit wrote


def payload(row: Any) -> bytes:
    get = row.get if isinstance(row, dict) else (lambda k: getattr(row, k))
    return canonical_json({k: get(k) for k in PAYLOAD})


def checkpoint_hash(row: Any) -> str:
    return sha256_hex(payload(row))


def note_changeset(session: Session, changeset_id: str) -> None:
    """Remember a changeset written in this transaction, for the unit's checkpoint."""
    session.info.setdefault(NEW_CHANGESETS, []).append(changeset_id)


def last_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.n.desc())
                           .limit(1)).scalar()


def write_checkpoint(session: Session, signer: Signer, site_id: str, at: str
                     ) -> dict[str, Any]:
    """Sign the chain's head as it stands now (call after the unit's audit entries)."""
    last = last_checkpoint(session)
    seq, head = chain_head(session)
    row: dict[str, Any] = {
        "n": last.n + 1 if last else 1, "prev": checkpoint_hash(last) if last else GENESIS,
        "site_id": site_id, "key_id": signer.key_id, "audit_seq": seq, "audit_hash": head,
        "changesets": sorted(set(session.info.pop(NEW_CHANGESETS, []))),
        "changeset_seq": session.execute(select(func.max(Changeset.seq))).scalar() or 0,
        "at": at}
    row.update(public_key=signer.public_hex, signature=signer.sign(payload(row)))
    session.execute(insert(AuditCheckpoint).values(**row))
    first = row if row["n"] == 1 else session.get(AuditCheckpoint, 1)
    return {**row, "first": checkpoint_hash(first) if first is not None else None}


# --- the witness: the newest checkpoint, kept outside the database file ---------------------

def witness_path(db_path: Path, keys_dir: Path) -> Path:
    """One small file per database (by its absolute path) in the key's folder."""
    name = sha256_hex(str(Path(db_path).resolve()).encode())[:24]
    return keys_dir / "witness" / f"{name}.json"


def write_witness(db_path: Path, keys_dir: Path, row: dict[str, Any]) -> None:
    """Best effort, after the commit: a missing witness only weakens the check, never fails."""
    path = witness_path(db_path, keys_dir)
    doc = {"db": str(Path(db_path).resolve()), "n": row["n"], "hash": checkpoint_hash(row),
           "first": row.get("first"), "audit_seq": row["audit_seq"], "at": row["at"],
           "site_id": row["site_id"]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".witness-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        os.replace(tmp, path)
    except OSError:
        pass


def read_witness(db_path: Path, keys_dir: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(witness_path(db_path, keys_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(doc, dict) and isinstance(doc.get("n"), int) and isinstance(
        doc.get("hash"), str)
    return doc if ok else None


# --- the check (caseapp verify) --------------------------------------------------------------

@dataclass
class CheckpointFindings:
    count: int = 0
    signed_up_to: int = 0
    before_first: int = 0
    keys: tuple[str, ...] = ()
    other_witness: bool = False


def check(session: Session, witness: dict[str, Any] | None = None,
          site_id: str | None = None) -> tuple[CheckpointFindings, list[str]]:
    """Every checkpoint signed, chained and matching the audit chain; nothing after the last;
    every changeset a checkpoint names present, every one written here named; the witness
    (the newest checkpoint this machine saw committed) still present and the same."""
    problems: list[str] = []
    found = CheckpointFindings()
    hashes = {}
    by_n: dict[int, str] = {}
    named: set[str] = set()
    sites: set[str] = set()
    keys: dict[str, None] = {}
    prev, expected, last_seq, first = GENESIS, 1, 0, None
    for cp, entry_hash in _with_entries(session):
        found.count += 1
        first = first or cp
        where = f"checkpoint {cp.n}"
        if cp.n != expected:
            problems.append(f"checkpoint {expected} is missing (next is {cp.n})")
        if cp.prev != prev:
            problems.append(f"{where}: it does not follow checkpoint {cp.n - 1} (removed or "
                            "replaced?)")
        if not _signed(cp):
            problems.append(f"{where}: its signature is not valid (edited?)")
        if entry_hash != cp.audit_hash:
            problems.append(f"{where}: audit entry {cp.audit_seq} no longer has the hash it "
                            "signed (the chain was rewritten or cut)")
        if cp.audit_seq < last_seq:
            problems.append(f"{where}: it signs an older head than the checkpoint before it")
        prev, expected, last_seq = checkpoint_hash(cp), cp.n + 1, cp.audit_seq
        hashes[cp.n] = prev
        by_n[cp.n] = cp.at
        named.update(cp.changesets)
        sites.add(cp.site_id)
        keys[cp.key_id] = None
    found.keys = tuple(keys)
    head_seq = chain_head(session)[0]
    found.signed_up_to = last_seq
    if first is not None:
        # Entries older than the first checkpoint's unit (a database from before revision
        # 0004): signed only from then on, not when they were written.
        found.before_first = session.execute(select(func.count()).select_from(AuditEntry)
                                             .where(AuditEntry.seq <= first.audit_seq,
                                                    AuditEntry.at < first.at)).scalar() or 0
        if head_seq > last_seq:
            problems.append(f"{head_seq - last_seq} audit entries after the last signed "
                            f"checkpoint (entries {last_seq + 1}–{head_seq} were added "
                            "without the investigator's key)")
        problems += _changeset_problems(session, named, sites, first)
    elif head_seq:
        found.before_first = head_seq
    if witness is not None:
        problems += _witness_problems(witness, hashes, expected - 1, site_id, found)
    return found, problems


def _witness_problems(witness: dict[str, Any], hashes: dict[int, str], last: int,
                      site_id: str | None, found: CheckpointFindings) -> list[str]:
    """The database against the newest checkpoint this machine committed at this path. A
    database whose first checkpoint differs is another database (made anew at the same
    path): noted, not a failure."""
    n, want = witness["n"], witness["hash"]
    if hashes and hashes.get(1) != witness.get("first"):
        found.other_witness = True
        return []
    if not hashes and witness.get("site_id") != site_id:
        found.other_witness = True
        return []
    problems = []
    if n not in hashes:
        problems.append(f"this machine committed checkpoint {n} (audit entry "
                        f"{witness.get('audit_seq')}, {witness.get('at')}) but the "
                        f"database ends at checkpoint {last}: its newest entries "
                        "were removed, or this is an older copy of it (a backup)")
    elif hashes[n] != want:
        problems.append(f"checkpoint {n} is not the one this machine committed on "
                        f"{witness.get('at')}: the history was rewritten")
    return problems


def _signed(cp: AuditCheckpoint) -> bool:
    try:
        public = bytes.fromhex(cp.public_key)
    except ValueError:
        return False
    return key_id_of(public) == cp.key_id and verify_signature(cp.public_key, cp.signature,
                                                               payload(cp))


def _with_entries(session: Session) -> Iterator[tuple[AuditCheckpoint, str | None]]:
    rows = session.execute(
        select(AuditCheckpoint, AuditEntry.hash).outerjoin(
            AuditEntry, AuditEntry.seq == AuditCheckpoint.audit_seq)
        .order_by(AuditCheckpoint.n)).yield_per(5000)
    for cp, entry_hash in rows:
        yield cp, (entry_hash if cp.audit_seq else GENESIS)


def _changeset_problems(session: Session, named: set[str], sites: set[str],
                        first: AuditCheckpoint) -> list[str]:
    problems: list[str] = []
    present: set[str] = set()
    rows = session.execute(select(Changeset.id, Changeset.seq, Changeset.site_id).where(
        Changeset.site_id.in_(sorted(sites)))).all()
    for cs_id, seq, _site in rows:
        if cs_id in named:
            continue
        if seq <= first.changeset_seq:
            continue  # written before this database had checkpoints: taken as found
        problems.append(f"changeset {cs_id[:16]}… was written on this machine without a "
                        "signed checkpoint")
    wanted = sorted(named)
    for i in range(0, len(wanted), 500):
        present.update(session.execute(select(Changeset.id).where(
            Changeset.id.in_(wanted[i:i + 500]))).scalars())
    missing = [c for c in wanted if c not in present]
    if missing:
        problems.append(f"{len(missing)} changeset(s) named by signed checkpoints are missing "
                        f"(first {missing[0][:16]}…): whole edits were erased")
    return problems
