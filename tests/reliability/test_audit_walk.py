"""The fast audit-chain walk agrees with the reference hash and still catches tampering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from caseapp.db.audit import _CHAIN_SQL, _fast_hash, _reference_hash, iter_chain_problems
from tests import rawdb


def chain_rows(path: Path) -> list[Any]:
    con = rawdb.connect(path)
    try:
        return con.execute(_CHAIN_SQL, (0, 10**9)).fetchall()
    finally:
        con.close()


def test_fast_hash_is_the_reference_hash_for_every_demo_entry(demo_ws: Any,
                                                               db_path: Path) -> None:
    demo_ws.companies.edit("Wuhan Lanshuo Yuanheng Chemical Technology Co., Ltd.",
                           {"notes": "引号 \"quoted\" \\ and a tab\t"})
    rows = chain_rows(db_path)
    assert len(rows) > 50
    for row in rows:
        assert _fast_hash(row) == row[11] == _reference_hash(row), row[0]


def test_an_edited_entry_is_reported(demo_ws: Any, db_path: Path) -> None:
    con = rawdb.connect(db_path)
    con.execute("DROP TRIGGER audit_entries_no_update")
    con.execute("UPDATE audit_entries SET changes = replace(changes, 'LSYH', 'XXXX') "
                "WHERE changes LIKE '%LSYH%'")
    con.commit()
    con.close()
    with demo_ws.db.read() as s:
        problems = list(iter_chain_problems(s))
    assert problems and "does not match its hash" in problems[0].reason


def test_reformatted_but_intact_changes_are_not_a_problem(demo_ws: Any, db_path: Path) -> None:
    """Stored JSON written with other spacing still hashes right (the reference path)."""
    con = rawdb.connect(db_path)
    con.execute("DROP TRIGGER audit_entries_no_update")
    con.execute("UPDATE audit_entries SET changes = replace(changes, '\":', '\": ') "
                "WHERE seq = (SELECT max(seq) FROM audit_entries WHERE changes IS NOT NULL)")
    con.commit()
    con.close()
    with demo_ws.db.read() as s:
        assert list(iter_chain_problems(s)) == []
