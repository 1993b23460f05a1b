"""The case list read through the SQLite driver, before (or without) SQLAlchemy.

`Workspace.open` loads SQLAlchemy, the ORM models and the signing key, and may upgrade the
schema, unlock an encrypted file, trust the local key or seed the catalogue: about a second of
imports. Two readers need only the case list, and read it here when the database is already at
the schema head (`db/head.py`):

- `caseapp cases` (`case_rows`): a plain SQLite database caseapp may write;
- the window's first screen (`CaseListReader`): the same, or an encrypted database whose key
  this process holds (the window asked its passphrase first). The window shows the case list
  through it while the workspace opens, then reads through the workspace (views/main_window.py).

The SELECT is `case_select`: the SQL text of a `ListQuery` on the cases, in the order
`CaseService` lists them (`DEFAULT_SORT`, then id), so the two lists cannot differ. In every
other case (another revision: an upgrade is due; a file that is foreign, damaged, read-only or
encrypted without a key; any SQLite error) these return None and the caller opens the
workspace, which upgrades, unlocks, waits or says what is wrong exactly as before.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from caseapp.db import cipher
from caseapp.db.head import HEAD
from caseapp.services.listing import DisplayRow, ListQuery

DEFAULT_SORT = "ref"  # CaseService.default_sort: cases are listed by ref, then id
COLUMNS = ("ref", "status", "opened_on", "lead_investigator", "title")
# The case fields a ListQuery may filter or sort on here (others take the workspace's path).
FIELDS = frozenset({"ref", "title", "status", "opened_on", "lead_investigator", "agency",
                    "handling", "id", "created_at", "updated_at"})
CaseRow = tuple[str, str, str | None, str | None, str]


def case_select(columns: Sequence[str], q: ListQuery) -> tuple[str, list[Any]] | None:
    """SELECT `columns` FROM cases for `q` (RecordService.where_clause and order, as SQL
    text); None for what only the services read (a text filter, an unknown field)."""
    sort = q.sort or DEFAULT_SORT
    if q.text or q.case_uid or not {sort, *q.filters} <= FIELDS:
        return None
    where = ["1"] if q.include_deleted else ["deleted_at IS NULL"]
    params = []
    for name, value in q.filters.items():
        where.append(f"{name} = ?")
        params.append(value)
    way = "DESC" if q.descending else "ASC"
    return (f"SELECT {', '.join(columns)} FROM cases WHERE {' AND '.join(where)} "
            f"ORDER BY {sort} {way}, id {way}"), params


def _at_head(conn: Any) -> bool:
    tables = {name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
        "('alembic_version', 'meta', 'audit_entries', 'cases')")}
    if len(tables) != 4:
        return False
    versions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    return bool(versions == [(HEAD,)])


def _connect(path: Path, *, encrypted_ok: bool) -> Any | None:
    """A connection kept to reading (as the engine's readers: it leaves no -wal or -shm
    behind) to a database at the head, or None."""
    key = cipher.known_key(path) if encrypted_ok else None
    try:
        with open(path, "rb") as file:
            plain = file.read(len(cipher.SQLITE_MAGIC)) == cipher.SQLITE_MAGIC
    except OSError:
        return None
    if not plain and (key is None or not cipher.sidecar_path(path).is_file()):
        return None  # encrypted (no key here), damaged or not a database: the workspace says
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return None  # read-only files open as engine.read_only_uri says
    uri = path.absolute().as_uri() + "?mode=rw"
    try:
        conn = cipher.connect(uri, None if plain else key, uri=True, check_same_thread=False)
    except cipher.errors():
        return None
    try:
        conn.execute("PRAGMA query_only=ON")
        conn.execute("PRAGMA busy_timeout=1000")
        if _at_head(conn):
            return conn
    except cipher.errors():
        pass
    conn.close()
    return None


def case_rows(path: Path, *, status: str | None = None,
              include_deleted: bool = False) -> list[CaseRow] | None:
    """(ref, status, opened_on, lead_investigator, title) of the cases, or None when the
    database must be opened as a workspace first (see the module's docstring)."""
    q = ListQuery(filters={"status": status} if status else {},
                  include_deleted=include_deleted)
    sql = case_select(COLUMNS, q)
    conn = _connect(path, encrypted_ok=False) if sql is not None else None
    if conn is None or sql is None:
        return None
    try:
        return list(conn.execute(*sql).fetchall())
    except cipher.errors():
        return None
    finally:
        conn.close()


class CaseListReader:
    """The case list for a table view, read through the driver (`PagingService`'s methods
    a `RecordTableModel` of kind "case" calls, for the queries `case_select` takes).

    Values come as stored (a date as its ISO text, as the cell shows it); the rows' "records"
    are the display rows themselves (uid, ref, …): the window replaces this reader by the
    workspace's paging once it is open, before anything needs a real record.
    """

    def __init__(self, conn: Any, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path) -> CaseListReader | None:
        """A reader on `path` when it is at the head and plain or unlocked, else None."""
        conn = _connect(Path(path), encrypted_ok=True)
        return None if conn is None else cls(conn, Path(path))

    def close(self) -> None:
        self.conn.close()

    def _check(self, kind: str) -> None:
        if kind != "case":
            raise ValueError(f"the case list reader reads cases, not {kind}")

    def default_sort(self, kind: str) -> str:
        self._check(kind)
        return DEFAULT_SORT

    def _sql(self, q: ListQuery) -> tuple[str, list[Any]]:
        sql = case_select(("id",), q)
        if sql is None:
            raise ValueError(f"the case list reader cannot read {q}")
        return sql

    def probe(self, kind: str, q: ListQuery, limit: int) -> int:
        self._check(kind)
        text, params = self._sql(q)
        row = self.conn.execute(f"SELECT count(*) FROM ({text} LIMIT ?)",
                                [*params, limit]).fetchone()
        return int(row[0])

    def ordered_ids(self, kind: str, q: ListQuery) -> array[int]:
        self._check(kind)
        text, params = self._sql(q)
        (ids,) = self.conn.execute(f"SELECT json_group_array(id) FROM ({text})",
                                   params).fetchone()
        return array("q", json.loads(ids))

    def display_rows(self, kind: str, ids: Sequence[int], *,
                     fields: Sequence[str] | None = None) -> tuple[DisplayRow, ...]:
        self._check(kind)
        names = list(dict.fromkeys(("id", "uid", "deleted_at", *(fields or COLUMNS))))
        if not set(names) <= FIELDS | {"uid", "deleted_at"}:
            raise ValueError(f"the case list reader cannot read {names}")
        shape: dict[str, tuple[int, Any]] = {n: (i, None) for i, n in enumerate(names)}
        marks = ", ".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT {', '.join(names)} FROM cases WHERE id IN ({marks})",
                                 list(ids)).fetchall()
        found = {r[0]: r for r in rows}
        return tuple(DisplayRow(found[i], shape) for i in ids if i in found)

    def by_ids(self, kind: str, ids: Sequence[int]) -> tuple[DisplayRow, ...]:
        return self.display_rows(kind, ids)

    def names(self, kind: str, uids: set[str]) -> dict[str, str]:
        return {}  # the case list has no reference columns
