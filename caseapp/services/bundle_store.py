"""What a bundle import stores besides the rebuilt rows, inside the import's one transaction.

The incoming ops under their original signed changesets (`store_changesets`), attachment
blobs by hash (`store_blobs`), the ops held back for their clock (`store_quarantine`) and the
record of the bundle itself (`record_import`); `existing_op_ids` tells which ops are here
already (re-import is a no-op). `chunks` batches the `IN (...)` lists of every bundle module.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import func, insert, literal, literal_column, select
from sqlalchemy.orm import Session

from caseapp.db.changelog import insert_ops
from caseapp.db.models import (
    Blob,
    BundleImport,
    Changeset,
    ChangesetOpList,
    Op,
    QuarantinedOp,
)
from caseapp.sync.changesets import Held

BATCH = 500
JSON_BATCH = 20_000  # ids per `json_list` parameter (one parameter: no SQLite limit applies)


def chunks(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    """`items` in lists of at most `size` (SQLite caps the parameters of one statement)."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def json_list(values: list[str]) -> Any:
    """`SELECT value FROM json_each(?)`: a list for `IN` as one parameter (an expanding
    parameter costs SQLAlchemy a coercion per value and a compile per list length)."""
    return select(literal_column("value")).select_from(
        func.json_each(literal(json.dumps(values))))


def existing_op_ids(session: Session, op_ids: list[str]) -> set[str]:
    """Those of `op_ids` this database holds already."""
    found: set[str] = set()
    for part in chunks(op_ids, JSON_BATCH):
        found.update(session.execute(select(Op.op_id).where(Op.op_id.in_(json_list(part)))).scalars())
    return found


def store_changesets(session: Session, changesets: list[dict[str, Any]],
                     new_ops: list[dict[str, Any]]) -> None:
    """Insert the new ops under their original changesets (signature and key kept)."""
    ops_by_cs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for op in new_ops:
        ops_by_cs[op["changeset_id"]].append(op)
    known: set[str] = set()
    for part in chunks(list(ops_by_cs)):
        known.update(session.execute(select(Changeset.id).where(Changeset.id.in_(part)))
                     .scalars())
    seq = session.execute(select(Changeset.seq).order_by(Changeset.seq.desc()).limit(1)
                          ).scalar_one_or_none() or 0
    rows, lists = [], []
    for cs in changesets:
        if cs["id"] not in ops_by_cs or cs["id"] in known:
            continue
        seq += 1
        rows.append({"id": cs["id"], "seq": seq, "author_key": cs["author_key"],
                     "author_name": cs["author_name"], "public_key": cs["public_key"],
                     "site_id": cs["site_id"], "hlc": cs["hlc"], "signature": cs["signature"],
                     "received_at": cs["made_at"]})
        if len(ops_by_cs[cs["id"]]) != len(cs["op_ids"]):
            lists.append({"changeset_id": cs["id"], "op_ids": cs["op_ids"]})
    if rows:
        session.execute(insert(Changeset), rows)
    if lists:
        session.execute(insert(ChangesetOpList).prefix_with("OR IGNORE"), lists)
    if new_ops:  # the driver's executemany; fields and prev as the text check_op checked
        insert_ops(session.connection(), new_ops)


def store_blobs(session: Session, blobs: Iterable[tuple[str, bytes]]) -> int:
    """Insert the blobs not held yet, by SHA-256; returns how many were new."""
    added = 0
    for sha, data in blobs:
        if session.execute(select(Blob.sha256).where(Blob.sha256 == sha)).first() is None:
            session.execute(insert(Blob).values(sha256=sha, size=len(data), data=data))
            added += 1
    return added


def store_quarantine(session: Session, bundle_id: str, items: list[Held], now: str) -> None:
    """Keep the ops held back for their clock, with their changeset (without its ops) and why."""
    rows = [{"op_id": op["op_id"], "bundle_id": bundle_id, "op": op,
             "changeset": {k: v for k, v in cs.items() if k != "ops"}, "reason": reason,
             "received_at": now} for op, cs, reason in items]
    if rows:
        session.execute(insert(QuarantinedOp).prefix_with("OR IGNORE"), rows)


def record_import(session: Session, manifest: dict[str, Any], now: str,
                  summary: dict[str, Any]) -> None:
    """The bundle in `bundle_imports`, with its counts (a re-import keeps the first row)."""
    session.execute(insert(BundleImport).prefix_with("OR IGNORE").values(
        bundle_id=manifest["bundle_id"], imported_at=now,
        exporter_key=manifest["exporter"]["key_id"], case_uid=manifest["scope"]["case_uid"],
        summary=summary))


__all__ = ["BATCH", "JSON_BATCH", "chunks", "existing_op_ids", "json_list", "record_import", "store_blobs",
           "store_changesets", "store_quarantine"]
