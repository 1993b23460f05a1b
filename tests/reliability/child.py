"""The process the crash tests kill: it does one piece of work and is SIGKILLed mid-way.

    python tests/reliability/child.py import DB CSV CASE_REF
    python tests/reliability/child.py edits DB CASE_REF COUNT
    python tests/reliability/child.py migrate DB

It prints "ready" just before the work starts (so the parent's random delay falls inside the
work, not inside Python's start-up) and "done" when the work has committed.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    mode, db = argv[0], Path(argv[1])
    if mode == "migrate":
        from caseapp.db.migrate import upgrade_database

        print("ready", flush=True)
        upgrade_database(db)
    elif mode == "import":
        from caseapp.services.importing import CsvImporter
        from caseapp.services.workspace import Workspace

        with Workspace.open(db) as ws:
            print("ready", flush=True)
            CsvImporter(ws).import_file("seizures", Path(argv[2]), argv[3])
    elif mode == "edits":
        from caseapp.services.workspace import Workspace

        with Workspace.open(db) as ws:
            case_uid = ws.cases.find(argv[2]).uid
            with ws.db.read() as s:
                first = ws.seizures.resolve_in(s, "EX-A", case_uid)
                second = ws.seizures.resolve_in(s, "EX-B", case_uid)
            print("ready", flush=True)
            for i in range(int(argv[3])):
                # One unit edits both exhibits: after a crash both carry the same note.
                with ws.unit() as uow:
                    ws.seizures.edit_in(uow, first, {"notes": f"burst {i}"})
                    ws.seizures.edit_in(uow, second, {"notes": f"burst {i}"})
    else:
        raise SystemExit(f"unknown mode {mode}")
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
