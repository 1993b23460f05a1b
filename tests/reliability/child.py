"""The process the crash tests kill: it does one piece of work and is SIGKILLed mid-way.

    python tests/reliability/child.py import DB CSV CASE_REF       (one run, fresh interpreter)
    python tests/reliability/child.py serve                        (a fork server, see below)

Work: `import DB CSV CASE_REF` (CSV import), `bundle DB BUNDLE` (the `caseapp import` command),
`edits DB CASE_REF COUNT` (units that each edit two exhibits), `migrate DB` (upgrade to head),
and two deliberately non-atomic variants the self-tests must catch: `import-halves` (the CSV in
two units) and `edits-split` (each exhibit edited in its own unit).

Every event is one JSON line on stdout with a CLOCK_MONOTONIC time (the same clock in every
process on Linux): {"mark": "ready"} just before the work starts, "commit" just before SQLite
is asked to COMMIT, "committed" when it returned, "done" when the work has finished (database
closed). The parent reads which marks were written before the kill, so it knows whether the
kill landed before, during or after a commit.

`serve` pays Python's, SQLAlchemy's and caseapp's start-up once (about 0.7 s, more than the
work itself) and forks a worker per request. Each worker opens the database itself, after the
fork; the server never opens one. Protocol, one JSON line
each: the parent sends {"work": [...], "env": {...}}; the server answers {"pid": N}; the worker
writes its marks; the parent SIGKILLs the worker (or lets it finish) and sends "reap"; the
server answers {"exit": STATUS}. The worker is reaped only when the parent says so, so its pid
cannot be reused by another process before the parent's kill.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

Emit = Callable[[dict[str, object]], None]


def fd_emitter(fd: int) -> Emit:
    def emit(event: dict[str, object]) -> None:
        os.write(fd, (json.dumps(event) + "\n").encode())  # one write: lines never interleave
    return emit


def mark_commits(emit: Emit) -> None:
    """Write "commit"/"committed" around every COMMIT of a transaction that changed rows.

    Transactions that only read (opening a workspace that is already set up commits twice
    without changing anything) are left unmarked: they are not the work being tested."""
    from sqlalchemy.engine.default import DefaultDialect

    do_commit = DefaultDialect.do_commit
    # id -> (connection, its total_changes at its last commit); holding the connection keeps
    # its id from being reused by a later one (the worker is short-lived).
    seen: dict[int, tuple[Any, int]] = {}

    def marked(self: DefaultDialect, dbapi_connection: Any) -> None:
        raw = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
        changes = raw.total_changes
        if changes == seen.get(id(raw), (raw, 0))[1]:
            do_commit(self, dbapi_connection)
            return
        seen[id(raw)] = (raw, changes)
        emit({"mark": "commit", "t": time.monotonic()})
        do_commit(self, dbapi_connection)
        emit({"mark": "committed", "t": time.monotonic()})

    DefaultDialect.do_commit = marked  # type: ignore[method-assign]


def work(argv: list[str], emit: Emit) -> None:
    """Do one piece of work; `ready` is marked just before the part the parent may kill."""
    mode, db = argv[0], Path(argv[1])

    def ready() -> None:
        emit({"mark": "ready", "t": time.monotonic()})

    if mode != "bundle":  # the command unlocks an encrypted database itself
        unlock(db)
    if mode == "migrate":
        from caseapp.db.migrate import upgrade_database

        ready()
        upgrade_database(db)
    elif mode == "bundle":
        from caseapp.cli.main import main as cli_main

        ready()
        status = cli_main(["--db", str(db), "import", argv[2]])
        if status != 0:
            raise SystemExit(f"caseapp import exited {status}")
    elif mode in ("import", "import-halves"):
        from caseapp.services.importing import CsvImporter

        with prepared_workspace(db) as ws:
            files = [Path(argv[2])] if mode == "import" else split_csv(Path(argv[2]))
            ready()
            for path in files:  # import-halves: two units, the flaw the tests must catch
                CsvImporter(ws).import_file("seizures", path, argv[3])
    elif mode in ("edits", "edits-split"):
        with prepared_workspace(db) as ws:
            case_uid = ws.cases.find(argv[2]).uid
            with ws.db.read() as s:
                pair = [ws.seizures.resolve_in(s, ref, case_uid) for ref in ("EX-A", "EX-B")]
            ready()
            for i in range(int(argv[3])):
                # One unit edits both exhibits: after a crash both carry the same note. The
                # pid makes every run's notes new (an edit to the same value writes nothing).
                groups = [pair] if mode == "edits" else [[uid] for uid in pair]
                for group in groups:
                    with ws.unit() as uow:
                        for uid in group:
                            ws.seizures.edit_in(uow, uid, {"notes": f"{os.getpid()}: {i}"})
    else:
        raise SystemExit(f"unknown mode {mode}")
    emit({"mark": "done", "t": time.monotonic()})


def unlock(db: Path) -> None:
    """An encrypted test database (`pytest --encrypted`) is unlocked with the passphrase in
    CASEAPP_PASSPHRASE_FILE, as `Workspace.open` would, before the work opens it below the
    workspace; a plain one needs nothing."""
    from caseapp.services.encryption import prepare_open

    prepare_open(db)


def prepared_workspace(db: Path) -> Any:
    """The workspace on a database the test prepared (at the head, catalogue seeded, our key
    trusted): what `Workspace.open` returns without its checks, which are no-ops here and
    took half a worker's start-up. The parent opens the database with `Workspace.open`
    after its kills (harness.full_verify)."""
    from caseapp.db.changelog import Identity
    from caseapp.db.engine import Database
    from caseapp.services.identity import local_signer
    from caseapp.services.workspace import Workspace

    return Workspace(Database(db), Identity(local_signer()))


def split_csv(path: Path) -> list[Path]:
    """The CSV as two files, the first and the second half of its rows."""
    header, *rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
    half = len(rows) // 2
    parts = []
    for n, chunk in enumerate((rows[:half], rows[half:])):
        part = path.with_name(f"{path.stem}.half{n}{path.suffix}")
        part.write_text(header + "".join(chunk), encoding="utf-8")
        parts.append(part)
    return parts


def preload() -> None:
    """Everything a worker imports, so that a fork starts with it loaded."""
    import alembic.command  # noqa: F401

    import caseapp.cli.main  # noqa: F401
    import caseapp.db.migrate  # noqa: F401
    import caseapp.services.bundles  # noqa: F401
    import caseapp.services.encryption  # noqa: F401
    import caseapp.services.importing  # noqa: F401
    import caseapp.services.seizures  # noqa: F401
    import caseapp.services.workspace  # noqa: F401
    from caseapp.cli.main import build_parser

    build_parser()  # imports the subcommand modules


def serve() -> int:
    """Fork a worker per request line on stdin (see the module docstring)."""
    # Cache bytecode outside the tree even under PYTHONDONTWRITEBYTECODE: each workspace
    # open loads the Alembic revision files again, and compiling them was a third of it.
    sys.pycache_prefix = os.path.join(tempfile.gettempdir(), f"caseapp-crash-pyc-{os.getuid()}")
    sys.dont_write_bytecode = False
    preload()
    out = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the work's own prints (the CLI's summary) must not reach the pipe
    emit = fd_emitter(out)
    emit({"serving": os.getpid()})
    stdin = sys.stdin.buffer
    for line in stdin:
        request = json.loads(line)
        go_r, go_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(go_w)
            os.read(go_r, 1)  # wait until the parent knows the pid: it comes first
            os.close(go_r)
            run_worker(request, emit)  # never returns
        os.close(go_r)
        emit({"pid": pid})
        os.write(go_w, b"g")
        os.close(go_w)
        if stdin.readline().strip() != b"reap":
            os.kill(pid, 9)  # the parent went away mid-run; take the worker with us
        _, status = os.waitpid(pid, 0)
        emit({"exit": os.waitstatus_to_exitcode(status)})
    return 0


def run_worker(request: dict[str, object], emit: Emit) -> None:
    code = 1
    try:
        os.environ.clear()
        os.environ.update(request["env"])  # type: ignore[arg-type]
        mark_commits(emit)
        work(list(request["work"]), emit)  # type: ignore[call-overload]
        code = 0
    except BaseException:  # noqa: BLE001 - the parent shows it
        emit({"error": traceback.format_exc()})
    finally:
        os._exit(code)  # no atexit handlers, no flushing of buffers copied from the server


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        return serve()
    emit = fd_emitter(sys.stdout.fileno())
    mark_commits(emit)
    work(argv, emit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
