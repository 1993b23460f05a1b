"""Migrations, constraints the database enforces, backups and refusal of newer databases."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from caseapp.db.base import Base
from caseapp.db.engine import make_engine
from caseapp.db.fts import FTS_TABLE
from caseapp.db.migrate import HEAD, current_revision, head_revision, upgrade_database
from caseapp.errors import CaseAppError
from tests import rawdb


def test_upgrade_from_empty_reaches_head(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    assert upgrade_database(path) is None  # a new file needs no backup
    assert current_revision(path) == head_revision()
    tables = {r[0] for r in sqlite3.connect(path).execute(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"cases", "seizures", "shipments", "companies", "persons", "links", "notes",
            "attachments", "audit_entries", "ops", "changesets"} <= tables


def test_the_head_constant_is_alembics_head() -> None:
    """A database at HEAD opens without importing Alembic: HEAD must be the real head."""
    assert head_revision() == HEAD


def test_opening_a_database_at_head_does_not_import_alembic(tmp_path: Path) -> None:
    path = tmp_path / "head.db"
    upgrade_database(path)
    code = ("import sys; from pathlib import Path; from caseapp.db.migrate import "
            "upgrade_database; upgrade_database(Path(sys.argv[1])); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_live_seizures_of_a_case_are_read_from_the_partial_index(tmp_path: Path) -> None:
    path = tmp_path / "plan.db"
    upgrade_database(path)
    plan = " ".join(r[-1] for r in sqlite3.connect(path).execute(
        "EXPLAIN QUERY PLAN SELECT id FROM seizures WHERE deleted_at IS NULL AND case_uid = ? "
        "ORDER BY seized_on DESC, id DESC", ("x",)))
    assert "COVERING INDEX ix_seizures_live_case_date" in plan


def skip_fts(name: str | None, type_: str, _parents: object) -> bool:
    """The full-text index is raw SQL (revision 0003), outside the models, as in env.py."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))


def test_models_and_migrations_do_not_drift(tmp_path: Path) -> None:
    """`alembic check` in spirit: the migrated schema and the models compare equal."""
    path = tmp_path / "drift.db"
    upgrade_database(path)
    engine = make_engine(path)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_name": skip_fts})
        diffs = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diffs == []


def test_upgrade_of_an_old_database_backs_it_up_first(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    upgrade_database(path, "0001")
    con = sqlite3.connect(path)
    con.execute("INSERT INTO meta (key, value) VALUES ('marker', 'kept')")
    con.commit()
    con.close()
    backup = upgrade_database(path)
    assert backup is not None and backup.exists()
    assert backup.parent.name == "backups"
    assert sqlite3.connect(backup).execute(
        "SELECT value FROM meta WHERE key='marker'").fetchone() == ("kept",)
    assert current_revision(path) == head_revision()
    assert sqlite3.connect(path).execute(
        "SELECT value FROM meta WHERE key='marker'").fetchone() == ("kept",)


def test_a_database_from_a_newer_caseapp_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    upgrade_database(path)
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num='9999'")
    con.commit()
    con.close()
    with pytest.raises(CaseAppError, match="newer version of caseapp"):
        upgrade_database(path)


def test_audit_entries_cannot_be_updated_or_deleted(ws: object, db_path: Path) -> None:
    con = rawdb.connect(db_path)
    with pytest.raises(rawdb.IntegrityError, match="append-only"):
        con.execute("UPDATE audit_entries SET actor='mallory'")
    with pytest.raises(rawdb.IntegrityError, match="append-only"):
        con.execute("DELETE FROM audit_entries")


@pytest.mark.parametrize("column, value", [
    ("net_quantity", -1), ("purity_percent", 101), ("unit", "bushel"), ("form", "gas"),
])
def test_the_database_itself_rejects_bad_seizure_values(ws: object, db_path: Path,
                                                        column: str, value: object) -> None:
    ws.cases.add({"ref": "C-1", "title": "t"})  # type: ignore[attr-defined]
    con = rawdb.connect(db_path)
    case_uid = con.execute("SELECT uid FROM cases").fetchone()[0]
    sub = con.execute("SELECT uid FROM substances LIMIT 1").fetchone()[0]
    row = {"uid": "u1", "created_at": "x", "updated_at": "x", "case_uid": case_uid,
           "exhibit_ref": "E1", "seized_on": "2026-01-01", "substance": sub,
           "net_quantity": 1, "unit": "kg", "lab_confirmed": 0, column: value}
    cols = ", ".join(row)
    with pytest.raises(rawdb.IntegrityError, match="CHECK"):
        con.execute(f"INSERT INTO seizures ({cols}) VALUES ({', '.join('?' * len(row))})",
                    list(row.values()))


def test_foreign_keys_are_enforced(ws: object, db_path: Path) -> None:
    con = rawdb.connect(db_path)
    con.execute("PRAGMA foreign_keys=ON")
    with pytest.raises(rawdb.IntegrityError, match="FOREIGN KEY"):
        con.execute("INSERT INTO shipments (uid, created_at, updated_at, case_uid, ref, "
                    "transit_countries) VALUES ('s', 'x', 'x', 'no-such-case', 'R', '[]')")
