"""Rewriting history with the database file alone, and no key, is caught.

Each attack is what someone holding only the file can do with sqlite3: drop the append-only
triggers, edit or delete rows, recompute every hash of the audit chain. Signed checkpoints
catch what lies below the newest one; the witness this machine keeps beside the key catches
the newest ones cut off. Checked through the real `caseapp verify` and the service.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from caseapp.db.audit import GENESIS, entry_hash
from caseapp.db.engine import Database
from caseapp.services.demo import load_demo
from caseapp.services.verify import verify_database
from caseapp.services.workspace import Workspace
from tests import rawdb

HASHED = ("seq", "at", "actor", "action", "outcome", "kind", "record_uid", "case_uid",
          "changes", "detail", "prev_hash")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "case.db"
    with Workspace.open(path) as ws:
        load_demo(ws)
        for i in range(3):  # three more units of work, each with its changeset
            ws.cases.edit("CASE-2026-0007", {"summary": f"summary {i}"})
    return path


def problems(path: Path) -> list[str]:
    report = verify_database(Database(path))
    return [p for c in report.checks for p in c.problems]


def attacker(path: Path) -> sqlite3.Connection:
    con = rawdb.connect(path)
    for name in ("audit_entries_no_update", "audit_entries_no_delete",
                 "audit_checkpoints_no_update", "audit_checkpoints_no_delete"):
        con.execute(f"DROP TRIGGER IF EXISTS {name}")
    return con


def rechain(con: sqlite3.Connection) -> None:
    """Recompute every prev_hash and hash, as someone who read db/audit.py would."""
    rows = con.execute(f"SELECT {', '.join(HASHED)} FROM audit_entries ORDER BY seq").fetchall()
    prev = GENESIS
    for row in rows:
        entry = dict(zip(HASHED, row, strict=True))
        entry["prev_hash"] = prev
        if entry["changes"] is not None:
            entry["changes"] = json.loads(entry["changes"])
        prev_new = entry_hash(entry)
        con.execute("UPDATE audit_entries SET prev_hash = ?, hash = ? WHERE seq = ?",
                    (prev, prev_new, entry["seq"]))
        prev = prev_new


def newest_summary_edit(con: sqlite3.Connection) -> tuple[int, str]:
    """(audit seq, changeset id) of the newest edit."""
    seq, = con.execute("SELECT max(seq) FROM audit_entries WHERE action = 'update'").fetchone()
    cs, = con.execute("SELECT changesets FROM audit_checkpoints WHERE audit_seq >= ? "
                      "ORDER BY n LIMIT 1", (seq,)).fetchone()
    return seq, json.loads(cs)[0]


def test_an_intact_database_passes_with_its_checkpoints(db: Path) -> None:
    report = verify_database(Database(db))
    assert report.ok, report.first_problem
    summary = next(c.summary for c in report.checks if c.name == "signed checkpoints")
    assert "compared with this machine's witness" in summary
    con = rawdb.connect(db)
    (count,) = con.execute("SELECT count(*) FROM audit_checkpoints").fetchone()
    assert count >= 5


def test_an_edited_entry_with_every_hash_recomputed_is_caught(db: Path) -> None:
    con = attacker(db)
    con.execute("UPDATE audit_entries SET actor = 'someone else' WHERE seq = 3")
    rechain(con)
    con.commit()
    found = problems(db)
    assert any("no longer has the hash it signed" in p for p in found), found


def test_a_deleted_middle_entry_with_the_chain_recomputed_is_caught(db: Path) -> None:
    con = attacker(db)
    con.execute("DELETE FROM audit_entries WHERE seq = 4")
    con.execute("UPDATE audit_entries SET seq = seq - 1 WHERE seq > 4")
    rechain(con)
    con.commit()
    assert any("no longer has the hash it signed" in p for p in problems(db))


def test_erasing_a_whole_middle_edit_is_caught(db: Path) -> None:
    """Changeset, ops, the row's value and audit rows of one edit, then the chain recomputed
    and that edit's checkpoint removed: the signatures give it away."""
    con = attacker(db)
    seq, cs = con.execute(
        "SELECT audit_seq, changesets FROM audit_checkpoints WHERE changesets != '[]' "
        "ORDER BY n DESC LIMIT 1 OFFSET 1").fetchone()   # the second newest edit
    cs = json.loads(cs)[0]
    con.execute("DELETE FROM ops WHERE changeset_id = ?", (cs,))
    con.execute("DELETE FROM changesets WHERE id = ?", (cs,))
    con.execute("DELETE FROM audit_entries WHERE seq = ?", (seq,))
    con.execute("UPDATE audit_entries SET seq = seq - 1 WHERE seq > ?", (seq,))
    con.execute("DELETE FROM audit_checkpoints WHERE audit_seq = ?", (seq,))
    rechain(con)
    con.commit()
    found = problems(db)
    assert any("missing" in p or "does not follow" in p for p in found), found


def test_a_changeset_erased_from_the_log_is_a_gap(db: Path) -> None:
    con = attacker(db)
    _seq, cs = newest_summary_edit(con)
    con.execute("DELETE FROM ops WHERE changeset_id = ?", (cs,))
    con.execute("DELETE FROM changesets WHERE id = ?", (cs,))
    con.commit()
    assert any("named by signed checkpoints are missing" in p for p in problems(db))


def test_an_entry_appended_without_the_key_is_caught(db: Path) -> None:
    con = attacker(db)
    con.execute("INSERT INTO audit_entries (seq, at, actor, action, outcome, prev_hash, hash) "
                "SELECT seq + 1, at, 'forger', 'login', 'ok', hash, 'tbd' FROM audit_entries "
                "ORDER BY seq DESC LIMIT 1")
    rechain(con)
    con.commit()
    assert any("after the last signed checkpoint" in p for p in problems(db))


def test_cutting_off_the_newest_edits_is_caught_by_the_witness(db: Path) -> None:
    """The newest edit, its audit rows and its checkpoint erased: consistent inside the file,
    but this machine remembers a newer checkpoint."""
    con = attacker(db)
    seq, cs = newest_summary_edit(con)
    con.execute("DELETE FROM ops WHERE changeset_id = ?", (cs,))
    con.execute("DELETE FROM changesets WHERE id = ?", (cs,))
    con.execute("DELETE FROM audit_entries WHERE seq >= ?", (seq,))
    con.execute("DELETE FROM audit_checkpoints WHERE audit_seq >= ?", (seq,))
    con.commit()
    found = problems(db)
    assert any("newest entries were removed" in p for p in found), found


def test_a_database_made_anew_at_the_same_path_is_not_a_false_alarm(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with Workspace.open(db) as ws:
        ws.cases.add({"ref": "CASE-NEW", "title": "A fresh start"})
    report = verify_database(Database(db))
    assert report.ok, report.first_problem


def test_caseapp_verify_exits_1_on_a_rewritten_history(db: Path) -> None:
    con = attacker(db)
    con.execute("UPDATE audit_entries SET detail = 'nothing happened' WHERE seq = 2")
    rechain(con)
    con.commit()
    con.close()
    proc = subprocess.run([sys.executable, "-m", "caseapp", "--db", str(db), "verify"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "checkpoint" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
