"""Pages of a big record table for the window.

Two ways to reach rows, both sorted and filtered in SQL:
- `ordered_ids(kind, q)`: every matching id in order, once (Anki's browse table), then
  `by_ids(...)` for the rows a view shows. Any row is one indexed lookup away; a million ids
  take 8 MB. The window fetches them off the UI thread.
- `page(...)`: keyset paging from a neighbour's key (pitfalls.md #5: OFFSET 500,000 costs
  17 ms, a keyset page 0.2 ms), else OFFSET from the nearer end; used until the ids arrive.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select, tuple_

from caseapp.domain.kinds import NAME_FIELDS
from caseapp.domain.records import Record
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


class PagingService:
    """Count and page any record kind in the order a `ListQuery` names."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def count(self, kind: str, q: ListQuery) -> int:
        return self.ws.service(kind).count(q)

    def page(self, kind: str, q: ListQuery, start: int, limit: int, total: int, *,
             after: RowKey | None = None, before: RowKey | None = None) -> RowPage:
        """Rows [start, start+limit) of the `total` matching `q`.

        `after` is the key of row start-1 and `before` the key of row start+limit when the
        caller knows them; the page then starts from that key instead of an OFFSET.
        """
        service = self.ws.service(kind)
        table = service.table
        column = table.c[q.sort or service.default_sort]
        limit = max(0, min(limit, total - start))
        if limit == 0:
            return RowPage(start, (), ())
        desc = q.descending
        reverse = False
        query = select(table).where(service.where_clause(q))
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
        query = query.order_by(*_order(column, table.c.id, desc != reverse)).limit(limit)
        with self.ws.db.read() as s:
            rows = s.execute(query).mappings().all()
        if reverse:
            rows = list(reversed(rows))
        name = column.name
        return RowPage(start, tuple(service.to_record(r) for r in rows),
                       tuple((r[name], int(r["id"])) for r in rows))

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
        parts = text.split(",") if text else []
        for start in range(0, len(parts), 100_000):
            out.extend(map(int, parts[start:start + 100_000]))
            time.sleep(0)  # let a waiting UI thread take the GIL between chunks
        return out

    def by_ids(self, kind: str, ids: Sequence[int]) -> tuple[Record, ...]:
        """The records with these ids, in the order given (missing ones left out)."""
        service = self.ws.service(kind)
        table = service.table
        with self.ws.db.read() as s:
            rows = s.execute(select(table).where(table.c.id.in_(list(ids)))).mappings().all()
        found = {int(r["id"]): r for r in rows}
        return tuple(service.to_record(found[i]) for i in ids if i in found)

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
