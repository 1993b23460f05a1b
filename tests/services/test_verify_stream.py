"""`caseapp verify` streams its checks (issue 17): it still catches every kind of tampering."""

from __future__ import annotations

from typing import Any

import pytest

from caseapp.services.verify import verify_database


@pytest.fixture
def made(ws: Any) -> Any:
    ws.cases.add({"ref": "CASE-9", "title": "Drums"})
    for i in range(5):
        ws.seizures.add({"exhibit_ref": f"EX-{i}", "seized_on": "2026-03-0" + str(i + 1),
                         "substance": "NPP", "net_quantity": "2.5", "unit": "kg",
                         "place": "Manzanillo"}, case="CASE-9")
    ws.seizures.edit("EX-3", {"place": "Lázaro Cárdenas", "net_quantity": "3"}, case="CASE-9")
    return ws


def tamper(ws: Any, sql: str) -> None:
    with ws.db.begin() as s:
        con = s.connection()
        con.exec_driver_sql("PRAGMA foreign_keys=OFF")
        con.exec_driver_sql("DROP TRIGGER IF EXISTS fts_sync_seizures_au")
        con.exec_driver_sql(sql)


def problems(ws: Any) -> dict[str, list[str]]:
    report = verify_database(ws.db)
    return {c.name: c.problems for c in report.checks if c.problems}


def test_an_intact_database_with_edits_verifies(made: Any) -> None:
    assert problems(made) == {}


def test_an_edited_row_is_named_with_field_and_values(made: Any) -> None:
    tamper(made, "UPDATE seizures SET place = 'Tijuana' WHERE exhibit_ref = 'EX-3'")
    found = problems(made)["change log vs tables"]
    assert len(found) == 1 and "field place: table has 'Tijuana', change log says " \
        "'Lázaro Cárdenas'" in found[0]
    tamper(made, "UPDATE seizures SET net_quantity = 7 WHERE exhibit_ref = 'EX-1'")
    assert any("field net_quantity: table has '7'" in p
               for p in problems(made)["change log vs tables"])


def test_an_edited_op_is_caught_and_its_changeset_no_longer_verifies(made: Any) -> None:
    tamper(made, "UPDATE ops SET fields = replace(fields, 'Manzanillo', 'Tijuana') "
                 "WHERE seq = (SELECT min(seq) FROM ops WHERE kind = 'seizure')")
    found = problems(made)
    assert any("does not match its id (edited?)" in p for p in found["signatures"])


def test_a_row_without_ops_and_ops_without_a_row_are_named(made: Any) -> None:
    tamper(made, "DELETE FROM ops WHERE kind = 'seizure' AND uid = "
                 "(SELECT uid FROM seizures WHERE exhibit_ref = 'EX-0')")
    tamper(made, "DELETE FROM seizures WHERE exhibit_ref = 'EX-4'")
    found = problems(made)["change log vs tables"]
    assert any("is in its table but has no change-log entry" in p for p in found)
    assert any("is in the change log but not in its table" in p for p in found)


def test_a_forged_signature_is_caught(made: Any) -> None:
    tamper(made, "UPDATE changesets SET signature = replace(signature, substr(signature, 1, 2),"
                 " CASE substr(signature, 1, 2) WHEN '00' THEN '11' ELSE '00' END) "
                 "WHERE seq = (SELECT max(seq) FROM changesets)")
    assert any("has a bad signature" in p for p in problems(made)["signatures"])


def test_integrity_problems_given_in_one_row_become_one_problem_a_line() -> None:
    """SQLite 3.44+ (inside sqlcipher3) can return every problem in one row of
    `PRAGMA integrity_check`, a line each; the first problem must stay one line."""
    from unittest import mock

    from caseapp.services.verify import _integrity

    session = mock.Mock()
    session.execute.side_effect = [
        mock.Mock(all=lambda: []),  # no search index tables
        mock.Mock(all=lambda: [("*** in database main ***\nTree 5 page 5: bad\nTree 6: bad",)]),
    ]
    result = _integrity(session)
    assert not result.ok
    assert result.problems == ["Tree 5 page 5: bad", "Tree 6: bad"]
