"""A receiver remembers the audit heads a sender's bundles stated, and refuses a bundle whose
history does not extend them (the sender's file rewritten or cut), in any order of arrival."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from caseapp.db.models import PeerHead
from caseapp.errors import BundleRejected
from caseapp.services.bundles import BundleService
from caseapp.services.demo import load_demo
from caseapp.services.workspace import Workspace
from tests.db.test_audit_checkpoints import attacker, rechain
from tests.sync.helpers import file_state, open_ws, trust

REF = "CASE-2026-0007"


def export(ws: Workspace, path: Path) -> Path:
    BundleService(ws).export_case(REF, path)
    return path


def edit(ws: Workspace, text: str) -> None:
    ws.cases.edit(REF, {"summary": text})


@pytest.fixture
def pair(tmp_path: Path):
    a, b = open_ws(tmp_path / "a.db", "alice"), open_ws(tmp_path / "b.db", "bob")
    trust(b, a)
    load_demo(a)
    yield a, b
    a.close()
    b.close()


def test_heads_are_remembered_and_a_growing_history_imports(pair, tmp_path: Path) -> None:
    a, b = pair
    one = export(a, tmp_path / "1.casebundle")
    edit(a, "more")
    two = export(a, tmp_path / "2.casebundle")
    BundleService(b).import_bundle(one)
    BundleService(b).import_bundle(two)
    with b.db.read() as s:
        seen = s.execute(select(PeerHead.audit_seq, PeerHead.bundle_id)).all()
    assert len({seq for seq, _ in seen}) >= 2   # both heads, and bundle 2 restates bundle 1's


def test_bundles_may_arrive_in_any_order(pair, tmp_path: Path) -> None:
    a, b = pair
    one = export(a, tmp_path / "1.casebundle")
    edit(a, "more")
    two = export(a, tmp_path / "2.casebundle")
    BundleService(b).import_bundle(two)
    older = BundleService(b).import_bundle(one)  # older, shorter history: agrees, imports
    assert older.new_ops == 0 and older.duplicate_ops > 0   # all of it came with bundle 2
    assert b.cases.find(REF).summary == "more"
    with b.db.read() as s:
        heads = dict(s.execute(select(PeerHead.audit_seq, PeerHead.bundle_id)).all())
    assert len(heads) >= 2   # bundle 1's head was remembered from both bundles


def test_a_sender_whose_history_was_rewritten_is_refused(pair, tmp_path: Path) -> None:
    a, b = pair
    BundleService(b).import_bundle(export(a, tmp_path / "1.casebundle"))
    a_path = a.db.path
    a.close()
    con = attacker(a_path)
    con.execute("UPDATE audit_entries SET detail = 'never happened' WHERE seq = 2")
    rechain(con)
    con.commit()
    con.close()
    a2 = Workspace.open(a_path, signer=a.identity.signer)
    edit(a2, "after the rewrite")
    three = export(a2, tmp_path / "3.casebundle")
    a2.close()
    before = file_state(b.db.path)
    with pytest.raises(BundleRejected, match="audit history is not the one an earlier bundle"):
        BundleService(b).import_bundle(three)
    assert file_state(b.db.path) == before


def test_a_sender_whose_newest_entries_were_cut_is_refused(pair, tmp_path: Path) -> None:
    a, b = pair
    one = export(a, tmp_path / "1.casebundle")
    edit(a, "kept")
    two = export(a, tmp_path / "2.casebundle")
    BundleService(b).import_bundle(one)
    BundleService(b).import_bundle(two)
    a_path = a.db.path
    a.close()
    con = attacker(a_path)   # cut everything after bundle 1's export, checkpoints too
    (cut,) = con.execute("SELECT min(seq) FROM audit_entries WHERE action = 'export'"
                         ).fetchone()
    con.execute("DELETE FROM audit_entries WHERE seq > ?", (cut,))
    con.execute("DELETE FROM audit_checkpoints WHERE audit_seq > ?", (cut,))
    con.commit()
    con.close()
    a2 = Workspace.open(a_path, signer=a.identity.signer)
    for i in range(6):   # enough new entries to pass bundle 2's head again
        edit(a2, f"rewritten {i}")
    four = export(a2, tmp_path / "4.casebundle")
    a2.close()
    with pytest.raises(BundleRejected, match="no longer states it|now says"):
        BundleService(b).import_bundle(four)


def test_a_malformed_audit_head_is_refused(pair, tmp_path: Path) -> None:
    from tests.sync.test_bundle_hostile import forge

    a, b = pair
    good = export(a, tmp_path / "1.casebundle").read_bytes()
    setup = {"good": good, "signer": a.identity.signer}
    bad = forge(setup, manifest=lambda m: m["audit"].update(marks=[["x", "y"]]))
    path = tmp_path / "bad.casebundle"
    path.write_bytes(bad)
    with pytest.raises(BundleRejected, match="audit head is malformed"):
        BundleService(b).import_bundle(path)
