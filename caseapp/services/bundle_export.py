"""What a case bundle carries: the case closure, its ops, their changesets, its blobs.

The closure is the case, every record of it (deleted ones too: their history travels), and
the companies, persons and substances its records point at, also when other cases share them.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseapp.db.engine import Database
from caseapp.db.models import Blob, Changeset, ChangesetOpList, Op, table_of
from caseapp.domain.kinds import CASE_KINDS, SHARED_KINDS
from caseapp.domain.records import spec_map
from caseapp.progress import CancelToken
from caseapp.services.bundle_apply import chunks

SHARED = SHARED_KINDS
PAIRS = {"party": [("party_kind", "party_uid")],
         "link": [("subject_kind", "subject"), ("object_kind", "object")],
         "note": [("target_kind", "target_uid")], "attachment": [("target_kind", "target_uid")]}
OP_COLS = ("op_id", "kind", "uid", "case_uid", "fields", "prev", "hlc", "site_id", "author_key")


@dataclass
class CaseContent:
    case_ref: str
    changesets: list[dict[str, Any]] = field(default_factory=list)
    op_count: int = 0
    record_count: int = 0
    blobs: dict[str, tuple[int, str | None]] = field(default_factory=dict)


def _ops(s: Session, kind: str, uids: list[str]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    cols = [getattr(Op, c) for c in OP_COLS]
    for part in chunks(uids):
        for row in s.execute(select(Op.changeset_id, *cols).where(Op.kind == kind,
                                                                  Op.uid.in_(part))):
            out.append((row[0], dict(zip(OP_COLS, row[1:], strict=True))))
    return out


def _refs(kind: str, ops: list[tuple[str, dict[str, Any]]],
          rows: Sequence[Any]) -> set[tuple[str, str]]:
    specs = spec_map(kind)
    found = set()
    for _cs, op in ops:
        for name, value in op["fields"].items():
            spec = specs[name]
            if spec.type == "ref" and spec.ref in SHARED and value:
                found.add((spec.ref, value))
    for row in rows:
        for kind_col, uid_col in PAIRS.get(kind, ()):
            if row[kind_col] in SHARED and row[uid_col]:
                found.add((row[kind_col], row[uid_col]))
    return found


def collect_case(s: Session, case_uid: str, cancel: CancelToken) -> CaseContent:
    """Everything the bundle of one case carries, read in one read transaction."""
    cases = table_of("case")
    ref = s.execute(select(cases.c.ref).where(cases.c.uid == case_uid)).scalar_one()
    content = CaseContent(case_ref=ref)
    all_ops = _ops(s, "case", [case_uid])
    refs: set[tuple[str, str]] = set()
    content.record_count = 1
    for kind in CASE_KINDS:
        cancel.check()
        table = table_of(kind)
        rows = s.execute(select(table).where(table.c.case_uid == case_uid)).mappings().all()
        ops = _ops(s, kind, [r["uid"] for r in rows])
        refs |= _refs(kind, ops, rows)
        all_ops += ops
        content.record_count += len(rows)
        if kind == "attachment":
            content.blobs = {r["sha256"]: (r["size"], r["media_type"]) for r in rows}
            for _cs, op in ops:  # older versions' content travels too (nothing is erased)
                sha = op["fields"].get("sha256")
                if sha and sha not in content.blobs:
                    content.blobs[sha] = (-1, None)
    for kind in SHARED:
        uids = sorted(u for k, u in refs if k == kind)
        table = table_of(kind)
        present = [u for part in chunks(uids) for u in
                   s.execute(select(table.c.uid).where(table.c.uid.in_(part))).scalars()]
        all_ops += _ops(s, kind, present)
        content.record_count += len(present)
    _fill_blob_sizes(s, content)
    content.op_count = len(all_ops)
    content.changesets = _changesets(s, all_ops)
    return content


def _fill_blob_sizes(s: Session, content: CaseContent) -> None:
    shas = list(content.blobs)
    sizes: dict[str, int] = {}
    for part in chunks(shas):
        sizes.update(s.execute(select(Blob.sha256, Blob.size)
                               .where(Blob.sha256.in_(part))).all())
    content.blobs = {sha: (sizes[sha], media) for sha, (_, media) in content.blobs.items()
                     if sha in sizes}


def _changesets(s: Session, ops: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    by_cs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for cs_id, op in ops:
        by_cs[cs_id].append(op)
    ids = list(by_cs)
    full: dict[str, list[str]] = {}
    meta = {}
    for part in chunks(ids):
        full.update(s.execute(select(ChangesetOpList.changeset_id, ChangesetOpList.op_ids)
                              .where(ChangesetOpList.changeset_id.in_(part))).all())
        for cs in s.execute(select(Changeset).where(Changeset.id.in_(part))).scalars():
            meta[cs.id] = cs
        missing = [i for i in part if i not in full]
        for cs_id, op_id in s.execute(select(Op.changeset_id, Op.op_id)
                                      .where(Op.changeset_id.in_(missing))):
            full.setdefault(cs_id, []).append(op_id)
    out = []
    for cs_id, cs_ops in by_cs.items():
        cs = meta[cs_id]
        out.append({"id": cs.id, "author_key": cs.author_key, "author_name": cs.author_name,
                    "public_key": cs.public_key, "site_id": cs.site_id, "hlc": cs.hlc,
                    "made_at": cs.received_at, "signature": cs.signature,
                    "op_ids": sorted(full[cs_id]),
                    "ops": sorted(cs_ops, key=lambda o: (o["hlc"], o["op_id"]))})
    out.sort(key=lambda c: (c["hlc"], c["id"]))
    return out


def blob_opener(db: Database, sha: str, cancel: CancelToken) -> Callable[[], IO[bytes]]:
    """Opens one blob's bytes when the writer reaches it (one blob in memory at a time)."""
    def opener() -> IO[bytes]:
        cancel.check()
        with db.read() as s:
            data = s.execute(select(Blob.data).where(Blob.sha256 == sha)).scalar_one()
        return io.BytesIO(data)
    return opener
