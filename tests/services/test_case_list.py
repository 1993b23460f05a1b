"""The case list read through the SQLite driver (services/case_list.py): the window's first
screen and `caseapp cases` list exactly what `CaseService` lists, or step aside (None)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from caseapp.db import cipher
from caseapp.services.case_list import CaseListReader, case_rows, case_select
from caseapp.services.records import ListQuery
from caseapp.services.workspace import Workspace

QUERIES = [ListQuery(), ListQuery(include_deleted=True), ListQuery(filters={"status": "open"}),
           ListQuery(filters={"status": "suspended"}, include_deleted=True),
           ListQuery(sort="title", descending=True), ListQuery(sort="opened_on")]


def add_cases(ws: Any) -> None:
    ws.cases.add({"ref": "CASE-B", "title": "Beta", "lead_investigator": "Ana Ruiz",
                  "opened_on": "2025-03-01"})
    ws.cases.add({"ref": "CASE-A", "title": "Alpha 武汉", "status": "suspended"})
    ws.cases.add({"ref": "CASE-D", "title": "Beta", "opened_on": "2024-12-31"})
    ws.cases.add({"ref": "CASE-C", "title": "Gone"})
    ws.cases.delete("CASE-C")


def listed(reader: CaseListReader, q: ListQuery) -> list[tuple[str, str]]:
    rows = reader.display_rows("case", reader.ordered_ids("case", q))
    return [(r.uid, r.ref) for r in rows]


def test_the_reader_lists_what_the_case_service_lists(ws: Any, db_path: Path) -> None:
    add_cases(ws)
    reader = CaseListReader.open(db_path)
    assert reader is not None
    try:
        for q in QUERIES:
            expected = [(c.uid, c.ref) for c in ws.cases.list_all(q)]
            assert listed(reader, q) == expected, q
            assert reader.probe("case", q, 2) == min(2, len(expected))
        row = reader.display_rows("case", reader.ordered_ids("case", ListQuery()))[0]
        assert (row.ref, row.status, row.title) == ("CASE-A", "suspended", "Alpha 武汉")
        assert reader.by_ids("case", [row.id])[0].uid == row.uid
        assert reader.default_sort("case") == ws.cases.default_sort
        with pytest.raises(ValueError):
            reader.ordered_ids("seizure", ListQuery())
    finally:
        reader.close()


def test_queries_only_the_services_read_are_refused() -> None:
    assert case_select(("id",), ListQuery(text="beta")) is None
    assert case_select(("id",), ListQuery(case_uid="x")) is None
    assert case_select(("id",), ListQuery(filters={"ref; DROP TABLE cases": 1})) is None
    assert case_select(("id",), ListQuery(sort="summary")) is None


def test_the_command_lines_rows_follow_the_same_query(ws: Any, db_path: Path) -> None:
    add_cases(ws)
    for status, deleted in ((None, False), (None, True), ("open", False), ("suspended", True)):
        rows = case_rows(db_path, status=status, include_deleted=deleted)
        if cipher.is_encrypted(db_path):  # (pytest --encrypted) the command line has no key
            assert rows is None
            continue
        q = ListQuery(filters={"status": status} if status else {}, include_deleted=deleted)
        assert [r[0] for r in rows or []] == [c.ref for c in ws.cases.list_all(q)]


def test_an_encrypted_database_is_read_with_the_key_this_process_holds(
        tmp_path: Path) -> None:
    path = tmp_path / "secret.db"
    with Workspace.open(path, passphrase="correct horse battery") as ws:
        add_cases(ws)
        expected = [(c.uid, c.ref) for c in ws.cases.list_all()]
    assert cipher.is_encrypted(path) and cipher.known_key(path) is not None
    reader = CaseListReader.open(path)
    assert reader is not None
    try:
        assert listed(reader, ListQuery()) == expected
    finally:
        reader.close()
    assert case_rows(path) is None  # the command line has no key: the workspace asks
    cipher.forget(path)
    assert CaseListReader.open(path) is None  # locked: the window asks its passphrase first


def test_a_database_below_or_above_the_head_is_left_to_the_workspace(ws: Any,
                                                                      db_path: Path) -> None:
    add_cases(ws)
    ws.close()
    conn = cipher.connect(db_path, cipher.known_key(db_path))
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.close()
    assert CaseListReader.open(db_path) is None and case_rows(db_path) is None
    (db_path.parent / "foreign.db").write_bytes(b"SQLite format 3\x00" + bytes(200))
    assert CaseListReader.open(db_path.parent / "foreign.db") is None
    assert CaseListReader.open(db_path.parent / "missing.db") is None
