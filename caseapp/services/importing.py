"""CSV import (cli.md templates): all or nothing, every bad row reported by line and column.

Re-importing a file creates no duplicates: a row whose key (exhibit, shipment ref, link triple)
already exists with the same values is skipped and counted; one that exists with different
values is an error, so an import never silently overwrites an edit. A company or person row
whose name equals a stored record's up to case, spacing and punctuation is that record: it
joins the case, nothing stored is overwritten, and the result lists the match (`matched`).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import select

from caseapp.db.changelog import UnitOfWork
from caseapp.db.models import Link
from caseapp.domain.fields import DECIMAL_MARKS, current_decimal_mark, decimal_mark, number_text
from caseapp.domain.kinds import CSV_TEMPLATES
from caseapp.domain.names import plain_key
from caseapp.domain.records import spec_map
from caseapp.errors import CaseAppError, ValidationError
from caseapp.gcpause import gc_paused
from caseapp.progress import CancelToken, ProgressCallback, no_progress
from caseapp.services.records import RecordService
from caseapp.sync.ops import MAX_TEXT

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

MAX_ERRORS_LISTED = 50
SPILL_ROWS = 10_000  # rows a long import holds in memory before writing them (one changeset)
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_CELL = MAX_TEXT  # the most one cell may hold: the app's limit for one text value
TOO_LONG = f"the cell is longer than {MAX_CELL:,} characters, the most one cell may hold"
_QUOTED = re.compile(r'"[^"]*(?:""[^"]*)*')  # an opening quote up to its closing quote or the end
_UNQUOTED = re.compile(r"[^,\r\n]*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# The CSV templates (cli.md), from the kind registry: columns, optional extra columns, kind.
TEMPLATES: dict[str, tuple[str, ...]] = {n: k.csv.columns for n, k in CSV_TEMPLATES.items()
                                         if k.csv}
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {n: k.csv.extra for n, k in CSV_TEMPLATES.items()
                                             if k.csv}
KIND_OF = {n: k.kind for n, k in CSV_TEMPLATES.items()}
RENAMED = {"shipment_ref": "shipment"}
# key unique within the case, compared exactly
KEYED_IN_CASE = tuple(n for n, k in CSV_TEMPLATES.items() if k.unique_key and k.case_scoped)
# name unique-ish, compared up to case, spacing and punctuation (names.plain_key)
KEYED_GLOBALLY = tuple(n for n, k in CSV_TEMPLATES.items() if k.named and k.shared)


@dataclass(frozen=True)
class ImportResult:
    kind: str
    rows: int
    created: int
    duplicates: int
    companies_created: int = 0
    # rows matched to a stored company or person with other values: {line, row, uid, record}
    matched: tuple[dict[str, Any], ...] = ()
    # The decimal mark numbers were read with ("point" or "comma") and why: "given" (the
    # command said so), "detected" (only that convention reads every number of the file) or
    # "setting" (the user's setting).
    decimal_mark: str = "point"
    decimal_mark_from: str = "setting"


def detect_decimal_mark(kind: str, rows: Iterable[tuple[int, dict[str, str] | RowError]]
                        ) -> tuple[str, str]:
    """The decimal mark to read a file's numbers with: the user's setting unless only the
    other convention reads every number cell of the file. Returns (mark, "setting"|"detected").
    One pass over `rows` (a stream is fine)."""
    setting = current_decimal_mark()
    other = next(m for m in DECIMAL_MARKS if m != setting)
    specs = spec_map(KIND_OF[kind])
    decimal = {name for name in [*TEMPLATES[kind], *EXTRA_COLUMNS[kind]]
               if (spec := specs.get(RENAMED.get(name, name))) is not None
               and spec.type == "decimal"}
    reads = {setting: True, other: True}
    for _line, raw in rows:
        if not isinstance(raw, dict):
            continue
        for name in decimal & raw.keys():
            v = raw[name]
            if not v.strip():
                continue
            for mark in (setting, other):
                if reads[mark]:
                    try:
                        number_text(v, mark)
                    except ValueError:
                        reads[mark] = False
            if not reads[setting] and not reads[other]:
                return setting, "setting"
    if reads[setting]:
        return setting, "setting"
    return (other, "detected") if reads[other] else (setting, "setting")


class _Counted:
    """Passes rows through and counts them."""

    def __init__(self, rows: Iterator[tuple[int, dict[str, str] | RowError]]) -> None:
        self.rows, self.n = rows, 0

    def __iter__(self) -> Iterator[tuple[int, dict[str, str] | RowError]]:
        for row in self.rows:
            self.n += 1
            yield row


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f", column {self.column}" if self.column else ""
        return f"line {self.line}{where}: {self.message}"


def read_text(path: Path) -> str:
    """The UTF-8 text of a file to import (a byte-order mark dropped); ValidationError for
    one over MAX_FILE_BYTES or not UTF-8, CaseAppError for one that cannot be read."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValidationError(f"{path.name} is larger than 512 MB; split it.")
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path.name} is not UTF-8 text (byte {exc.start}).") from None
    except OSError as exc:
        raise CaseAppError(f"Cannot read {path}: {exc.strerror}.") from None


def read_rows(path: Path, kind: str) -> list[tuple[int, dict[str, str] | RowError]]:
    """Rows of a template CSV, each with the file line it starts on; checks the header.

    A row that cannot be used (wrong number of cells, a cell over MAX_CELL characters) comes
    back as its RowError, so every bad row is listed; text the csv module cannot read at all
    (a quote never closed, text after a closing quote) raises ValidationError at once.
    """
    return list(iter_rows(path, kind))


def iter_rows(path: Path, kind: str) -> Iterator[tuple[int, dict[str, str] | RowError]]:
    """`read_rows` as a stream: the file is read as it is used, never held whole."""
    if kind not in TEMPLATES:
        raise ValidationError(f"Cannot import {kind!r}; kinds: {', '.join(TEMPLATES)}.")
    with open_text(path) as fh:
        records = _Records(fh, path)
        header = records.read_header()
        _check_header(path, kind, header)
        for first, last, cells in records:
            if any(map(str.strip, cells)):
                problem = _shape_problem(header, cells, first, last)
                yield first, problem or {h: c for h, c in zip(header, cells, strict=True)
                                         if c.strip()}


@contextmanager
def open_text(path: Path) -> Iterator[TextIO]:
    """The file to import as UTF-8 text (a byte-order mark dropped), read as it is used;
    ValidationError for one over MAX_FILE_BYTES or not UTF-8, CaseAppError for one that cannot
    be read."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValidationError(f"{path.name} is larger than 512 MB; split it.")
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CaseAppError(f"Cannot read {path}: {exc.strerror}.") from None
    with fh:
        try:
            yield fh
        except UnicodeDecodeError:
            read_text(path)  # names the first byte that is not UTF-8
            raise
        except OSError as exc:
            raise CaseAppError(f"Cannot read {path}: {exc.strerror}.") from None


def _shape_problem(header: list[str], cells: list[str], first: int,
                   last: int) -> RowError | None:
    """A row spanning lines `first`..`last` with the wrong number of cells or a cell too long."""
    if len(cells) != len(header):
        return RowError(first, "", f"the row has {len(cells)} cells, the header {len(header)}"
                                   + _runs_on(first, last))
    if max(map(len, cells)) <= MAX_CELL:  # the usual case, without stripping every cell
        return None
    for name, cell in zip(header, cells, strict=True):
        if len(cell.strip()) > MAX_CELL:
            return RowError(first, name, TOO_LONG + _runs_on(first, last))
    return None


def _runs_on(first: int, last: int) -> str:
    return f" (it runs on to line {last}: is a quote never closed?)" if last > first else ""


def _check_header(path: Path, kind: str, header: list[str]) -> None:
    allowed = set(TEMPLATES[kind]) | set(EXTRA_COLUMNS[kind])
    unknown = [h for h in header if h not in allowed]
    if unknown:
        raise ValidationError(f"{path.name}: unknown column(s) {', '.join(unknown)}; "
                              f"a {kind} file has {', '.join(TEMPLATES[kind])}.")
    dupes = {h for h in header if header.count(h) > 1}
    if dupes:
        raise ValidationError(f"{path.name}: column(s) {', '.join(sorted(dupes))} repeat.")
    spec = spec_map(KIND_OF[kind])
    missing = [c for c in TEMPLATES[kind] if RENAMED.get(c, c) in spec
               and spec[RENAMED.get(c, c)].required and c not in header]
    if missing:
        raise ValidationError(f"{path.name}: required column(s) missing: {', '.join(missing)}.")


class _Records:
    """The records of a CSV text and the lines each spans; unreadable text is a clear error.

    The csv module (strict) does the reading; only when it refuses a record does
    `_why` scan that record again to name the line, column and cause.
    """

    def __init__(self, fh: TextIO, path: Path) -> None:
        self.path, self.name = path, path.name
        self.header: list[str] = []
        self._reader = csv.reader(fh, strict=True)

    def read_header(self) -> list[str]:
        """The first record, stripped (empty for an empty file)."""
        first = next(iter(self), None)
        self.header = [h.strip() for h in first[2]] if first else []
        return self.header

    def __iter__(self) -> Iterator[tuple[int, int, list[str]]]:
        """(first line, last line, cells) of each remaining record, lines counted from 1."""
        while True:
            first = self._reader.line_num + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ValidationError(f"{self.name}: {self._why(first, exc)}; "
                                      "nothing was imported.") from None
            yield first, self._reader.line_num, cells

    def _why(self, line: int, exc: csv.Error) -> str:
        text = read_text(self.path)  # only for a broken file: read again, whole, to explain
        start = sum(len(s) for s in itertools.islice(io.StringIO(text, newline=""), line - 1))
        return (_cell_problem(text, start, line, self.header)
                or f"line {line}: the row cannot be read as CSV ({exc})")


def _match_end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    match = pattern.match(text, pos)  # both patterns match at any position (maybe empty)
    return match.end() if match else pos


def _cell_problem(text: str, pos: int, line: int, header: list[str]) -> str | None:
    """The first cell of the record at text[pos:] (on `line`) that the csv module refuses."""
    for column in itertools.count():
        name = header[column] if column < len(header) else str(column + 1)
        where = f"line {line}, column {name}"
        if not text.startswith('"', pos):
            end = _match_end(_UNQUOTED, text, pos)
            if end - pos > MAX_CELL:
                return f"{where}: {TOO_LONG}"
        else:
            opening = _LINE_BREAK.split(text[pos:pos + 41], maxsplit=1)[0]
            opening = opening[:40] + "…" if len(opening) > 40 else opening
            end = _match_end(_QUOTED, text, pos)
            if end == len(text):
                return f"{where}: a quoted cell is never closed (it starts with `{opening}`)"
            end += 1
            last = line + len(_LINE_BREAK.findall(text, pos, end))
            if end - pos - 2 > MAX_CELL:
                return f"{where}: {TOO_LONG}{_runs_on(line, last)}"
            if end < len(text) and text[end] not in ",\r\n":
                if last > line:
                    return (f"{where}: the quoted cell that starts with `{opening}` is only closed "
                            f"on line {last}, with text after its closing quote: a quote is "
                            "probably left open")
                return (f"{where}: a quoted cell has text after its closing quote "
                        f"(`{text[pos:end + 1]}`); inside a quoted cell, write a quote as \"\"")
            line = last
        if end >= len(text) or text[end] != ",":
            return None
        pos = end + 1
    return None


def raise_row_errors(name: str, errors: list[RowError], rows: int) -> None:
    """ValidationError listing the bad rows (the first MAX_ERRORS_LISTED), if any."""
    if not errors:
        return
    listed = [str(e) for e in errors[:MAX_ERRORS_LISTED]]
    if len(errors) > MAX_ERRORS_LISTED:
        listed.append(f"... and {len(errors) - MAX_ERRORS_LISTED} more")
    bad_lines = len({e.line for e in errors})
    raise ValidationError(f"{name}: {bad_lines} bad row(s) of {rows}; nothing was imported.",
                          details=listed)


class CsvImporter:
    """Imports one template CSV into a case in one unit of work."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def import_file(self, kind: str, path: Path, case: str, *,
                    progress: ProgressCallback = no_progress,
                    cancel: CancelToken | None = None,
                    decimal: str | None = None) -> ImportResult:
        """Import every row or none; raises ValidationError listing every bad row.

        `decimal` ("point" or "comma") is the file's decimal mark; None: the user's setting,
        unless only the other convention reads every number of the file (`detect_decimal_mark`).
        """
        with gc_paused():  # a bulk job: see caseapp/gcpause.py
            counted = _Counted(iter_rows(path, kind))  # a first pass: rows and their numbers
            mark, mark_from = ((decimal, "given") if decimal
                               else detect_decimal_mark(kind, counted))
            for _ in counted:  # the rest of the first pass (the mark may be known early)
                pass
            with decimal_mark(mark):
                result = self._import(kind, path, case, counted.n, progress, cancel)
        return replace(result, decimal_mark=mark, decimal_mark_from=mark_from)

    def _import(self, kind: str, path: Path, case: str, total: int,
                progress: ProgressCallback, cancel: CancelToken | None) -> ImportResult:
        errors: list[RowError] = []
        self._companies_created = 0
        with self.ws.unit() as uow:
            case_uid = self.ws.cases.case_uid_in(uow.session, case)
            created, duplicates = self.import_rows_in(uow, kind, iter_rows(path, kind), case_uid,
                                                      errors, progress=progress, cancel=cancel,
                                                      total=total)
            raise_row_errors(path.name, errors, total)
            uow.audit("import", case_uid=case_uid,
                      detail=f"import-csv {kind} {path.name}: {total} rows, {created} "
                             f"created, {duplicates} duplicates skipped"
                             + (f", {len(self._matched)} matched to stored records"
                                if self._matched else ""))
        return ImportResult(kind, total, created, duplicates, self._companies_created,
                            tuple(self._matched))

    def import_rows_in(self, uow: UnitOfWork, kind: str,
                       rows: Iterable[tuple[int, dict[str, Any] | RowError]], case_uid: str,
                       errors: list[RowError], *, progress: ProgressCallback = no_progress,
                       cancel: CancelToken | None = None,
                       total: int | None = None) -> tuple[int, int]:
        """Import rows of a template `kind` (values by column, each with its line) inside a
        caller's unit of work; bad rows are added to `errors`. Returns (created, duplicates).
        Other importers (import-ftm) bring their rows through here too.

        `rows` may be a stream (`total`: how many, for progress). Every SPILL_ROWS rows the
        unit writes what it holds into its transaction (`UnitOfWork.spill`), so memory does
        not grow with the file; a bad row anywhere still rolls the whole unit back."""
        if total is None:
            rows = list(rows)
            total = len(rows)
        service = self.ws.service(KIND_OF[kind])
        created = duplicates = 0
        self._seen: dict[str, int] = {}
        self._matched: list[dict[str, Any]] = []
        # Existing keys in one query each, instead of one query (and flush) per row.
        self._known = self._known_keys(uow, service, kind, case_uid)
        self._companies = (self._known_keys(uow, self.ws.companies, "companies", case_uid)
                           if kind == "shipments" else {})
        for i, (line, raw) in enumerate(rows):
            if cancel is not None and i % 200 == 0:
                cancel.check()
            if i % 500 == 0:
                progress(i, total, f"Importing {kind}")
            if i and i % SPILL_ROWS == 0:
                uow.spill()
            outcome = self._row(uow, service, kind, line, raw, case_uid, errors)
            created += outcome == "created"
            duplicates += outcome == "duplicate"
        progress(total, total, f"Importing {kind}")
        return created, duplicates

    def _row(self, uow: UnitOfWork, service: RecordService[Any], kind: str, line: int,
             raw: dict[str, Any] | RowError, case_uid: str, errors: list[RowError]) -> str:
        if isinstance(raw, RowError):
            errors.append(raw)
            return "error"
        values = {RENAMED.get(k, k): v for k, v in raw.items()}
        keyer = getattr(service, "import_key", None)   # kinds with their own repeat rule
        key = keyer(values) if keyer else self._key(kind, values)
        if key in self._seen:
            errors.append(RowError(line, "", f"repeats line {self._seen[key]}"))
            return "error"
        self._seen[key] = line
        try:
            if kind == "shipments":
                self._create_companies(uow, values, case_uid)
            existing = self._existing(uow, service, kind, values, case_uid)
            if existing is not None:
                return self._compare(uow, service, existing, values, case_uid, line, errors)
            uid = service.add_in(uow, values, case_uid=case_uid,
                                 key_checked=kind in KEYED_IN_CASE)
            if kind in KEYED_GLOBALLY:
                self._known.setdefault(plain_key(str(values.get(service.key_field, ""))), uid)
            return "created"
        except ValidationError as exc:
            for name, message in (exc.field_errors or {"": exc.message}).items():
                column = "shipment_ref" if name == "shipment" else name
                errors.append(RowError(line, column, message))
        except CaseAppError as exc:
            errors.append(RowError(line, "", exc.message))
        return "error"

    @staticmethod
    def _key(kind: str, v: Mapping[str, str]) -> str:
        if kind == "links":
            return "|".join(v.get(k, "").lower() for k in TEMPLATES["links"][:5])
        name = {"seizures": "exhibit_ref", "shipments": "ref", "companies": "name",
                "persons": "full_name"}[kind]
        return v.get(name, "").strip().lower() or f"row-{id(v)}"

    def _create_companies(self, uow: UnitOfWork, values: dict[str, Any],
                          case_uid: str) -> None:
        """Shipment files name companies; unknown names become new companies."""
        for name in ("shipper", "consignee", "carrier"):
            company = values.get(name)
            if company and plain_key(company) not in self._companies:
                uid = self.ws.companies.add_in(uow, {"name": company}, case_uid=case_uid)
                self._companies[plain_key(company)] = uid
                self._companies_created += 1

    @staticmethod
    def _known_keys(uow: UnitOfWork, service: RecordService[Any], kind: str,
                    case_uid: str) -> dict[str, str]:
        """Readable key -> uid of the records a row of `kind` could repeat (links: none)."""
        t = service.table
        if kind in KEYED_IN_CASE:
            rows = uow.session.execute(select(t.c[service.key_field], t.c.uid)
                                       .where(t.c.case_uid == case_uid))
            return {str(k): str(u) for k, u in rows}
        if kind in KEYED_GLOBALLY:
            known: dict[str, str] = {}
            for k, u in uow.session.execute(select(t.c[service.key_field], t.c.uid)
                                            .order_by(t.c.id)):
                known.setdefault(plain_key(str(k)), str(u))
            return known
        return {}

    def _existing(self, uow: UnitOfWork, service: RecordService[Any], kind: str,
                  values: Mapping[str, Any], case_uid: str) -> str | None:
        """The uid of the record this row describes, if it is already in the database."""
        if kind in KEYED_IN_CASE:
            return self._known.get(str(values.get(service.key_field)))
        if kind in KEYED_GLOBALLY:
            return self._known.get(plain_key(str(values.get(service.key_field, ""))))
        uow.flush_rows()
        finder = getattr(service, "existing_in", None)
        if finder is not None:
            found: str | None = finder(uow, values, case_uid)
            return found
        s = uow.session
        probe = service.prepare(uow, values, existing=None, case_uid=case_uid)
        return s.execute(select(Link.uid).where(
            Link.case_uid == case_uid, Link.subject == probe["subject"],
            Link.relation == probe["relation"], Link.object == probe["object"])).scalar()

    def _compare(self, uow: UnitOfWork, service: RecordService[Any], uid: str,
                 values: Mapping[str, Any], case_uid: str, line: int,
                 errors: list[RowError]) -> str:
        """Same values: a duplicate to skip. Different: an error naming the fields."""
        current = uow.row(service.kind, uid)
        wanted = service.prepare(uow, values, existing=current, case_uid=case_uid)
        specs = spec_map(service.kind)
        differ = [n for n in values if n in specs and
                  specs[n].to_json(wanted[n]) != specs[n].to_json(current[n])]
        if not differ:
            service.after_write(uow, uid, current, case_uid)
            return "duplicate"
        if service.kind in ("company", "person"):
            # A known entity: it joins the case as stored; the row's other values are not
            # written over the stored record (an analyst edits it if they are right).
            service.after_write(uow, uid, current, case_uid)
            self._matched.append({"line": line, "row": str(values.get(service.key_field)),
                                  "uid": uid, "record": str(current[service.key_field]),
                                  "differs": differ})
            return "duplicate"
        errors.append(RowError(line, differ[0], "already in the database with different "
                               f"values ({', '.join(differ)}); edit the record instead"))
        return "error"
