"""Pages of a big record table for the window.

Two ways to reach rows, both sorted and filtered in SQL:
- `ordered_ids(kind, q)`: every matching id in order, once (Anki's browse table), then
  `by_ids(...)` for the rows a view shows. Any row is one indexed lookup away; a million ids
  take 8 MB. The window fetches them off the UI thread.
- `page(...)`: keyset paging from a neighbour's key (pitfalls.md #5: OFFSET 500,000 costs
  17 ms, a keyset page 0.2 ms), else OFFSET from the nearer end; used until the ids arrive.
A table view reads `display_page`/`display_rows`: the same rows through SQLAlchemy Core with no
record built (a paint needs a few columns of 40 rows); `record_of` builds one when it is opened.
"""

from __future__ import annotations

import json
import sqlite3
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, and_, bindparam, func, or_, select, tuple_, type_coerce
from sqlalchemy.types import NullType

from caseapp.db.engine import translate_error
from caseapp.domain.kinds import NAME_FIELDS
from caseapp.domain.records import Record
from caseapp.errors import NotFoundError
from caseapp.services.listing import DisplayRow as DisplayRow
from caseapp.services.records import ListQuery

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

# (sort value, id): where a row sits in the table's order.
RowKey = tuple[Any, int]


@dataclass(frozen=True)
class RowPage:
    """Consecutive rows of a table starting at `start`, with the key of each."""

    start: int
    records: tuple[Record, ...]
    keys: tuple[RowKey, ...]


@dataclass(frozen=True)
class DisplayPage:
    """`RowPage` for a table view: display rows instead of records."""

    start: int
    rows: tuple[DisplayRow, ...]

    @property
    def keys(self) -> tuple[RowKey, ...]:
        """The key of each row (the sort field is the 4th column of a display query)."""
        return tuple(_key(r) for r in self.rows)

    def last_key(self) -> RowKey | None:
        return _key(self.rows[-1]) if self.rows else None


def _key(row: DisplayRow) -> RowKey:
    return getattr(row, row.fields[3]), int(row.id)


class PagingService:
    """Count and page any record kind in the order a `ListQuery` names."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._shapes: dict[tuple[str, tuple[str, ...]], dict[str, tuple[int, Any]]] = {}
        self._prepared: dict[tuple[Any, ...], tuple[str, tuple[str, ...], dict[str, Any]]] = {}

    def default_sort(self, kind: str) -> str:
        return self.ws.service(kind).default_sort

    def count(self, kind: str, q: ListQuery) -> int:
        return self.ws.service(kind).count(q)

    def page(self, kind: str, q: ListQuery, start: int, limit: int, total: int, *,
             after: RowKey | None = None, before: RowKey | None = None) -> RowPage:
        """Rows [start, start+limit) of the `total` matching `q`, as records.

        `after` is the key of row start-1 and `before` the key of row start+limit when the
        caller knows them; the page then starts from that key instead of an OFFSET.
        """
        limit = max(0, min(limit, total - start))
        if limit == 0:
            return RowPage(start, (), ())
        service = self.ws.service(kind)
        query, reverse = self._page_query(kind, q, select(service.table), start, limit, total,
                                          after, before)
        rows = self._read(query)
        if reverse:
            rows.reverse()
        name = q.sort or service.default_sort
        return RowPage(start, tuple(service.to_record(r._mapping) for r in rows),
                       tuple((getattr(r, name), int(r.id)) for r in rows))

    def display_page(self, kind: str, q: ListQuery, start: int, limit: int, total: int, *,
                     after: RowKey | None = None, before: RowKey | None = None,
                     fields: Sequence[str] | None = None) -> DisplayPage:
        """`page` for a table view: display rows holding `fields` (None: every field)
        besides id, uid, deleted_at and the sort field; no record built."""
        limit = max(0, min(limit, total - start))
        if limit == 0:
            return DisplayPage(start, ())
        quick = self._prepared_page(kind, q, start, limit, total, after, before, fields)
        if quick is not None:
            return quick
        query, reverse = self.display_query(kind, q, start, limit, total, after=after,
                                            before=before, fields=fields)
        shape = self._shape(kind, tuple(c.name for c in query.selected_columns))
        rows = self._read(query)
        if reverse:
            rows.reverse()
        return DisplayPage(start, tuple(DisplayRow(r, shape) for r in rows))

    def _prepared_page(self, kind: str, q: ListQuery, start: int, limit: int, total: int,
                       after: RowKey | None, before: RowKey | None,
                       fields: Sequence[str] | None) -> DisplayPage | None:
        """The pages a table view asks for most (the first page, then each next page from
        the last row's key; no text filter or field filters) from SQL compiled once per
        table and order, run as driver SQL: building and compiling the statement again
        cost twice the SELECT itself. None for any other page."""
        if q.text or q.filters or before is not None or (after is None and start > total // 2):
            return None
        if after is not None and after[0] is None:
            return None
        service = self.ws.service(kind)
        table = service.table
        column = table.c[q.sort or service.default_sort]
        lead = ("id", "uid", "deleted_at", column.name)
        names = (*lead, *_other_fields(table, fields, lead))
        key = (kind, names, q.descending, q.include_deleted, bool(q.case_uid), after is None)
        prepared = self._prepared.get(key)
        if prepared is None:
            query = select(*(type_coerce(table.c[n], NullType()).label(n) for n in names)
                           ).select_from(table)
            if not q.include_deleted:
                query = query.where(table.c.deleted_at.is_(None))
            if q.case_uid:
                # A bound parameter where the case's uid goes (every kind's clause takes one).
                case_uid: Any = bindparam("case_uid", type_=String())
                query = query.where(service.case_clause(case_uid))
            if after is not None:
                bound: Any = (bindparam("key_value", type_=column.type),
                              bindparam("key_id", type_=Integer()))
                query = query.where(_beyond(column, table.c.id, bound, q.descending))
            query = (query.order_by(*_order(column, table.c.id, q.descending))
                     .limit(bindparam("limit", type_=Integer()))
                     .offset(bindparam("offset", type_=Integer())))
            dialect = self.ws.db.read_engine.dialect
            compiled = query.compile(dialect=dialect)
            binders = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                       for name, bind in compiled.binds.items()}
            order = tuple(compiled.positiontup or ())
            prepared = self._prepared[key] = (compiled.string, order, binders)
        sql, order, binders = prepared
        values = {"case_uid": q.case_uid, "limit": limit, "offset": 0 if after else start,
                  "key_value": after[0] if after else None, "key_id": after[1] if after else 0}
        params = []
        for name in order:
            value, convert = values[name], binders[name]
            params.append(value if convert is None or value is None else convert(value))
        # The pool's driver connection, outside a transaction: one SELECT reads one snapshot.
        pooled = self.ws.db.read_engine.raw_connection()
        driver = pooled.driver_connection
        assert driver is not None  # a checked-out connection always has one
        try:
            rows = driver.execute(sql, params).fetchall()
        except sqlite3.Error as exc:  # as SQLAlchemy's error hook would say it
            raise (translate_error(exc, self.ws.db.path) or exc) from exc
        finally:
            pooled.close()
        shape = self._shape(kind, names)
        return DisplayPage(start, tuple(DisplayRow(r, shape) for r in rows))

    def display_query(self, kind: str, q: ListQuery, start: int, limit: int, total: int, *,
                      after: RowKey | None = None, before: RowKey | None = None,
                      fields: Sequence[str] | None = None) -> tuple[Any, bool]:
        """The SELECT of `display_page` (columns: id, uid, deleted_at, the sort field, then
        `fields`, each as stored) and whether its rows come in reverse order."""
        service = self.ws.service(kind)
        table = service.table
        lead = ("id", "uid", "deleted_at", q.sort or service.default_sort)
        names = [*lead, *_other_fields(table, fields, lead)]
        # Values as SQLite stores them (no conversion per value while reading): a
        # DisplayRow converts a value when a cell asks for it.
        stored = select(*(type_coerce(table.c[n], NullType()).label(n) for n in names))
        return self._page_query(kind, q, stored.select_from(table), start, limit, total,
                                after, before)

    def _page_query(self, kind: str, q: ListQuery, query: Any, start: int, limit: int,
                    total: int, after: RowKey | None,
                    before: RowKey | None) -> tuple[Any, bool]:
        service = self.ws.service(kind)
        table = service.table
        column = table.c[q.sort or service.default_sort]
        desc = q.descending
        reverse = False
        query = query.where(service.where_clause(q))
        if after is not None:
            query = query.where(_beyond(column, table.c.id, after, desc))
        elif before is not None:
            query = query.where(_beyond(column, table.c.id, before, not desc))
            reverse = True
        elif start > total // 2:
            reverse = True
            query = query.offset(total - start - limit)
        else:
            query = query.offset(start)
        return query.order_by(*_order(column, table.c.id, desc != reverse)).limit(limit), reverse

    def _shape(self, kind: str, names: tuple[str, ...]) -> dict[str, tuple[int, Any]]:
        """Each column of a display query: its position and the converter of its type."""
        shape = self._shapes.get((kind, names))
        if shape is None:
            table = self.ws.service(kind).table
            dialect = self.ws.db.read_engine.dialect
            types = [table.c[name].type.dialect_impl(dialect) for name in names]
            shape = self._shapes[(kind, names)] = {
                name: (i, kind_of.result_processor(dialect, None))
                for i, (name, kind_of) in enumerate(zip(names, types, strict=True))}
        return shape

    def record_of(self, kind: str, row: DisplayRow) -> Record:
        """The full record of a display row (read again by id: rows open one at a time)."""
        found = self.by_ids(kind, [row.id])
        if not found:
            raise NotFoundError(f"No {kind} with uid {row.uid}.")
        return found[0]

    def _read(self, query: Any) -> list[Any]:
        # SQLAlchemy Core on a plain connection: no ORM session, no record per row.
        with self.ws.db.read_engine.connect() as conn:
            return list(conn.execute(query).all())

    def probe(self, kind: str, q: ListQuery, limit: int) -> int:
        """How many records match, counting no further than `limit` (bounded cost)."""
        service = self.ws.service(kind)
        inner = select(service.table.c.id).where(service.where_clause(q)).limit(limit).subquery()
        with self.ws.db.read() as s:
            return int(s.execute(select(func.count()).select_from(inner)).scalar() or 0)

    def ordered_ids(self, kind: str, q: ListQuery) -> array[int]:
        """The ids of every matching record, in the query's order."""
        service = self.ws.service(kind)
        table = service.table
        column = table.c[q.sort or service.default_sort]
        query = (select(table.c.id).where(service.where_clause(q))
                 .order_by(*_order(column, table.c.id, q.descending)))
        # One JSON array from one SQLite step: the scan runs without the GIL, so the window's
        # thread is not slowed while a million ids arrive (SQLite keeps a subquery's ORDER BY
        # when the outer query is an aggregate: it is never flattened into it).
        # json_group_array builds it in 2/3 of group_concat's time.
        ordered = query.subquery()
        concat = select(func.json_group_array(ordered.c.id))
        with self.ws.db.read() as s:
            text = str(s.execute(concat).scalar() or "[]")[1:-1]
        out: array[int] = array("q")
        # Parsed by the JSON decoder (C speed: a third of the time of int() per id), in
        # chunks of about 100,000 ids; a waiting UI thread takes the GIL between chunks.
        start = 0
        while start < len(text):
            end = text.find(",", start + 700_000)
            end = len(text) if end < 0 else end
            out.extend(json.loads(f"[{text[start:end]}]"))
            start = end + 1
            time.sleep(0)
        return out

    def by_ids(self, kind: str, ids: Sequence[int]) -> tuple[Record, ...]:
        """The records with these ids, in the order given (missing ones left out)."""
        service = self.ws.service(kind)
        table = service.table
        rows = self._read(select(table).where(table.c.id.in_(list(ids))))
        found = {int(r.id): r for r in rows}
        return tuple(service.to_record(found[i]._mapping) for i in ids if i in found)

    def display_rows(self, kind: str, ids: Sequence[int], *,
                     fields: Sequence[str] | None = None) -> tuple[DisplayRow, ...]:
        """`by_ids` for a table view: display rows (only `fields`, besides id, uid and
        deleted_at, when given), no record built."""
        table = self.ws.service(kind).table
        names = ["id", "uid", "deleted_at", *_other_fields(table, fields,
                                                           ("id", "uid", "deleted_at"))]
        query = select(*(type_coerce(table.c[n], NullType()).label(n) for n in names)
                       ).select_from(table).where(table.c.id.in_(list(ids)))
        shape = self._shape(kind, tuple(names))
        found = {r[0]: r for r in self._read(query)}
        return tuple(DisplayRow(found[i], shape) for i in ids if i in found)

    def names(self, kind: str, uids: set[str]) -> dict[str, str]:
        """The readable key of each record named by uid (for reference columns)."""
        if not uids:
            return {}
        table = self.ws.service(kind).table
        column = table.c[NAME_FIELDS[kind]]
        out: dict[str, str] = {}
        ordered = sorted(uids)
        with self.ws.db.read() as s:
            for i in range(0, len(ordered), 500):
                chunk = ordered[i:i + 500]
                rows = s.execute(select(table.c.uid, column).where(table.c.uid.in_(chunk)))
                out.update({str(r[0]): str(r[1]) for r in rows})
        return out

    def choices(self, kind: str, case_uid: str | None = None, limit: int = 5000) -> list[str]:
        """Readable keys of live records of a kind (for pickers), sorted."""
        service = self.ws.service(kind)
        q = ListQuery(case_uid=case_uid if service.case_scoped else None,
                      sort=NAME_FIELDS[kind], limit=limit, with_total=False)
        column = service.table.c[NAME_FIELDS[kind]]
        with self.ws.db.read() as s:
            rows = s.execute(select(column).where(service.where_clause(q)).order_by(column)
                             .limit(limit))
            return [str(r[0]) for r in rows]


def _other_fields(table: Any, fields: Sequence[str] | None,
                  lead: Sequence[str]) -> list[str]:
    """`fields` (None: every column) without those already in `lead`, each once."""
    names = [c.name for c in table.c] if fields is None else fields
    return list(dict.fromkeys(n for n in names if n not in lead))


def _order(column: Any, id_column: Any, desc: bool) -> list[Any]:
    # SQLite sorts NULL first ascending and last descending; the keyset tests below agree.
    return [column.desc(), id_column.desc()] if desc else [column.asc(), id_column.asc()]


def _beyond(column: Any, id_column: Any, key: RowKey, desc: bool) -> Any:
    """Rows strictly after `key` in the (column, id) order."""
    value, row_id = key
    if value is None:
        if desc:  # NULLs come last: only NULL rows with a smaller id follow
            return and_(column.is_(None), id_column < row_id)
        return or_(column.is_not(None), and_(column.is_(None), id_column > row_id))
    # Row values let SQLite seek the (case_uid, column, id) index instead of scanning to the key.
    if desc:
        return or_(tuple_(column, id_column) < tuple_(value, row_id), column.is_(None))
    return tuple_(column, id_column) > tuple_(value, row_id)
