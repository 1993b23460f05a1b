"""Bad database files (issue 9): whatever `--db` names, caseapp says in one sentence what is wrong
and changes no file.

Not SQLite (text, PDF), truncated, damaged, a folder, another program's SQLite file, an empty one,
a newer or older caseapp schema, a read-only file or folder, a database another program holds
locked. Through the real entry point (a child process, as tests/cli does) and at service level.
After every refusal the folder holds the same files with the same bytes: no -wal/-shm left, no
backups/ made, no temporary file.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from caseapp.db import cipher
from caseapp.db import engine as engine_module
from caseapp.db.engine import (
    DatabaseBusy,
    DatabaseReadOnly,
    ForeignDatabase,
    NewerDatabase,
    UnreadableDatabase,
)
from caseapp.db.migrate import current_revision, head_revision, upgrade_database
from caseapp.errors import CaseAppError
from caseapp.services.records import ListQuery
from caseapp.services.verify import verify_file
from caseapp.services.workspace import Workspace
from tests import rawdb

REF = "CASE-2026-0001"
NEW_CASE = ("case", "new", "--ref", "CASE-2026-0099", "--title", "Parcels")
COMMANDS = {"cases": ("cases",), "case new": NEW_CASE, "init": ("init",), "verify": ("verify",)}


# --- helpers ---------------------------------------------------------------------------------
def previous_revision() -> str:
    """The revision before head: an older caseapp's schema."""
    from alembic.script import ScriptDirectory

    from caseapp.db.migrate import alembic_config

    down = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision()).down_revision
    assert isinstance(down, str)
    return down


def database_files(name: str, path: Path) -> list[str]:
    """The names of the files a closed database `name` at `path` is: itself, and its
    sidecar when it is encrypted (`pytest --encrypted`)."""
    return sorted([name, *([f"{name}{cipher.SIDECAR_SUFFIX}"] if cipher.is_encrypted(path)
                           else [])])


def with_sidecar(good: Path, path: Path) -> Path:
    """A damaged copy of an encrypted `good` keeps its sidecar beside it: it is a damaged
    encrypted database, not a file without a header."""
    if cipher.is_encrypted(good):
        shutil.copyfile(cipher.sidecar_path(good), cipher.sidecar_path(path))
        rawdb.unlock(path)  # as a caller who typed its passphrase
    return path


def run(db: Path, *args: str, prefix: list[str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    argv = [*(prefix or []), sys.executable, "-m", "caseapp", "--db", str(db), *args]
    return subprocess.run(argv, capture_output=True, text=True, env=os.environ.copy(),
                          timeout=timeout)


def files_in(folder: Path, *, skip_shm: bool = False) -> dict[str, str]:
    """Every file under `folder` with the SHA-256 of its bytes (folders by name)."""
    state = {}
    for p in sorted(folder.rglob("*")):
        name = str(p.relative_to(folder))
        if p.is_dir():
            state[name + "/"] = "folder"
        elif not (skip_shm and name.endswith("-shm")):  # shared memory: readers mark it
            state[name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return state


def assert_refused(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 1, every stderr line a `caseapp: ` sentence (no traceback, no last-resort handler);
    returns the last line (the error)."""
    out = f"stdout: {proc.stdout}\nstderr: {proc.stderr}"
    assert proc.returncode == 1, out
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("caseapp: ") for line in lines), out
    assert "unexpected error" not in proc.stderr and "Traceback" not in proc.stderr, out
    for fragment in fragments:
        assert fragment in lines[-1], out
    return lines[-1]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def good_db(folder: Path) -> Path:
    """A caseapp database at head holding one case, made with this test's key (CASEAPP_HOME),
    closed (so no -wal/-shm beside it)."""
    path = folder / "case.db"
    with Workspace.open(path) as ws:
        ws.cases.add({"ref": REF, "title": "Mail facility parcels"})
    assert sorted(p.name for p in folder.iterdir()) == database_files("case.db", path)
    return path


def _text(folder: Path, _good: Path) -> Path:
    path = folder / "notes.db"
    path.write_text("Shipment notes, not a database.\n" * 20)
    return path


def _pdf(folder: Path, _good: Path) -> Path:
    path = folder / "report.pdf"
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
                     + bytes(range(256)) * 40 + b"\n%%EOF\n")
    return path


def _zero(folder: Path, _good: Path) -> Path:
    path = folder / "empty.db"
    path.write_bytes(b"")
    return path


def _empty_sqlite(folder: Path, _good: Path) -> Path:
    path = folder / "blank.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version=7")  # writes the header: a valid SQLite file, no tables
    con.commit()
    con.close()
    return path


def _foreign(folder: Path, _good: Path, *, wal: bool = False) -> Path:
    path = folder / ("places-wal.sqlite" if wal else "places.sqlite")
    con = sqlite3.connect(path)
    if wal:
        con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT, title TEXT)")
    con.execute("CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, fk INTEGER)")
    con.executemany("INSERT INTO moz_places (url, title) VALUES (?, ?)",
                    [(f"https://example.org/{i}", f"page {i}") for i in range(200)])
    con.commit()
    con.close()
    return path


def _foreign_wal(folder: Path, good: Path) -> Path:
    return _foreign(folder, good, wal=True)


def _other_alembic(folder: Path, _good: Path) -> Path:
    """Another program that also uses Alembic: an alembic_version caseapp does not know."""
    path = folder / "inventory.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
    con.execute("INSERT INTO alembic_version VALUES ('ae1027a6acf')")
    con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    con.commit()
    con.close()
    return path


def _truncated(folder: Path, good: Path, *, at_page: bool = False) -> Path:
    path = folder / ("cut-at-page.db" if at_page else "cut.db")
    data = good.read_bytes()
    path.write_bytes(data[:4096 * 5] if at_page else data[:len(data) // 2 + 123])
    return with_sidecar(good, path)


def _truncated_at_page(folder: Path, good: Path) -> Path:
    return _truncated(folder, good, at_page=True)


def _root_page(db: Path, table: str) -> tuple[int, int]:
    con = rawdb.connect(db)
    try:
        page_size = int(con.execute("PRAGMA page_size").fetchone()[0])  # sqlcipher3: a str
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name=?",
                           (table,)).fetchone()[0]
    finally:
        con.close()
    return page_size, root


def _corrupt_cases(folder: Path, good: Path) -> Path:
    """Bytes overwritten in the middle of the file: the page holding the cases table."""
    page_size, root = _root_page(good, "cases")
    path = folder / "damaged.db"
    data = bytearray(good.read_bytes())
    start = (root - 1) * page_size
    assert 0 < start < len(data) - page_size
    data[start:start + page_size] = random.Random(9).randbytes(page_size)
    path.write_bytes(bytes(data))
    return with_sidecar(good, path)


def _corrupt_middle(folder: Path, good: Path) -> Path:
    path = folder / "middle.db"
    data = bytearray(good.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 8192] = random.Random(7).randbytes(8192)
    path.write_bytes(bytes(data))
    return with_sidecar(good, path)


def _directory(folder: Path, _good: Path) -> Path:
    path = folder / "cases.db"
    path.mkdir()
    return path


# kind: (maker, what the open commands say, does verify print a FAIL line?)
BAD: dict[str, tuple[Callable[[Path, Path], Path], str, bool]] = {
    "text file": (_text, "not an SQLite database", True),
    "pdf": (_pdf, "not an SQLite database", True),
    "zero bytes": (_zero, "empty file", False),
    "empty sqlite": (_empty_sqlite, "not a caseapp database", False),
    "other program": (_foreign, "not a caseapp database", False),
    "other program, WAL": (_foreign_wal, "not a caseapp database", False),
    "other alembic program": (_other_alembic, "not a caseapp database", False),
    "truncated": (_truncated, "damaged", True),
    "truncated at a page": (_truncated_at_page, "damaged", True),
    "cases page overwritten": (_corrupt_cases, "damaged", True),
    "folder": (_directory, "folder", False),
}


# --- through the command line ----------------------------------------------------------------
@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A closed caseapp database at head holding one case, outside `folder` (bad files are made
    from it)."""
    path = tmp_path / "source" / "case.db"
    with Workspace.open(path) as ws:
        ws.cases.add({"ref": REF, "title": "Mail facility parcels"})
    return path


@pytest.mark.parametrize("kind", list(BAD))
def test_a_bad_file_gets_one_clear_sentence_and_is_left_as_it_was(
        kind: str, folder: Path, source: Path, encrypted_mode: bool) -> None:
    make, says, verify_fails = BAD[kind]
    bad = make(folder, source)
    before = files_in(folder)
    for name, args in COMMANDS.items():
        proc = run(bad, *args)
        context = f"{kind}, {name}"
        assert files_in(folder) == before, f"{context}: a file changed"
        if name == "verify" and encrypted_mode and kind.startswith("truncated"):
            # A cut encrypted file fails while it is unlocked, before any check runs.
            assert_refused(proc, says)
        elif name == "verify" and verify_fails:
            assert_refused(proc, "verification failed")
            assert "FAIL" in proc.stdout, context
        elif name == "init" and kind == "cases page overwritten" and proc.returncode == 0:
            continue  # init reads no case: the damage is found by the commands that do
        else:
            assert_refused(proc, says)


def test_random_damage_in_the_middle_never_crashes_and_verify_reports_it(
        folder: Path, tmp_path: Path) -> None:
    source = tmp_path / "source.db"
    with Workspace.open(source) as ws:
        from caseapp.services.demo import load_demo

        load_demo(ws)
    bad = _corrupt_middle(folder, source)
    before = files_in(folder)
    proc = run(bad, "verify")
    assert_refused(proc, "verification failed")
    assert "FAIL" in proc.stdout
    assert files_in(folder) == before
    for args in (("cases",), ("search", "vitamin"), ("case", "show", "CASE-2026-0007")):
        proc = run(bad, *args)
        assert "unexpected error" not in proc.stderr and "Traceback" not in proc.stderr
        assert files_in(folder) == before, args


def test_init_creates_a_new_file_but_refuses_an_empty_one(folder: Path) -> None:
    new = folder / "sub" / "new.db"
    proc = run(new, "init")
    assert proc.returncode == 0, proc.stderr
    assert "Created" in proc.stdout
    # no temporary left
    assert sorted(p.name for p in new.parent.iterdir()) == database_files("new.db", new)
    rawdb.unlock(new)
    assert current_revision(new) == head_revision()

    empty = folder / "empty.db"
    empty.touch()
    line = assert_refused(run(empty, "init"), "empty file", "delete it or choose another path")
    assert str(empty) in line
    assert empty.stat().st_size == 0 and not (folder / "backups").exists()


def test_verify_reads_only(folder: Path, good_db: Path) -> None:
    before = files_in(folder)
    proc = run(good_db, "verify")
    assert proc.returncode == 0, proc.stderr
    assert files_in(folder) == before


def test_verify_refuses_a_newer_schema_and_leaves_it(folder: Path, good_db: Path) -> None:
    con = rawdb.connect(good_db)
    con.execute("UPDATE alembic_version SET version_num='9999'")
    con.commit()
    con.close()
    before = files_in(folder)
    for args in (("verify",), ("cases",), ("init",)):
        assert_refused(run(good_db, *args), "newer version of caseapp")
        assert files_in(folder) == before, args


def test_verify_says_an_older_schema_needs_upgrading_and_does_not_upgrade_it(
        folder: Path) -> None:
    from tests.fixtures.make_fixture import build_demo_db

    old = build_demo_db(folder / "old.db", previous_revision())
    before = files_in(folder)
    assert_refused(run(old, "verify"), "older", "upgrade")
    assert files_in(folder) == before  # not upgraded, no backup
    assert run(old, "init").returncode == 0  # opening it upgrades it, backup first
    assert (folder / "backups").is_dir()
    assert run(old, "verify").returncode == 0


# --- read-only files and folders -------------------------------------------------------------
def unprivileged() -> list[str]:
    """A command prefix under which file permissions bind (root ignores them otherwise)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


@pytest.fixture
def read_only(folder: Path) -> Iterator[Callable[[Path], None]]:
    changed: list[tuple[Path, int]] = []

    def make(path: Path) -> None:
        changed.append((path, path.stat().st_mode))
        path.chmod(0o555 if path.is_dir() else 0o444)

    yield make
    for path, mode in reversed(changed):
        path.chmod(mode)


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_database_can_be_read_but_not_changed(
        what: str, folder: Path, good_db: Path, read_only: Callable[[Path], None]) -> None:
    prefix = unprivileged()
    read_only(good_db if what == "file" else folder)
    before = files_in(folder)
    proc = run(good_db, "cases", prefix=prefix)
    assert proc.returncode == 0 and REF in proc.stdout, proc.stderr
    proc = run(good_db, "verify", prefix=prefix)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert run(good_db, "init", prefix=prefix).returncode == 0
    assert_refused(run(good_db, *NEW_CASE, prefix=prefix), "read-only")
    assert files_in(folder) == before


def test_no_new_database_in_a_read_only_folder(folder: Path,
                                               read_only: Callable[[Path], None]) -> None:
    prefix = unprivileged()
    read_only(folder)
    assert_refused(run(folder / "new.db", "init", prefix=prefix), "cannot create", "read-only")
    assert list(folder.iterdir()) == []


def test_a_read_only_database_that_needs_upgrading_is_refused(
        folder: Path, read_only: Callable[[Path], None]) -> None:
    from tests.fixtures.make_fixture import build_demo_db

    prefix = unprivileged()
    old = build_demo_db(folder / "old.db", previous_revision())
    read_only(old)
    before = files_in(folder)
    assert_refused(run(old, "cases", prefix=prefix), "needs upgrading", "read-only")
    assert files_in(folder) == before


# --- another program holds the database ------------------------------------------------------
LOCKER = """
import sys
from tests import rawdb
con = rawdb.connect(sys.argv[1], isolation_level=None)
if sys.argv[2] == "rollback-journal":
    con.execute("PRAGMA journal_mode=DELETE")
con.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
con.execute("ROLLBACK")
con.close()
"""


class Locker:
    """Another program (a separate process: POSIX locks belong to a process, and this one
    reads the files it checks) holding an exclusive transaction on a database."""

    def __init__(self, db: Path, mode: str = "wal") -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", LOCKER, str(db), mode],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stdout.readline() == "locked\n"

    def release(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)


@pytest.fixture
def locked(good_db: Path) -> Iterator[Locker]:
    locker = Locker(good_db)
    yield locker
    locker.release()


def test_a_locked_database_is_waited_for_visibly_then_refused(
        folder: Path, good_db: Path, locked: Locker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEAPP_LOCK_WAIT", "3")  # the default 10 s, shortened for the suite
    before = files_in(folder, skip_shm=True)
    started = time.monotonic()
    proc = run(good_db, *NEW_CASE)
    took = time.monotonic() - started
    line = assert_refused(proc, "in use by another caseapp (or another program)")
    assert "waiting for" in proc.stderr.splitlines()[0]
    assert str(good_db) in line and 2.7 <= took < engine_module.BUSY_TIMEOUT_S
    assert files_in(folder, skip_shm=True) == before
    # Reading needs no write lock: the case list still works meanwhile.
    proc = run(good_db, "cases", timeout=30)
    assert proc.returncode == 0 and REF in proc.stdout and proc.stderr == "", proc.stderr


def test_a_writer_waits_for_the_lock_to_go_and_then_succeeds(
        good_db: Path, locked: Locker) -> None:
    # The lock goes only once the writer has said it waits (a fixed delay raced a slow start).
    writer = subprocess.Popen([sys.executable, "-m", "caseapp", "--db", str(good_db), *NEW_CASE],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=os.environ.copy())
    assert writer.stderr is not None
    first = writer.stderr.readline()
    locked.release()
    out, rest = writer.communicate(timeout=120)
    assert writer.returncode == 0, first + rest
    assert "waiting for" in first and "another caseapp" in first + rest


# --- at service level ------------------------------------------------------------------------
@pytest.mark.parametrize("kind, error", [
    ("text file", UnreadableDatabase), ("pdf", UnreadableDatabase),
    ("zero bytes", ForeignDatabase), ("empty sqlite", ForeignDatabase),
    ("other program", ForeignDatabase), ("other program, WAL", ForeignDatabase),
    ("other alembic program", ForeignDatabase), ("truncated", UnreadableDatabase),
    ("truncated at a page", UnreadableDatabase), ("folder", ForeignDatabase),
])
def test_workspace_open_refuses_without_touching_the_file(
        kind: str, error: type[CaseAppError], folder: Path, source: Path) -> None:
    bad = BAD[kind][0](folder, source)
    before = files_in(folder)
    with pytest.raises(error) as info:
        Workspace.open(bad)
    assert str(bad) in info.value.message and "\n" not in info.value.message
    with pytest.raises(error):
        upgrade_database(bad)
    assert files_in(folder) == before


def test_damage_found_while_working_is_a_clear_error(folder: Path, source: Path) -> None:
    bad = _corrupt_cases(folder, source)
    before = files_in(folder)
    with Workspace.open(bad) as ws, pytest.raises(UnreadableDatabase, match="damaged"):
        ws.cases.add({"ref": "CASE-2026-0002", "title": "t"})
    assert files_in(folder) == before


def test_verify_file_reports_unreadable_files_as_a_failed_check(folder: Path,
                                                                source: Path) -> None:
    bad = [BAD[kind][0](folder, source) for kind in ("text file", "truncated",
                                                      "cases page overwritten")]
    foreign = _foreign(folder, source)
    before = files_in(folder)
    for path in bad:
        report = verify_file(path)
        assert not report.ok and report.first_problem, path
    with pytest.raises(ForeignDatabase, match="not a caseapp database"):
        verify_file(foreign)
    assert files_in(folder) == before


def test_a_newer_schema_is_refused_by_open_and_verify(good_db: Path) -> None:
    con = rawdb.connect(good_db)
    con.execute("UPDATE alembic_version SET version_num='9999'")
    con.commit()
    con.close()
    for attempt in (Workspace.open, verify_file):
        with pytest.raises(NewerDatabase, match="newer version of caseapp"):
            attempt(good_db)


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BUSY_NOTICE_AFTER_S", 0.2)
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_S", 1.0)


def test_service_level_lock_notice_then_busy_error(
        short_waits: None, folder: Path, good_db: Path, locked: Locker) -> None:
    notices: list[str] = []
    before = files_in(folder, skip_shm=True)
    with Workspace.open(good_db, on_busy=notices.append) as ws:  # no write needed to open
        assert ws.cases.list_page(_query()).total == 1
        with pytest.raises(DatabaseBusy, match="another caseapp"):
            ws.cases.add({"ref": "CASE-2026-0002", "title": "t"})
    assert len(notices) == 1 and "waiting for" in notices[0]
    assert files_in(folder, skip_shm=True) == before


def test_a_reader_blocked_by_an_exclusive_lock_says_why(short_waits: None, folder: Path,
                                                         good_db: Path) -> None:
    """Another program that locks a rollback-journal database keeps even readers out."""
    locker = Locker(good_db, "rollback-journal")
    try:
        notices: list[str] = []
        with pytest.raises(DatabaseBusy):
            Workspace.open(good_db, on_busy=notices.append)
        assert notices and "waiting for" in notices[0]
        with pytest.raises(DatabaseBusy):
            verify_file(good_db)
    finally:
        locker.release()


def test_a_read_only_workspace_refuses_writes(good_db: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """What the window sees on a file it may not write (os.access is what caseapp asks)."""
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if mode & os.W_OK and (
        Path(p) in (good_db, good_db.parent)) else real(p, mode, **kw))
    before = files_in(good_db.parent)
    with Workspace.open(good_db) as ws:
        assert ws.db.read_only
        assert ws.cases.find(REF).uid
        with pytest.raises(DatabaseReadOnly, match="read-only"):
            ws.cases.add({"ref": "CASE-2026-0002", "title": "t"})
    assert files_in(good_db.parent) == before


def _query() -> ListQuery:
    return ListQuery(limit=10)
