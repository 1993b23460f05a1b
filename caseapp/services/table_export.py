"""Tables to spreadsheets: any record table (or a case's history) as CSV or xlsx.

Columns carry the field names of data-model.md (`uid` first, then the kind's fields in their
declared order, then `created_at`, `updated_at`, `created_by`, and `deleted_at` when deleted
records are listed); a field naming another record holds that record's readable key (a
shipment's `shipper` is the company's name). Every cell that starts like a formula (`=`, `+`,
`-`, `@`, tab, carriage return) is written so that no spreadsheet runs it: in CSV it gets a
leading apostrophe, in xlsx it is a text cell marked "quote prefix" (its text unchanged).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caseapp.domain import words
from caseapp.domain.fields import FieldSpec, decimal_text
from caseapp.domain.kinds import BY_KIND, TABS
from caseapp.domain.records import Record, field_specs
from caseapp.errors import ValidationError
from caseapp.progress import CancelToken, ProgressCallback, no_progress
from caseapp.services.history import HistoryEntry, HistoryService
from caseapp.services.interchange import ExportResult, write_export
from caseapp.services.paging import PagingService
from caseapp.services.records import ListQuery

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

FORMATS = ("csv", "xlsx")
HISTORY = "history"
# The tables a case has in the window (its tabs), the case list, and the case's history.
TABLE_KINDS: tuple[str, ...] = ("case", *(kind for kind, _title in TABS), HISTORY)
HISTORY_COLUMNS = ("seq", "at", "actor", "action", "kind", "record_uid", "record", "changes")
META_COLUMNS = ("created_at", "updated_at", "created_by")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PAGE = 2000
XLSX_MAX_ROWS = 1_048_575  # a sheet's 1,048,576 rows, less the header
Cell = str | Decimal | int | bool | dt.date | None


def table_kind(name: str) -> str:
    """The kind a table name means ("seizures" or "seizure"); ValidationError otherwise."""
    word = name.strip().lower()
    for kind in TABLE_KINDS:
        if word in (kind, BY_KIND[kind].plural if kind in BY_KIND else kind):
            return kind
    names = ", ".join(BY_KIND[k].plural if k in BY_KIND else k for k in TABLE_KINDS)
    raise ValidationError(f"There is no table {name!r}; tables: {names}.")


def table_columns(kind: str, *, include_deleted: bool = False) -> tuple[str, ...]:
    """The column names of a kind's table (data-model.md's field names)."""
    if kind == HISTORY:
        return HISTORY_COLUMNS
    names = tuple(s.name for s in field_specs(kind) if s.name not in ("case_uid", "deleted_at"))
    return ("uid", *names, *META_COLUMNS, *(("deleted_at",) if include_deleted else ()))


def guarded(text: str) -> str:
    """CSV text no spreadsheet reads as a formula: a leading apostrophe when it starts like
    one (OWASP, "CSV injection")."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_format(out: Path | str) -> str:
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValidationError(f"Cannot tell the format of {Path(out).name}: name the file "
                              "*.xlsx or *.csv.")
    return suffix


class TableExportService:
    """Export one table of a case (or the case list) to CSV or xlsx, with an audit entry."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.paging = PagingService(ws)

    def export(self, table: str, out: Path | str, *, case: str | None = None,
               query: ListQuery | None = None, progress: ProgressCallback = no_progress,
               cancel: CancelToken | None = None) -> ExportResult:
        """Write the records of `table` in `case` (all cases for the case list) to `out`
        (*.csv or *.xlsx), filtered and sorted like `query` (the window's view of the table).

        Raises ValidationError (unknown table or format), NotFoundError (no such case),
        CaseRequired, Cancelled, CaseAppError (cannot write the file).
        """
        kind, fmt = table_kind(table), export_format(out)
        q = query or ListQuery()
        case_uid = case_ref = None
        if case is not None:
            with self.ws.db.read() as s:
                case_uid = self.ws.cases.case_uid_in(s, case)
            case_ref = self.ws.cases.get(case_uid).ref
        elif kind != "case":
            raise ValidationError(f"Name the case whose {self._plural(kind)} to export.")
        columns = table_columns(kind, include_deleted=q.include_deleted)
        if fmt == "xlsx" and self._count(kind, case_uid, q) > XLSX_MAX_ROWS:
            raise ValidationError(f"The table has more than {XLSX_MAX_ROWS:,} rows, the most "
                                  "an xlsx sheet holds; export it as CSV.")
        # Rows stream from the database to the file, a page at a time.
        rows = self._rows(kind, case_uid, q, progress, cancel)
        plural = self._plural(kind)
        where = f" of {case_ref}" if case_ref and kind != "case" else ""
        writer = _write_csv if fmt == "csv" else _write_xlsx
        return write_export(self.ws, out, fmt=fmt, what=lambda n: f"{words.plural(n, words.singular(plural), plural)}{where}",
                            case_uid=case_uid, kind=None if kind == HISTORY else kind,
                            write=lambda part: writer(part, plural, columns, rows),
                            cancel=cancel)

    def _count(self, kind: str, case_uid: str | None, q: ListQuery) -> int:
        if kind == HISTORY:
            return HistoryService(self.ws).count(case_uid or "")
        if kind == "case" and case_uid is not None:
            return 1
        return self.ws.service(kind).count(dataclasses.replace(q, case_uid=case_uid))

    @staticmethod
    def _plural(kind: str) -> str:
        return BY_KIND[kind].plural if kind in BY_KIND else "history entries"

    def _rows(self, kind: str, case_uid: str | None, q: ListQuery,
              progress: ProgressCallback, cancel: CancelToken | None
              ) -> Iterator[list[Cell]]:
        if kind == HISTORY:
            yield from self._history_rows(case_uid or "", cancel)
            return
        service = self.ws.service(kind)
        base = dataclasses.replace(q, case_uid=case_uid if kind != "case" else None,
                                   limit=PAGE, with_total=False)
        specs = [s for s in field_specs(kind) if s.name not in ("case_uid", "deleted_at")]
        done, total = 0, service.count(base)
        after = None
        while done < total:
            if cancel is not None:
                cancel.check()
            # Keyset paging from the last row's key: no OFFSET scan per page.
            page = self.paging.page(kind, base, done, PAGE, total, after=after)
            if not page.records:
                return
            after = page.keys[-1]
            records = page.records
            if kind == "case" and case_uid is not None:
                records = tuple(r for r in records if r.uid == case_uid)
            names = self._names(kind, records)
            for record in records:
                yield self._row(record, specs, names, q.include_deleted)
            done += len(page.records)
            progress(done, total, f"Exporting {self._plural(kind)}")

    def _names(self, kind: str, records: Sequence[Record]) -> dict[tuple[str, str], str]:
        """Readable keys of the records that `records` name (one query per kind)."""
        wanted: dict[str, set[str]] = {}
        for record in records:
            for spec in field_specs(kind):
                uid = getattr(record, spec.name)
                if spec.type == "ref" and spec.ref and spec.ref != "case" and uid:
                    wanted.setdefault(spec.ref, set()).add(uid)
            if kind == "link":
                for side in ("subject", "object"):
                    wanted.setdefault(getattr(record, f"{side}_kind"), set()).add(
                        getattr(record, side))
        return {(k, uid): name for k, uids in wanted.items()
                for uid, name in self.paging.names(k, uids).items()}

    @staticmethod
    def _row(record: Record, specs: list[FieldSpec], names: dict[tuple[str, str], str],
             include_deleted: bool) -> list[Cell]:
        cells: list[Cell] = [record.uid]
        for spec in specs:
            value = getattr(record, spec.name)
            ref_kind = spec.ref if spec.type == "ref" else None
            if record.KIND == "link" and spec.name in ("subject", "object"):
                ref_kind = getattr(record, f"{spec.name}_kind")
            if ref_kind and value:
                value = names.get((ref_kind, value), value)
            elif spec.type == "list":
                value = "; ".join(value)
            cells.append(value)
        cells += [record.created_at, record.updated_at, record.created_by]
        if include_deleted:
            cells.append(record.deleted_at)
        return cells

    def _history_rows(self, case_uid: str, cancel: CancelToken | None
                      ) -> Iterator[list[Cell]]:
        history = HistoryService(self.ws)
        before: int | None = None
        while True:
            if cancel is not None:
                cancel.check()
            entries: list[HistoryEntry] = history.page(case_uid, before_seq=before, limit=PAGE)
            for e in entries:
                yield [e.seq, e.at, e.actor, e.action, e.kind, e.record_uid, e.record, e.summary]
            if len(entries) < PAGE:
                return
            before = entries[-1].seq


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return guarded(value)


def _write_csv(path: Path, _title: str, columns: Sequence[str],
               rows: Iterable[Sequence[Cell]]) -> int:
    # UTF-8 with a byte-order mark: what spreadsheets need to read it as UTF-8 (and what
    # `caseapp import-csv` accepts).
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        count = 0
        for row in rows:
            writer.writerow([_csv_text(v) for v in row])
            count += 1
    return count


def _write_xlsx(path: Path, title: str, columns: Sequence[str],
                rows: Iterable[Sequence[Cell]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])

    def cell(value: Cell) -> Any:
        if isinstance(value, str):
            # XML cannot hold control characters: each becomes U+FFFD (docs/interchange.md).
            c = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
            c.data_type = "s"  # text, never a formula, whatever it starts with
            if value.startswith(FORMULA_STARTS):
                c.quotePrefix = True  # and still text when someone edits the cell
            return c
        return value

    sheet.append([cell(c) for c in columns])
    count = 0
    for row in rows:
        count += 1
        sheet.append([cell(v) for v in row])
    book.save(path)
    return count
