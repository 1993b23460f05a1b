"""The bulk write path (issue 17): audit entries hashed once, the same hash as the reference."""

from __future__ import annotations

import json
from typing import Any

from caseapp.db.audit import HASHED, append_entries, entry_hash, iter_chain_problems


def test_appended_entries_carry_the_reference_hash_and_canonical_changes(ws: Any) -> None:
    entries = [{"at": "2026-11-30T00:00:00.000Z", "actor": "Det. Ana Ruiz", "action": "create",
                "kind": "seizure", "record_uid": "u1", "case_uid": None,
                "changes": {"place": [None, "武汉 \"港\"\n\u2028"], "a": [None, ["x", 1]]},
                "detail": None},
               {"at": "2026-11-30T00:00:00.000Z", "actor": "bench", "action": "import",
                "detail": "import-csv seizures s.csv: 1 rows", "changes": None}]
    with ws.db.begin() as s:
        append_entries(s, entries)
    with ws.db.read() as s:
        rows = s.connection().exec_driver_sql(
            f"SELECT {', '.join(HASHED)}, hash FROM audit_entries ORDER BY seq").fetchall()
        assert list(iter_chain_problems(s)) == []
    for row in rows[-2:]:
        entry = dict(zip(HASHED, row[:-1], strict=True))
        if entry["changes"] is not None:
            stored = entry["changes"]
            entry["changes"] = json.loads(stored)
            assert stored == json.dumps(entry["changes"], sort_keys=True, ensure_ascii=False,
                                        separators=(",", ":"))
        assert row[-1] == entry_hash(entry)
