"""The case list for `caseapp cases`, read through the SQLite driver when nothing else is due.

`Workspace.open` loads SQLAlchemy, the ORM models and the signing key, and may upgrade the
schema, unlock an encrypted file, trust the local key or seed the catalogue: about a second of
imports for a command that prints a few rows. When the file is a plain SQLite database caseapp
may write, already at the schema head (`db/head.py`), the rows are read here with one SELECT
(the same filter and order as `CaseService.list_all`: live cases unless asked, by ref then id).
In every other case, and on any SQLite error, `case_rows` returns None and the command opens
the workspace, which upgrades, unlocks, waits or says what is wrong exactly as before.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from caseapp.db.head import HEAD

SQLITE_MAGIC = b"SQLite format 3\x00"
COLUMNS = ("ref", "status", "opened_on", "lead_investigator", "title")
CaseRow = tuple[str, str, str | None, str | None, str]


def _plain_database_at_head(conn: sqlite3.Connection) -> bool:
    tables = {name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
        "('alembic_version', 'meta', 'audit_entries', 'cases')")}
    if len(tables) != 4:
        return False
    versions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    return versions == [(HEAD,)]


def case_rows(path: Path, *, status: str | None = None,
              include_deleted: bool = False) -> list[CaseRow] | None:
    """(ref, status, opened_on, lead_investigator, title) of the cases, or None when the
    database must be opened as a workspace first (see the module's docstring)."""
    try:
        with open(path, "rb") as file:
            if file.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                return None  # encrypted, damaged or not a database: the workspace says which
    except OSError:
        return None
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return None  # read-only files open as engine.read_only_uri says
    # An ordinary connection kept to reading (as the engine's readers): it leaves no -wal or
    # -shm behind.
    uri = path.absolute().as_uri() + "?mode=rw"
    where = ["1"] if include_deleted else ["deleted_at IS NULL"]
    params: list[str] = []
    if status:
        where.append("status = ?")
        params.append(status)
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error:
        return None
    try:
        conn.execute("PRAGMA query_only=ON")
        conn.execute("PRAGMA busy_timeout=1000")
        if not _plain_database_at_head(conn):
            return None
        return conn.execute(
            f"SELECT {', '.join(COLUMNS)} FROM cases WHERE {' AND '.join(where)} "
            "ORDER BY ref, id", params).fetchall()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
