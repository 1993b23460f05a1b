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
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select, tuple_

from caseapp.domain.kinds import NAME_FIELDS
from caseapp.domain.records import Record
from caseapp.errors import NotFoundError
from caseapp.services.records import ListQuery

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

# (sort value, id): where a row sits in the table's order.
RowKey = tuple[Any, int]
# A row of a kind's table as read: its columns by attribute (`row.exhibit_ref`, `row.uid`,
# `row.deleted_at`), values already typed (dates, Decimals). `record_of` makes the record.
DisplayRow = Any


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
    keys: tuple[RowKey, ...]


class PagingService:
    """Count and page any record kind in the order a `ListQuery` names."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def count(self, kind: str, q: ListQuery) -> int:
        return self.ws.service(kind).count(q)

    def page(self, kind: str, q: ListQuery, start: int, limit: int, total: int, *,
             after: RowKey | None = None, before: RowKey | None = None) -> RowPage:
        """Rows [start, start+limit) of the `total` matching `q`, as records.

        `after` is the key of row start-1 and `before` the key of row start+limit when the
        caller knows them; the page then starts from that key instead of an OFFSET.
        """
        shown = self.display_page(kind, q, start, limit, total, after=after, before=before)
        return RowPage(start, tuple(self.record_of(kind, r) for r in shown.rows), shown.keys)

    def display_page(self, kind: str, q: ListQuery, start: int, limit: int, total: int, *,
                     after: RowKey | None = None, before: RowKey | None = None,
                     fields: Sequence[str] | None = None) -> DisplayPage:
        """`page` for a table view: rows as read, with only `fields` (besides id, uid,
        deleted_at and the sort field; None: every field), and no record built."""
        limit = max(0, min(limit, total - start))
        if limit == 0:
            return DisplayPage(start, (), ())
        query, reverse = self.display_query(kind, q, start, limit, total, after=after,
                                            before=before, fields=fields)
        rows = self._read(query)
        if reverse:
            rows.reverse()
        return DisplayPage(start, tuple(rows), tuple((r[3], r[0]) for r in rows))

    def display_query(self, kind: str, q: ListQuery, start: int, limit: int, total: int, *,
                      after: RowKey | None = None, before: RowKey | None = None,
                      fields: Sequence[str] | None = None) -> tuple[Any, bool]:
        """The SELECT of `display_page` (columns: id, uid, deleted_at, the sort field, then
        `fields`) and whether its rows come in reverse order."""
        service = self.ws.service(kind)
        table = service.table
        column = table.c[q.sort or service.default_sort]
        desc = q.descending
        reverse = False
        lead = ("id", "uid", "deleted_at", column.name)
        names = _other_fields(table, fields, lead)
        query = select(*(table.c[n] for n in lead), *(table.c[n] for n in names)).where(
            service.where_clause(q))
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

    def record_of(self, kind: str, row: DisplayRow) -> Record:
        """The full record of a display row (built when a row is opened, not for a paint);
        read again by id when the row holds only some fields."""
        service = self.ws.service(kind)
        mapping = row._mapping
        if all(c.name in mapping for c in service.table.c):
            record: Record = service.to_record(mapping)
            return record
        table = service.table
        full = self._read(select(table).where(table.c.id == row.id))
        if not full:
            raise NotFoundError(f"No {kind} with uid {row.uid}.")
        record = service.to_record(full[0]._mapping)
        return record

    def _read(self, query: Any) -> list[DisplayRow]:
        # SQLAlchemy Core on a plain connection: no ORM session, no record per row; the
        # statement's compiled form is cached, so a page costs little more than the raw SELECT.
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
        # One string from one SQLite step: the scan runs without the GIL, so the window's
        # thread is not slowed while a million ids arrive (SQLite keeps a subquery's ORDER BY
        # when the outer query is an aggregate: it is never flattened into it).
        ordered = query.subquery()
        concat = select(func.group_concat(ordered.c.id, ","))
        with self.ws.db.read() as s:
            text = s.execute(concat).scalar() or ""
        out: array[int] = array("q")
        # Parsed as JSON arrays (C speed: a third of the time of int() per id), in chunks of
        # about 100,000 ids; a waiting UI thread takes the GIL between chunks.
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
        return tuple(self.record_of(kind, r) for r in self.display_rows(kind, ids))

    def display_rows(self, kind: str, ids: Sequence[int], *,
                     fields: Sequence[str] | None = None) -> tuple[DisplayRow, ...]:
        """`by_ids` for a table view: the rows as read (only `fields`, besides id, uid and
        deleted_at, when given), no record built."""
        table = self.ws.service(kind).table
        names = _other_fields(table, fields, ("id", "uid", "deleted_at"))
        rows = self._read(select(table.c.id, table.c.uid, table.c.deleted_at,
                                 *(table.c[n] for n in names))
                          .where(table.c.id.in_(list(ids))))
        found = {r[0]: r for r in rows}
        return tuple(found[i] for i in ids if i in found)

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
