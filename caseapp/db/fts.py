"""The full-text index: one FTS5 table over every record kind, kept in step by SQLite triggers.

Why triggers: every write path (the unit of work, the catalogue seed, bundle imports, a repair
script) changes the record tables; triggers keep the index in step with all of them inside the
same transaction, so the index can never lag behind a committed write or survive a rollback.

Layout: one FTS5 table per record table, `search_fts_<table>(title, body, detail, uid,
case_uid)`, with the `trigram` tokenizer (substring matching, so prefixes, infixes and Chinese
names all match; docs/performance.md has the measurements behind that choice). The FTS rowid is
the record's integer id, so a trigger deletes its row by rowid (no scan). One table per kind,
not one for all: a query for companies then never wades through the doclists of a million
seizures (one shared table with rowid ranges per kind measured 5-10x slower on 500 k rows).
Soft-deleted records are not in the index.

`IndexSpec` tuples describe what is indexed. A migration keeps its own literal copy of the spec
it installs (migrations never change once released); `CURRENT` describes the head schema and is
what `ensure_in_step` restores when a table rebuild has dropped the triggers (pitfalls.md #4).
`trigger_sql` must keep producing the same SQL for the same spec: add a new function instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from sqlalchemy import Connection

log = logging.getLogger(__name__)

FTS_TABLE = "search_fts"    # prefix of every index table (and of their shadow tables)
TRIGGER_PREFIX = "fts_sync_"


class IndexSpec(NamedTuple):
    """How one record table feeds the index."""

    kind: str
    table: str
    title: str                  # SQL expression over the row (NEW./OLD. added by the triggers)
    body: tuple[str, ...]       # text columns; JSON list columns are flattened
    lists: tuple[str, ...]      # which of `body` are JSON lists of strings
    detail: tuple[str, ...]     # shown under the title (not searched)
    case_uid: str | None        # the column holding the case uid, if any
    watched: tuple[str, ...]    # columns whose change re-indexes the row


def _spec(kind: str, table: str, title: str, body: tuple[str, ...],
          lists: tuple[str, ...] = (), detail: tuple[str, ...] = (),
          case_uid: str | None = "case_uid") -> IndexSpec:
    watched = tuple(dict.fromkeys((title, *body, *detail, "deleted_at")))
    return IndexSpec(kind, table, title, body, lists, detail, case_uid, watched)


# What the head schema indexes. Keep in step with the snapshot of the newest migration that
# touches the index.
CURRENT: tuple[IndexSpec, ...] = (
    _spec("case", "cases", "ref", ("title", "summary", "lead_investigator", "agency"),
          detail=("title",), case_uid="uid"),
    _spec("substance", "substances", "name", ("synonyms", "cas", "hs_code", "family",
                                                  "formula"),
          lists=("synonyms",), detail=("cas",), case_uid=None),
    _spec("company", "companies", "name",
          ("name_original", "aliases", "registration_no", "country", "city", "address",
           "phones", "emails", "website", "sanctions_note", "notes"),
          lists=("aliases", "phones", "emails"), detail=("name_original", "country"),
          case_uid=None),
    _spec("person", "persons", "full_name",
          ("aliases", "nationality", "phones", "emails", "role_note", "notes"),
          lists=("aliases", "phones", "emails"), detail=("nationality",), case_uid=None),
    _spec("shipment", "shipments", "ref",
          ("tracking_no", "declared_description", "declared_hs_code", "notes"),
          detail=("tracking_no", "declared_description")),
    _spec("seizure", "seizures", "exhibit_ref",
          ("place", "agency", "lab_ref", "concealment", "notes"), detail=("place", "seized_on")),
    _spec("link", "links", "relation", ("evidence",), detail=("evidence",)),
    _spec("note", "notes", "body", ("author",), detail=("author",)),
    _spec("attachment", "attachments", "filename", ("media_type", "sha256"),
          detail=("media_type",)),
)
SPEC_BY_KIND = {s.kind: s for s in CURRENT}


def fts_table(spec: IndexSpec) -> str:
    """The index table of one record table."""
    return f"{FTS_TABLE}_{spec.table}"


def _text(spec: IndexSpec, column: str, row: str) -> str:
    if column in spec.lists:
        return (f"coalesce((SELECT group_concat(value, ' ; ') FROM json_each({row}.{column})),"
                " '')")
    return f"coalesce({row}.{column}, '')"


def _values(spec: IndexSpec, row: str) -> str:
    body = " || ' ' || ".join(_text(spec, c, row) for c in spec.body) or "''"
    detail = " || ' · ' || ".join(f"coalesce({row}.{c}, '')" for c in spec.detail) or "''"
    case_uid = f"{row}.{spec.case_uid}" if spec.case_uid else "NULL"
    return f"{row}.id, coalesce({row}.{spec.title}, ''), {body}, {detail}, {row}.uid, {case_uid}"


def _insert(spec: IndexSpec, row: str) -> str:
    return (f"INSERT INTO {fts_table(spec)} (rowid, title, body, detail, uid, case_uid) "
            f"SELECT {_values(spec, row)} WHERE {row}.deleted_at IS NULL;")


def _delete(spec: IndexSpec, row: str) -> str:
    return f"DELETE FROM {fts_table(spec)} WHERE rowid = {row}.id;"


def trigger_names(spec: IndexSpec) -> tuple[str, str, str]:
    base = f"{TRIGGER_PREFIX}{spec.table}"
    return f"{base}_ai", f"{base}_au", f"{base}_ad"


def trigger_sql(spec: IndexSpec) -> list[str]:
    """CREATE TRIGGER statements that keep the index in step with one table."""
    ai, au, ad = trigger_names(spec)
    watched = ", ".join(spec.watched)
    return [
        f"CREATE TRIGGER {ai} AFTER INSERT ON {spec.table} BEGIN {_insert(spec, 'NEW')} END",
        f"CREATE TRIGGER {au} AFTER UPDATE OF {watched} ON {spec.table} BEGIN "
        f"{_delete(spec, 'OLD')} {_insert(spec, 'NEW')} END",
        f"CREATE TRIGGER {ad} AFTER DELETE ON {spec.table} BEGIN {_delete(spec, 'OLD')} END",
    ]


def create_table_sql(spec: IndexSpec) -> str:
    return (f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts_table(spec)} USING fts5("
            "title, body, detail UNINDEXED, uid UNINDEXED, case_uid UNINDEXED, "
            "tokenize = 'trigram')")


def _exec(conn: Any, sql: str) -> Any:
    """Run SQL on a SQLAlchemy connection or a DB-API connection."""
    runner = getattr(conn, "exec_driver_sql", None) or conn.execute
    return runner(sql)


def install(conn: Any, specs: tuple[IndexSpec, ...] = CURRENT) -> None:
    """Create the index tables and triggers (replacing any) and fill the index from the tables."""
    for spec in specs:
        _exec(conn, create_table_sql(spec))
    drop_triggers(conn, specs)
    for spec in specs:
        for sql in trigger_sql(spec):
            _exec(conn, sql)
    rebuild(conn, specs)


def drop_triggers(conn: Any, specs: tuple[IndexSpec, ...] = CURRENT) -> None:
    for spec in specs:
        for name in trigger_names(spec):
            _exec(conn, f"DROP TRIGGER IF EXISTS {name}")


def rebuild(conn: Any, specs: tuple[IndexSpec, ...] = CURRENT) -> None:
    """Refill the whole index from the record tables (one statement per kind)."""
    for spec in specs:
        _exec(conn, f"DELETE FROM {fts_table(spec)}")
        _exec(conn, f"INSERT INTO {fts_table(spec)} (rowid, title, body, detail, uid, case_uid) "
                    f"SELECT {_values(spec, spec.table)} FROM {spec.table} "
                    f"WHERE {spec.table}.deleted_at IS NULL")


def drop_tables(conn: Any, specs: tuple[IndexSpec, ...] = CURRENT) -> None:
    for spec in specs:
        _exec(conn, f"DROP TABLE IF EXISTS {fts_table(spec)}")


def missing_triggers(conn: Any, specs: tuple[IndexSpec, ...] = CURRENT) -> list[str]:
    """Index triggers that should exist and do not (a batch table rebuild drops them)."""
    present = {r[0] for r in _exec(conn, "SELECT name FROM sqlite_master WHERE type='trigger'")}
    return [n for spec in specs for n in trigger_names(spec) if n not in present]


def ensure_in_step(conn: Any) -> bool:
    """Restore dropped triggers and rebuild the index if any were missing; True if it did.

    Run after every upgrade: a revision that rebuilt a record table (Alembic batch mode) has
    silently dropped that table's triggers, and the index may have missed its data changes.
    """
    tables = {r[0] for r in _exec(conn, "SELECT name FROM sqlite_master WHERE type='table'")}
    if not any(fts_table(spec) in tables for spec in CURRENT):
        return False  # a revision before the index
    missing = missing_triggers(conn)
    if not missing:
        return False
    log.warning("full-text index triggers missing after upgrade (%s); rebuilding the index",
                ", ".join(missing))
    install(conn)
    return True


BULK_MIN_ROWS = 500  # below this, the per-row trigger is as cheap as a batch


@contextmanager
def bulk_insert(conn: Connection, kind: str, rows: int) -> Iterator[None]:
    """Insert many rows of `kind` with one index statement instead of one trigger run per row.

    Inside the caller's transaction: the insert trigger is dropped, the rows inserted, the new
    rows (ids above the previous maximum) indexed with one INSERT ... SELECT, and the trigger
    recreated. DDL is transactional in SQLite, so a rollback or a crash restores the trigger and
    leaves no half-indexed rows; other connections see the change only at commit. Measured on
    20,000 seizures: 174 us/row through the trigger, 43 us/row this way.
    """
    spec = SPEC_BY_KIND.get(kind)
    if spec is None or rows < BULK_MIN_ROWS:
        yield
        return
    insert_trigger = trigger_names(spec)[0]
    present = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type='trigger' AND name=?", (insert_trigger,)).first()
    if present is None:  # an older schema: leave the rows to whatever it has
        yield
        return
    last = _exec(conn, f"SELECT coalesce(max(id), 0) FROM {spec.table}").scalar()
    try:
        _exec(conn, f"DROP TRIGGER {insert_trigger}")
    except OperationalError:  # a statement still reading on this connection locks the schema
        log.info("bulk insert of %d %s rows indexed row by row", rows, kind)
        yield
        return
    try:
        yield
    finally:
        # Also after a failed batch: the rows it did insert (a caller that goes on with the
        # transaction keeps them) must be indexed, and the trigger must be back.
        _exec(conn, f"INSERT INTO {fts_table(spec)} (rowid, title, body, detail, uid, case_uid) "
                    f"SELECT {_values(spec, spec.table)} FROM {spec.table} "
                    f"WHERE {spec.table}.id > {int(last)} AND {spec.table}.deleted_at IS NULL")
        _exec(conn, trigger_sql(spec)[0])
