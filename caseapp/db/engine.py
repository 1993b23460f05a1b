"""Engine and sessions for one SQLite database file.

Every connection gets foreign keys on, WAL, synchronous=FULL and a busy timeout; transactions
start with an explicit BEGIN so that a unit of work is all or nothing. Connections never create
the file (a new database is made by `migrate.create_database`). A read-only `Database` (verify,
or a file or folder caseapp may not write) changes nothing on disk.

SQLite errors that mean the file is damaged, read-only or held by another program become
`CaseAppError`s that say so in one sentence; a writer kept waiting by another program says so
after a second (`on_busy`) and gives up after ten.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from caseapp.db import cipher
from caseapp.errors import CaseAppError

log = logging.getLogger(__name__)
T = TypeVar("T")
BusyNotice = Callable[[str], None]

BUSY_NOTICE_AFTER_S = 1.0  # a wait this long is worth a word to the user
# then give up; CASEAPP_LOCK_WAIT (seconds, at least 2) changes it
BUSY_TIMEOUT_S = max(2.0, float(os.environ.get("CASEAPP_LOCK_WAIT", "10") or 10))

# SQLite primary result codes (sqlite3.Error.sqlite_errorcode & 0xFF).
SQLITE_BUSY, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT = 5, 8, 10, 11
SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 13, 14, 26


class BadDatabaseFile(CaseAppError):
    """The file at a database path is not a database caseapp can use; it was left as it is."""


class UnreadableDatabase(BadDatabaseFile):
    """Not an SQLite file at all, or a truncated or damaged one."""


class ForeignDatabase(BadDatabaseFile):
    """Not caseapp's: another program's SQLite file, an empty file, a folder."""


class NewerDatabase(BadDatabaseFile):
    """A caseapp database whose schema this caseapp does not know (made by a newer one)."""


class DatabaseReadOnly(CaseAppError):
    """The database (or its folder) cannot be written; reading it works."""


class DatabaseBusy(CaseAppError):
    """Another program kept the database locked for longer than caseapp waits."""


def stderr_notice(message: str) -> None:
    """The default `on_busy`: log it and say it on stderr (the command line's only channel).

    The core otherwise never prints; a front end with its own channel passes its own
    `on_busy` to `Workspace.open`.
    """
    log.warning(message)
    if sys.stderr is not None:  # a windowed build may have none
        sys.stderr.write(f"caseapp: {message}\n")
        sys.stderr.flush()


def can_write(path: Path) -> bool:
    """May this process change `path` and make files beside it (-wal, -shm, backups/)?"""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def file_uri(path: Path, **params: str) -> str:
    """An SQLite URI for `path` (percent-encoded, so `?` or `#` in a name are safe)."""
    uri = path.absolute().as_uri()
    return f"{uri}?{urlencode(params)}" if params else uri


def read_only_uri(path: Path) -> str:
    """How to open `path` so that reading it changes nothing on disk.

    A `mode=ro` connection to a WAL database makes -wal and -shm files it cannot remove again;
    an ordinary connection (kept to reading by `query_only`) removes them when it closes. When
    caseapp may not write the file or folder, and no WAL is there to read, the file is read as
    it stands (`immutable`): SQLite could not make or remove the -shm it would need.
    """
    if Path(f"{path}-wal").exists():
        return file_uri(path, mode="ro")
    if can_write(path):
        return file_uri(path, mode="rw")
    return file_uri(path, mode="ro", immutable="1")


def busy_message(path: Path) -> str:
    return (f"{path} is in use by another caseapp (or another program), which kept it locked "
            f"for {BUSY_TIMEOUT_S:.0f} s; nothing was changed: try again when it has finished.")


def read_only_message(path: Path) -> str:
    if not os.access(path, os.W_OK):
        why = "the file cannot be written"
    elif not os.access(path.parent, os.W_OK):
        why = "its folder cannot be written"
    else:
        why = "it was opened for reading only"
    return f"{path} is read-only ({why}); caseapp can show it but not change it."


def damaged_message(path: Path, detail: object) -> str:
    return (f"{path} is damaged ({detail}); nothing was changed: restore it from a copy "
            "(caseapp keeps backups in the backups folder beside it).")


def is_busy(exc: BaseException) -> bool:
    """Another connection holds a lock this one needs (not SQLITE_LOCKED: see below)."""
    return (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF == SQLITE_BUSY


def translate_error(exc: BaseException, path: Path) -> CaseAppError | None:
    """The CaseAppError a SQLite error stands for (None: a programming error, left as is).

    SQLITE_LOCKED (a lock inside one connection) is left alone: `fts.bulk_index` expects it.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary == SQLITE_BUSY:
        return DatabaseBusy(busy_message(path))
    if primary == SQLITE_READONLY:
        return DatabaseReadOnly(read_only_message(path))
    if primary == SQLITE_CORRUPT:
        return UnreadableDatabase(damaged_message(path, exc))
    if primary == SQLITE_NOTADB:
        return UnreadableDatabase(f"{path} is not an SQLite database file, so not a caseapp "
                                  "database; nothing was changed.")
    if primary == SQLITE_IOERR:
        return UnreadableDatabase(f"{path} could not be read or written ({exc}); nothing was "
                                  "changed.")
    if primary == SQLITE_CANTOPEN:
        if path.exists() and not can_write(path):
            return DatabaseReadOnly(read_only_message(path))
        return UnreadableDatabase(f"{path} cannot be opened ({exc}); nothing was changed.")
    if primary == SQLITE_FULL:
        return CaseAppError(f"The disk holding {path} is full; nothing was changed.")
    return None


def call_when_free(conn: sqlite3.Connection, action: Callable[[], T], path: Path,
                   on_busy: BusyNotice) -> T:
    """Run `action` (SQL on `conn`); if another program holds the database, say so after
    `BUSY_NOTICE_AFTER_S`, and raise DatabaseBusy after `BUSY_TIMEOUT_S` in all."""
    conn.execute(f"PRAGMA busy_timeout={int(BUSY_NOTICE_AFTER_S * 1000)}")
    try:
        try:
            return action()
        except cipher.errors() as exc:
            if not is_busy(exc):
                raise
        on_busy(f"waiting for {path.name}: another caseapp (or another program) is using the "
                "database…")
        conn.execute(f"PRAGMA busy_timeout={int((BUSY_TIMEOUT_S - BUSY_NOTICE_AFTER_S) * 1000)}")
        return action()
    except cipher.errors() as exc:
        raise (translate_error(exc, path) or exc) from exc
    finally:
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")


def make_engine(path: Path, *, foreign_keys: bool = True, immediate: bool = False,
                read_only: bool = False, create: bool = False,
                on_busy: BusyNotice = stderr_notice) -> Engine:
    """An engine for the database at `path` with the project's connection settings.

    `immediate` engines take the write lock when a transaction begins (BEGIN IMMEDIATE), so
    two writers queue on the busy timeout instead of failing half-way. Only `create` makes a
    missing file; `read_only` engines change nothing on disk (see `read_only_uri`).
    """
    uri = read_only_uri(path) if read_only else file_uri(path, mode="rwc" if create else "rw")

    # An encrypted database (docs/security.md) is opened with sqlcipher3 and its key
    # (cipher.key_for: the key this process unlocked it with); a plain one with sqlite3.
    key = cipher.key_for(path)

    def connect() -> sqlite3.Connection:
        try:
            conn: sqlite3.Connection = cipher.connect(uri, key, uri=True,
                                                      check_same_thread=False)
            return conn
        except cipher.errors() as exc:
            raise (translate_error(exc, path) or exc) from exc

    # A creator hides the file name from SQLAlchemy, which would then pick the pool for an
    # in-memory database: name the pool it uses for files. `module` makes SQLAlchemy know
    # sqlcipher3's exceptions for what they are.
    extra: dict[str, Any] = {} if key is None else {"module": cipher.sqlcipher()}
    engine = create_engine("sqlite+pysqlite://", creator=connect, poolclass=QueuePool, **extra)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            if read_only:
                cur.execute("PRAGMA query_only=ON")
            else:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=FULL")
            cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        except cipher.errors() as exc:
            raise (translate_error(exc, path) or exc) from exc
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if immediate:
            raw = conn.connection.dbapi_connection
            call_when_free(raw, lambda: raw.execute("BEGIN IMMEDIATE"), path, on_busy)
        else:
            conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        translated = translate_error(context.original_exception, path)
        if translated is not None:
            raise translated from context.original_exception

    return engine


class Database:
    """One open database: a writer engine (BEGIN IMMEDIATE) and a reader engine.

    A `read_only` database reads as usual; every write raises DatabaseReadOnly.
    """

    def __init__(self, path: Path, *, read_only: bool = False,
                 on_busy: BusyNotice = stderr_notice) -> None:
        self.path = path
        self.read_only = read_only
        self.engine = make_engine(path, immediate=True, read_only=read_only, on_busy=on_busy)
        self.read_engine = make_engine(path, read_only=read_only, on_busy=on_busy)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.readers = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any exception."""
        with self.sessions.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (rolled back at the end)."""
        session = self.readers()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
