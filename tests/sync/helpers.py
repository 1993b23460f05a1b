"""Helpers for bundle tests: workspaces with their own keys, trust, canonical dumps."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select

from caseapp.db.changelog import Identity
from caseapp.db.engine import Database
from caseapp.db.models import Meta, Op, TrustedKey, table_of
from caseapp.domain.records import KIND_ORDER, spec_map
from caseapp.services.conflicts import ConflictService
from caseapp.services.workspace import Workspace
from caseapp.sync.signing import Signer
from tests import rawdb


def new_signer(name: str) -> Signer:
    return Signer(Ed25519PrivateKey.generate(), name)


def pub_file(signer: Signer, folder: Path) -> Path:
    """The signer's public key file (`caseapp keygen`'s `.pub`) in `folder`."""
    path = folder / f"{signer.key_id}.pub"
    path.write_text(json.dumps({"name": signer.name, "key_id": signer.key_id,
                                "public_key": signer.public_hex}))
    return path


def open_ws(path: Path, name: str) -> Workspace:
    """A workspace on a new database with its own investigator key."""
    return Workspace.open(path, signer=new_signer(name))


def clone_ws(template: Path, path: Path, name: str) -> Workspace:
    """A fast replica: copy a migrated, seeded database and give it a new site and key."""
    rawdb.copy_database(template, path)
    ws = Workspace(Database(path), Identity(new_signer(name)))
    with ws.db.begin() as s:
        s.execute(delete(Meta).where(Meta.key == "site_id"))  # the clock carries on
    ws._trust_own_key()
    return ws


def trust(ws: Workspace, *others: Workspace) -> None:
    with ws.db.begin() as s:
        known = set(s.execute(select(TrustedKey.key_id)).scalars())
        for other in others:
            signer = other.identity.signer
            if signer.key_id not in known:
                s.execute(TrustedKey.__table__.insert().values(
                    key_id=signer.key_id, public_key=signer.public_hex, name=signer.name,
                    added_at="2026-01-01T00:00:00Z"))


def canonical_dump(ws: Workspace) -> str:
    """Every record row (without local ids) and the open conflicts, as one JSON text."""
    out: dict[str, Any] = {}
    with ws.db.read() as s:
        for kind in KIND_ORDER:
            table = table_of(kind)
            rows = s.execute(select(table).order_by(table.c.uid)).mappings().all()
            cols = [*spec_map(kind), "created_at", "updated_at", "created_by"]
            out[kind] = [{"uid": r["uid"], **{c: _plain(r[c]) for c in cols}} for r in rows]
    out["conflicts"] = conflict_set(ws)
    return json.dumps(out, sort_keys=True, default=str)


def conflict_set(ws: Workspace) -> list[Any]:
    return sorted([c.kind, c.uid, c.field, sorted(v.op_id for v in c.values)]
                  for c in ConflictService(ws).list_open())


def op_ids(ws: Workspace) -> set[str]:
    with ws.db.read() as s:
        return set(s.execute(select(Op.op_id)).scalars())


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value if value is None or isinstance(value, (str, int, bool)) else str(value)


def file_state(path: Path) -> str:
    """Hash of the database file after a checkpoint (WAL folded in), for byte-for-byte checks."""
    con = rawdb.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    wal = path.with_name(path.name + "-wal")
    extra = wal.read_bytes() if wal.exists() else b""
    return hashlib.sha256(path.read_bytes() + extra).hexdigest()


def exported_demo(tmp: Path, ref: str = "CASE-2026-0007") -> dict[str, Any]:
    """alice's demo case exported as `good.casebundle`, and bob's empty database that trusts
    her key: what the hostile-bundle tests forge from and import into."""
    from caseapp.services.bundles import BundleService
    from caseapp.services.demo import load_demo

    a, b = open_ws(tmp / "a.db", "alice"), open_ws(tmp / "b.db", "bob")
    trust(b, a)
    load_demo(a)
    BundleService(a).export_case(ref, tmp / "good.casebundle")
    signer = a.identity.signer
    a.close()
    identity = b.identity
    b.close()
    return {"dir": tmp, "db": tmp / "b.db", "signer": signer, "identity": identity,
            "good": (tmp / "good.casebundle").read_bytes()}


def title_conflict(a: Workspace, ref: str, folder: Path, author: str = "bob",
                   mine: str = "from the window", theirs: str = "from bob") -> int:
    """A case title edited on `a` and, concurrently, on a colleague's database (`author`),
    whose bundle `a` then imports: one open conflict. Returns the conflicts opened."""
    from caseapp.services.bundles import BundleService

    b = open_ws(folder / "b.db", author)
    trust(a, b)
    trust(b, a)
    BundleService(a).export_case(ref, folder / "a.casebundle")
    BundleService(b).import_bundle(folder / "a.casebundle")
    a.cases.edit(ref, {"title": mine})
    b.cases.edit(ref, {"title": theirs})
    BundleService(b).export_case(ref, folder / "b.casebundle")
    b.close()
    return BundleService(a).import_bundle(folder / "b.casebundle").conflicts_opened
