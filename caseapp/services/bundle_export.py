"""What a case bundle carries, and the writing of the file.

`collect_case` reads the case closure, its ops, their changesets and its blobs: the closure is
the case, every record of it (deleted ones too: their history travels), and the companies,
persons and substances its records point at, also when other cases share them.
`write_bundle_file` writes the signed manifest, the changesets and the blobs (sealed when asked)
beside the target and renames the file into place.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseapp.db.engine import Database
from caseapp.db.models import Blob, Changeset, ChangesetOpList, Op, table_of
from caseapp.domain.kinds import CASE_KINDS, SHARED_KINDS
from caseapp.domain.records import spec_map
from caseapp.paths import check_output_folder
from caseapp.progress import CancelToken
from caseapp.services.bundle_store import chunks
from caseapp.sync import envelope
from caseapp.sync.bundle_file import CHANGESETS, MANIFEST, SIGNATURE, write_zip

SHARED = SHARED_KINDS
PAIRS = {"party": [("party_kind", "party_uid")],
         "link": [("subject_kind", "subject"), ("object_kind", "object")],
         "note": [("target_kind", "target_uid")], "attachment": [("target_kind", "target_uid")]}
# How to seal a bundle: recipients, passphrase, scrypt cost (None: not sealed).
Seal = tuple[list[envelope.Recipient], str | None, envelope.ScryptCost | None]
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


def write_bundle_file(db: Database, out_path: Path, manifest: bytes, sig: bytes, lines: bytes,
                      blobs: list[dict[str, Any]], cancel: CancelToken,
                      seal: Seal | None) -> None:
    """The bundle at `out_path`, sealed when `seal` says so; nothing there on failure or
    Cancel. Blobs are read from `db` one at a time as the writer reaches them."""
    if seal is not None:  # refuse what no reader would accept, before writing anything
        envelope.check_seal_options(*seal)
    check_output_folder(out_path)
    entries = [(MANIFEST, len(manifest), _bytes_opener(manifest)),
               (SIGNATURE, len(sig), _bytes_opener(sig)),
               (CHANGESETS, len(lines), _bytes_opener(lines))]
    entries += [(f"blobs/{b['sha256']}", b["size"], blob_opener(db, b["sha256"], cancel))
                for b in blobs]
    # Written beside the target and renamed into place: no half-written bundle on a
    # crash or Cancel. mkstemp makes both files 0600 (a bundle is confidential, sealed
    # or not) and never opens a name someone else created first.
    fd, tmp_name = tempfile.mkstemp(prefix=".export-", dir=out_path.parent)
    tmp, sealed = Path(tmp_name), None
    try:
        with os.fdopen(fd, "w+b") as fh:
            write_zip(fh, entries)
            if seal is not None:
                fh.seek(0)
                sealed_fd, sealed_name = tempfile.mkstemp(prefix=".export-", suffix=".sealed",
                                                          dir=out_path.parent)
                sealed = Path(sealed_name)
                with os.fdopen(sealed_fd, "wb") as dst:
                    envelope.seal(fh, dst, recipients=seal[0], passphrase=seal[1],
                                  cost=seal[2])
        if sealed is not None:
            os.replace(sealed, tmp)
        cancel.check()
        os.replace(tmp, out_path)
    finally:
        for leftover in (tmp, sealed):
            with suppress(FileNotFoundError):
                if leftover is not None:
                    leftover.unlink()


def _bytes_opener(data: bytes) -> Callable[[], IO[bytes]]:
    return lambda: io.BytesIO(data)
