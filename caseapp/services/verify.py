"""`caseapp verify`: database integrity, foreign keys, audit chain, signatures, log vs tables.

Each check reports what it looked at; the first problem names the bad entry or record.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from json.scanner import make_scanner
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from caseapp.db import cipher
from caseapp.db.audit import iter_chain_problems
from caseapp.db.base import DecimalFloat
from caseapp.db.engine import Database, UnreadableDatabase, translate_error
from caseapp.db.migrate import current_revision, head_revision, inspect_database
from caseapp.db.models import AuditEntry, Changeset, ChangesetOpList, table_of
from caseapp.domain.fields import FieldSpec
from caseapp.domain.records import KIND_ORDER, spec_map
from caseapp.errors import CaseAppError, OlderSchema
from caseapp.progress import CancelToken, ProgressCallback, no_progress
from caseapp.sync.canonical import canonical_hash, canonical_json, op_text_hash
from caseapp.sync.merge import OpView, merge_record
from caseapp.sync.signing import verify_signature


@dataclass
class CheckResult:
    name: str
    ok: bool
    summary: str
    problems: list[str] = field(default_factory=list)


@dataclass
class VerifyReport:
    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def first_problem(self) -> str | None:
        for c in self.checks:
            if c.problems:
                return f"{c.name}: {c.problems[0]}"
        return None


def _integrity(s: Session) -> CheckResult:
    # SQLite 3.44+ (the one inside sqlcipher3) checks FTS5 tables in integrity_check, against
    # the index structure this connection cached when it last read one: after another
    # connection wrote, that reports a "checksum mismatch" that is not there. A query
    # reloads the structure first.
    for (table,) in s.execute(text(
            "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'search_fts_%' "
            "AND sql LIKE 'CREATE VIRTUAL TABLE%'")).all():
        s.execute(text(f"SELECT rowid FROM \"{table}\" WHERE \"{table}\" MATCH "
                       "'\"caseapp\"' LIMIT 1")).all()
    # SQLite 3.44+ may return several problems in one row, a line each, under a heading
    # ("*** in database main ***"): one problem a line, the heading left out.
    rows = [line for r in s.execute(text("PRAGMA integrity_check")).all()
            for line in str(r[0]).splitlines() if not line.startswith("*** in database")]
    ok = rows == ["ok"]
    return CheckResult("integrity", ok, "PRAGMA integrity_check: " + ("ok" if ok else "FAILED"),
                       [] if ok else rows[:5])


def _foreign_keys(s: Session) -> CheckResult:
    rows = s.execute(text("PRAGMA foreign_key_check")).all()
    problems = [f"table {r[0]} row {r[1]} points at a missing {r[2]} row" for r in rows[:5]]
    return CheckResult("foreign keys", not rows,
                       f"PRAGMA foreign_key_check: {len(rows)} broken references", problems)


def _audit(s: Session) -> CheckResult:
    total = s.execute(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)).scalar()
    problems = [f"audit entry {p.seq}: {p.reason}"
                for p in itertools.islice(iter_chain_problems(s), 5)]
    return CheckResult("audit chain", not problems,
                       f"{total or 0} audit entries, hash chain checked", problems)


OP_CONTENT = ("kind", "uid", "case_uid", "fields", "prev", "hlc", "site_id", "author_key")
_OPS_BY_CHANGESET = ("SELECT op_id, changeset_id, kind, uid, case_uid, fields, prev, hlc, "
                     "site_id, author_key FROM ops ORDER BY changeset_id")


def _op_hash(row: Any) -> str:
    """SHA-256 of an op's canonical JSON, assembled from the stored row: `fields` and `prev`
    are stored canonically (JSONText), so they go in as they are, encoded by no one again."""
    _op_id, _cs, kind, uid, case_uid, fields, prev, hlc, site_id, author_key = row
    return op_text_hash(kind, uid, case_uid, fields, prev, hlc, site_id, author_key)


def _reference_op_hash(row: Any) -> str:
    content = dict(zip(OP_CONTENT, row[2:], strict=True))
    for name in ("fields", "prev"):
        content[name] = json.loads(content[name]) if content[name] is not None else None
    return canonical_hash(content)


def _signatures(s: Session) -> CheckResult:
    """Each op's id is the hash of its content; each changeset's signature covers its ops.

    Streams the ops in changeset order (its index), one changeset's op ids in memory at a
    time; an op is hashed once from its stored text (the decoded, re-encoded reference hash
    only when that differs, so a differently written but intact op is never reported)."""
    problems: list[str] = []
    signed_lists = dict(s.execute(select(ChangesetOpList.changeset_id,
                                           ChangesetOpList.op_ids)).all())
    changesets = {r[0]: r[1:] for r in s.execute(select(
        Changeset.id, Changeset.public_key, Changeset.signature, Changeset.author_name))}
    checked: set[str] = set()

    def check(cs_id: str, op_ids: list[str]) -> None:
        found = changesets.get(cs_id)
        if found is None:
            return  # an op without its changeset: the foreign-key check names it
        checked.add(cs_id)
        public_key, signature, author = found
        op_ids.sort()
        if cs_id in signed_lists:  # only part of it is held (bundles): check the signed list
            if not set(op_ids) <= set(signed_lists[cs_id]):
                problems.append(f"changeset {cs_id[:16]}… holds ops its signature does not cover")
            op_ids = sorted(signed_lists[cs_id])
        if not verify_signature(public_key, signature, canonical_json(op_ids)):
            problems.append(f"changeset {cs_id[:16]}… (by {author}) has a bad signature")

    rows = _driver_rows(s.connection(), _OPS_BY_CHANGESET)
    for cs_id, group in itertools.groupby(rows, key=lambda r: r[1]):
        op_ids = []
        for row in group:
            if _op_hash(row) != row[0] and _reference_op_hash(row) != row[0]:
                problems.append(f"op {row[0][:16]}… ({row[2]} {row[3]}) does not match its id "
                                "(edited?)")
            op_ids.append(row[0])
        check(cs_id, op_ids)
    for cs_id in changesets.keys() - checked:
        check(cs_id, [])
    return CheckResult("signatures", not problems,
                       f"{len(changesets)} signed changesets and their op ids checked",
                       problems[:5])


def _ops_by_record(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[str, list[Any]]]:
    """(uid, its op rows) from op rows in uid order."""
    for uid, group in itertools.groupby(rows, key=itemgetter(0)):
        yield uid, list(group)


_scan = make_scanner(cast(Any, json.JSONDecoder()))


def _loads(text: str) -> Any:
    """`json.loads` of stored JSON text through the C scanner alone (no Python frames); text it
    does not read whole goes to `json.loads`, which decodes or raises as before."""
    try:
        value, end = _scan(text, 0)
    except (StopIteration, ValueError, TypeError):
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def _expected(views: list[OpView]) -> dict[str, Any]:
    """Each field's value by the merge rule. One op with no `prev` (a record created and never
    edited: most records) is its own merged state."""
    if len(views) == 1 and not views[0].prev:
        return dict(views[0].fields)
    return {name: state.value for name, state in merge_record(views).items()}


def _expected_of(ops: list[Any]) -> dict[str, Any]:
    """The merged fields of one record from its op rows (uid, op_id, fields, prev, hlc,
    site_id); `prev` is stored canonically, so an op with none stores "{}"."""
    if len(ops) == 1 and (ops[0][3] == "{}" or not _loads(ops[0][3])):
        return cast(dict[str, Any], _loads(ops[0][2]))
    return _expected([OpView(op_id, _loads(fields), _loads(prev), hlc, site_id)
                      for _uid, op_id, fields, prev, hlc, site_id in ops])


_DIALECT = sqlite.dialect()
_MEMO_SIZE = 8192  # values remembered per column: dates, lists, flags repeat; memory bounded
_MISSING = object()


def _column_json(spec: FieldSpec, column: Any) -> Callable[[Any], Any] | None:
    """From the driver's value of `column`, the value the ORM path gives (`spec.to_json` of
    the column type's Python value), computed more cheaply; None: the driver's value is it.

    The shortcuts give exactly what the ORM path gives: a decimal's REAL is written the way
    `repr` writes it (the ORM path reads it back through `repr` too); other converted values
    (dates, lists, flags) are remembered per column, as they repeat."""
    dialect = _DIALECT
    proc = column.type.dialect_impl(dialect).result_processor(dialect, None)
    to_json = spec.to_json

    def convert(raw: Any) -> Any:
        return to_json(raw if proc is None else proc(raw))

    if proc is None:
        if spec.type in ("list", "decimal", "date", "datetime"):
            return lambda raw: raw if type(raw) is str else convert(raw)
        return None  # to_json leaves every other type as it is
    if spec.type == "decimal" and isinstance(column.type, DecimalFloat):
        return partial(_decimal_json, convert)
    cache: dict[Any, Any] = {}

    def remembered(raw: Any) -> Any:
        kind = type(raw)
        if kind is not str and kind is not int and raw is not None:
            return convert(raw)  # (a float equal to an int must not share its entry)
        value = cache.get(raw, _MISSING)
        if value is _MISSING:
            value = convert(raw)
            if len(cache) < _MEMO_SIZE:
                cache[raw] = value
        return value
    return remembered


def _gives_none(convert: Callable[[Any], Any]) -> bool:
    try:
        return convert(None) is None
    except Exception:  # noqa: BLE001 - then it is called for NULL too, and fails there
        return False


def _decimal_json(convert: Callable[[Any], Any], raw: Any) -> Any:
    """`decimal_text(_decimal_of(raw))` for a REAL: `repr` of the float without its ".0"
    (an exponent, inf or nan take the long way)."""
    if type(raw) is float:
        text = repr(raw)
        if "e" not in text and "n" not in text:
            return text[:-2] if text.endswith(".0") else text
    return convert(raw)


def _log_vs_tables(s: Session, cancel: CancelToken | None) -> CheckResult:
    """Rebuild every record from its ops and compare with its row.

    Rows and ops are both read in uid order (their indexes) with the driver, and walked side
    by side, so memory does not grow with the table. A row's values are turned into their
    JSON form only where that differs from what the driver gives (dates, decimals, lists,
    flags), and compared with the op values in one go; field by field (canonical text where
    they differ, e.g. a list against a tuple) only when that finds a difference."""
    problems: list[str] = []
    records = 0
    conn = s.connection()
    for kind in KIND_ORDER:
        specs = spec_map(kind)
        table = table_of(kind)
        names = list(specs)
        defaults = [specs[n].to_json(() if specs[n].type == "list" else False
                                     if specs[n].type == "bool" else None) for n in names]
        converters = [(j, conv) for j, n in enumerate(names)
                      if (conv := _column_json(specs[n], table.c[n])) is not None]
        # a NULL most of these leave NULL (not a list): no call for it
        keep_null = [(j, conv) for j, conv in converters if _gives_none(conv)]
        converters = [c for c in converters if c not in keep_null]
        columns = ", ".join(f'"{n}"' for n in names)
        row_iter = _driver_rows(conn, f'SELECT "uid", {columns} FROM "{table.name}" '
                                      'ORDER BY "uid"')
        row = next(row_iter, None)
        op_rows = _driver_rows(conn, "SELECT uid, op_id, fields, prev, hlc, site_id FROM ops "
                                     "WHERE kind = ? ORDER BY uid", (kind,))
        for i, (uid, ops) in enumerate(_ops_by_record(op_rows)):
            if cancel and i % 1000 == 0:
                cancel.check()
            while row is not None and row[0] < uid:
                problems.append(f"{kind} {row[0]} is in its table but has no change-log entry")
                row = next(row_iter, None)
            if row is None or row[0] != uid:
                problems.append(f"{kind} {uid} is in the change log but not in its table")
                continue
            records += 1
            expected = _expected_of(ops)
            want = list(map(expected.get, names, defaults))
            have = list(row[1:])
            for j, conv in keep_null:
                if (value := have[j]) is not None:
                    have[j] = conv(value)
            for j, conv in converters:
                have[j] = conv(have[j])
            if have != want:
                for name, h, w in zip(names, have, want, strict=True):
                    if h != w and _norm(h) != _norm(w):
                        problems.append(f"{kind} {uid} field {name}: table has {h!r}, change "
                                        f"log says {w!r}")
            row = next(row_iter, None)
        while row is not None:
            problems.append(f"{kind} {row[0]} is in its table but has no change-log entry")
            row = next(row_iter, None)
    return CheckResult("change log vs tables", not problems,
                       f"{records} records rebuilt from the change log and compared",
                       problems[:5])


def _driver_rows(conn: Connection, sql: str,
                 params: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The rows of `sql` as the driver gives them, one at a time (tuples: no SQLAlchemy row
    objects or type conversion; one at a time keeps the memory they use warm in the CPU
    cache). A driver error on the way is SQLite's own (not translated): `_unless_unreadable`
    phrases it."""
    return iter(cast(Iterable[tuple[Any, ...]], conn.exec_driver_sql(sql, params).cursor))


def _checkpoints(s: Session, witness: dict[str, Any] | None) -> CheckResult:
    """Signed checkpoints over the audit chain and the changesets written here."""
    from caseapp.db import checkpoints
    from caseapp.db.changelog import read_meta

    found, problems = checkpoints.check(s, witness, read_meta(s, "site_id"))
    summary = (f"{found.count} signed checkpoints; the chain is signed up to entry "
               f"{found.signed_up_to}")
    if found.before_first:
        summary += (f" ({found.before_first} entries written before this database kept "
                    "checkpoints were signed only when the first one was made)")
    if witness is None:
        summary += "; no witness of this database on this machine"
    elif found.other_witness:
        summary += ("; this machine's witness at this path is of another database (made "
                    "anew here?), not compared")
    else:
        summary += f"; compared with this machine's witness (checkpoint {witness['n']})"
    return CheckResult("signed checkpoints", not problems, summary, problems[:5])


def _cases(s: Session) -> CheckResult:
    """Every record's ops claim the case it is in; no record points into another case."""
    from caseapp.services.bundle_scope import cross_case_problems

    problems = cross_case_problems(s)
    return CheckResult("case scope", not problems,
                       "records and their ops agree on their case; no pointer crosses cases",
                       problems)


def _team(s: Session) -> CheckResult:
    """The team list's versions chain, each signed by an admin of the one before."""
    from caseapp.services.team import load_versions
    from caseapp.sync.team import TeamListInvalid, check_chain

    try:
        versions = load_versions(s)
        check_chain(versions)
    except TeamListInvalid as exc:
        return CheckResult("team list", False, "team list versions checked", [str(exc)])
    return CheckResult("team list", True, f"{len(versions)} team list versions, signatures "
                       "and chain checked" if versions else "no team list")


def _norm(value: Any) -> Any:
    return canonical_json(value)


# Checks SQLite does alone (no Python per row): they run on a second connection in a thread,
# beside the others, as SQLite lets go of Python's lock while it works. (The case-scope
# queries are SQLite's alone too, but run with the others: on 1 M seizures that shares the
# work between the two threads about evenly.)
_ON_THE_SIDE = ("_integrity", "_foreign_keys")


def verify_database(db: Database, progress: ProgressCallback = no_progress,
                    cancel: CancelToken | None = None) -> VerifyReport:
    """Run every check (read-only) and return what each found.

    `PRAGMA integrity_check` and the other checks SQLite does alone run on a second
    connection, in a thread, while this one runs the rest; both connections read the same
    snapshot of the database (`_one_snapshot`), so the checks agree with each other as if
    they ran one after the other."""
    from caseapp.db.checkpoints import read_witness
    from caseapp.paths import keys_dir

    witness = read_witness(db.path, keys_dir())

    def _signed_checkpoints(s: Session) -> CheckResult:
        return _checkpoints(s, witness)

    def _change_log(s: Session) -> CheckResult:
        return _log_vs_tables(s, cancel)

    checks: list[Callable[[Session], CheckResult]] = [
        _integrity, _foreign_keys, _audit, _signed_checkpoints, _signatures, _cases, _team,
        _change_log]
    labels = [c.__name__.strip("_") for c in checks[:-1]] + ["change log"]
    failed_names = [c.__name__ for c in checks[:-1]] + ["change log vs tables"]
    results: dict[int, CheckResult] = {}
    stop = threading.Event()

    def run(s: Session, which: list[int], say: ProgressCallback) -> None:
        for n, i in enumerate(which):
            if stop.is_set():
                return
            say(n, len(checks), labels[i])
            results[i] = _unless_unreadable(failed_names[i], partial(checks[i], s), db.path)

    def report() -> VerifyReport:
        return VerifyReport([results[i] for i in range(len(checks))])

    with db.read() as s, db.read() as side:
        if not _one_snapshot(db, [s, side]):  # changing all the time: one connection for all
            run(s, list(range(len(checks))), progress)
            return report()
        aside = [i for i, c in enumerate(checks) if c.__name__ in _ON_THE_SIDE]
        here = [i for i in range(len(checks)) if i not in aside]
        failed: list[BaseException] = []

        def run_aside() -> None:
            try:
                run(side, aside, no_progress)
            except BaseException as exc:  # raised again in the caller's thread
                failed.append(exc)

        worker = threading.Thread(target=run_aside, name="verify: SQLite checks", daemon=True)
        worker.start()
        try:
            run(s, here, progress)
            progress(len(here), len(checks), labels[aside[0]])  # what is left to wait for
            worker.join()
        finally:
            stop.set()
            while worker.is_alive():  # this thread failed or was cancelled: stop the other
                _driver(side).interrupt()
                worker.join(0.05)
        if failed:
            raise failed[0]
    return report()


def _driver(s: Session) -> Any:
    """The DB-API connection under a session."""
    return s.connection().connection.driver_connection


def _one_snapshot(db: Database, sessions: list[Session], tries: int = 5) -> bool:
    """Begin a read transaction in each session, all on the same snapshot of the database.

    A third connection reads `PRAGMA data_version` before and after the transactions begin:
    it changes when another connection committed in between, and then they begin again.
    False (each session rolled back) if the database kept changing or could not be read: the
    checks then run one after the other on one connection, which says what is wrong."""
    unreadable: tuple[type[BaseException], ...] = (CaseAppError, *cipher.errors())
    try:
        probe = db.read_engine.raw_connection()
    except unreadable:
        return False
    try:
        version = cast(Any, probe.driver_connection).execute
        for _ in range(tries):
            before = version("PRAGMA data_version").fetchone()
            for s in sessions:  # the pragma reads the database: it starts the read transaction
                s.execute(text("PRAGMA data_version")).all()
            if version("PRAGMA data_version").fetchone() == before:
                return True
            for s in sessions:
                s.rollback()
    except unreadable:
        for s in sessions:
            s.rollback()
    finally:
        probe.close()
    return False


def _unless_unreadable(name: str, check: Callable[[], CheckResult],
                       path: Path | None = None) -> CheckResult:
    """A check that meets a damaged page fails with SQLite's word for it (not a crash)."""
    try:
        return check()
    except UnreadableDatabase as exc:
        return _unreadable(name, exc)
    except cipher.errors() as exc:  # met reading rows straight from the driver
        translated = translate_error(exc, path) if path is not None else None
        if isinstance(translated, UnreadableDatabase):
            return _unreadable(name, translated)
        raise


def _unreadable(name: str, exc: UnreadableDatabase) -> CheckResult:
    return CheckResult(name.strip("_").replace("_", " "), False, "could not be read to the end",
                       [exc.message])


def verify_file(path: Path, progress: ProgressCallback = no_progress,
                cancel: CancelToken | None = None) -> VerifyReport:
    """Open the database at `path` read-only (no backup, no upgrade: nothing on disk changes)
    and run every check.

    A file SQLite cannot read (not SQLite, truncated, damaged) gives a failed "file" check.
    Raises CaseAppError for a missing file, BadDatabaseFile for one that is not a caseapp
    database or has a newer schema, and OlderSchema for an older schema (opening it with
    caseapp upgrades it first).
    """
    try:
        found = inspect_database(path)
    except UnreadableDatabase as exc:
        return VerifyReport([CheckResult("file", False, "could not be read as a database",
                                         [exc.message])])
    if found.revision is None:
        raise CaseAppError(f"No database at {path}.")
    if found.revision != head_revision():
        raise OlderSchema(
            f"{path} has an older caseapp schema ({found.revision}) and needs upgrading first: "
            "opening it with caseapp upgrades it after a backup; verify did not change it.",
            path=path, revision=found.revision)
    db = Database(path, read_only=True)
    try:
        return verify_database(db, progress, cancel)
    finally:
        db.dispose()


def schema_revision(path: Path) -> str | None:
    """The schema revision of the database at `path` (None: no database there), read without
    changing anything."""
    return current_revision(path)
