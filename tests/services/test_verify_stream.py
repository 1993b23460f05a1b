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


CHECK_NAMES = ["integrity", "foreign keys", "audit chain", "signed checkpoints", "signatures",
               "case scope", "team list", "change log vs tables"]


def test_the_checks_beside_each_other_report_in_their_order_from_their_threads(
        made: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import functools
    import threading

    from caseapp.services import verify

    threads: dict[str, str] = {}

    def where(check: Any) -> Any:
        @functools.wraps(check)
        def run(s: Any) -> Any:
            threads[check.__name__] = threading.current_thread().name
            return check(s)
        return run

    for name in ("_integrity", "_audit"):
        monkeypatch.setattr(verify, name, where(getattr(verify, name)))
    report = verify_database(made.db)
    assert report.ok and [c.name for c in report.checks] == CHECK_NAMES
    assert threads == {"_integrity": "verify: SQLite checks",
                       "_audit": threading.current_thread().name}


class _WritesWhenRead:
    """Stands between two sessions as they begin: another connection commits then."""

    def __init__(self, ws: Any, times: int) -> None:
        self.ws, self.times, self.calls = ws, times, 0

    def execute(self, *_args: Any) -> Any:
        self.calls += 1
        if self.calls <= self.times:
            self.ws.seizures.add({"exhibit_ref": f"EX-new-{self.calls}", "seized_on": "2026-04-01",
                                  "substance": "NPP", "net_quantity": "1", "unit": "kg"},
                                 case="CASE-9")
        return self

    def all(self) -> list[Any]:
        return []

    def rollback(self) -> None:
        pass


def test_the_two_connections_read_one_snapshot_when_a_write_comes_between(made: Any) -> None:
    from sqlalchemy import text

    from caseapp.services.verify import _one_snapshot

    count = text("SELECT count(*) FROM seizures")
    writer = _WritesWhenRead(made, times=1)
    with made.db.read() as s, made.db.read() as side:
        assert _one_snapshot(made.db, [s, writer, side])
        assert s.execute(count).scalar() == side.execute(count).scalar() == 6
    assert writer.calls == 2  # began again after the write

    always = _WritesWhenRead(made, times=99)
    with made.db.read() as s, made.db.read() as side:
        assert not _one_snapshot(made.db, [s, always, side], tries=3)


def test_without_one_snapshot_every_check_runs_on_one_connection(
        made: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from caseapp.services import verify

    monkeypatch.setattr(verify, "_one_snapshot", lambda *_a, **_k: False)
    tamper(made, "UPDATE seizures SET place = 'Tijuana' WHERE exhibit_ref = 'EX-3'")
    report = verify_database(made.db)
    assert [c.name for c in report.checks] == CHECK_NAMES
    assert [c.name for c in report.checks if not c.ok] == ["change log vs tables"]


def test_a_cancelled_verify_stops_the_checks_beside_it(made: Any) -> None:
    import threading

    from caseapp.progress import Cancelled, CancelToken

    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        verify_database(made.db, cancel=token)
    assert not [t for t in threading.enumerate() if t.name == "verify: SQLite checks"]


def test_row_values_read_from_the_driver_become_what_the_orm_path_makes_of_them() -> None:
    """`_column_json` takes shortcuts (decimals through `repr`, remembered dates, lists and
    flags); each must give exactly what `spec.to_json` of the column type's value gives."""
    import random

    from sqlalchemy.dialects import sqlite

    from caseapp.db.models import table_of
    from caseapp.domain.records import KIND_ORDER, spec_map
    from caseapp.services.verify import _column_json

    rng = random.Random(17)
    floats = [0.0, -0.0, 1.0, -3.0, 0.1, 0.1 + 0.2, 1e-5, 1e-4, 123.456, 1e15, 1e15 + 0.5,
              9_999_999_999_999_998.0, 1e16, 1e22, 2.5e-300, float("inf"), float("nan")]
    floats += [round(rng.uniform(-1, 1) * 10 ** rng.randint(-6, 17), rng.randint(0, 9))
               for _ in range(20000)]
    raws: dict[str, list[Any]] = {
        "decimal": [None, 3, "2.50", *floats],
        "date": [None, "2017-02-12", "2017-2-3", "2026-12-31"] * 2,
        "list": [None, "[]", '["a", "b"]', '["Lázaro"]', '["a","b"]'] * 2,
        "bool": [None, 0, 1, 2, 0.0, 1.0] * 2,
        "datetime": [None, "2026-03-14T10:00:00", "2026-03-14 10:00"],
    }
    dialect = sqlite.dialect()
    compared = 0
    for kind in KIND_ORDER:
        table = table_of(kind)
        for name, spec in spec_map(kind).items():
            column = table.c[name]
            proc = column.type.dialect_impl(dialect).result_processor(dialect, None)
            conv = _column_json(spec, column)
            for raw in raws.get(spec.type, ["text", None, 7]):
                try:
                    want: Any = spec.to_json(raw if proc is None else proc(raw))
                except Exception as exc:  # noqa: BLE001 - the shortcut must fail alike
                    want = type(exc)
                try:
                    have: Any = raw if conv is None else conv(raw)
                except Exception as exc:  # noqa: BLE001
                    have = type(exc)
                assert have == want or (have != have and want != want), (kind, name, raw)
                assert type(have) is type(want), (kind, name, raw)
                compared += 1
    assert compared > 200000
