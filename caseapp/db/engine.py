"""Engine and sessions for one SQLite database file.

Every connection gets foreign keys on, WAL, synchronous=FULL and a busy timeout; transactions
start with an explicit BEGIN so that a unit of work is all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(path: Path, *, foreign_keys: bool = True, immediate: bool = False) -> Engine:
    """An engine for the database at `path` with the project's connection settings.

    `immediate` engines take the write lock when a transaction begins (BEGIN IMMEDIATE), so
    two writers queue on the busy timeout instead of failing half-way.
    """
    engine = create_engine(f"sqlite:///{path}", future=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """One open database: a writer engine (BEGIN IMMEDIATE) and a reader engine."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = make_engine(path, immediate=True)
        self.read_engine = make_engine(path)
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
