"""`caseapp verify`: database integrity, foreign keys, audit chain, signatures, log vs tables.

Each check reports what it looked at; the first problem names the bad entry or record.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from caseapp.db.audit import iter_chain_problems
from caseapp.db.engine import Database, UnreadableDatabase
from caseapp.db.migrate import current_revision, head_revision, inspect_database
from caseapp.db.models import AuditEntry, Changeset, ChangesetOpList, Op, table_of
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

    rows = s.connection().exec_driver_sql(_OPS_BY_CHANGESET)
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


def _ops_by_record(s: Session, kind: str) -> Iterator[tuple[str, list[OpView]]]:
    rows = s.execute(select(Op.uid, Op.op_id, Op.fields, Op.prev, Op.hlc, Op.site_id)
                     .where(Op.kind == kind).order_by(Op.uid)).yield_per(5000)
    for uid, group in itertools.groupby(rows, key=lambda r: r[0]):
        yield uid, [OpView(r[1], r[2], r[3], r[4], r[5]) for r in group]


def _expected(views: list[OpView]) -> dict[str, Any]:
    """Each field's value by the merge rule. One op with no `prev` (a record created and never
    edited: most records) is its own merged state."""
    if len(views) == 1 and not views[0].prev:
        return dict(views[0].fields)
    return {name: state.value for name, state in merge_record(views).items()}


def _log_vs_tables(s: Session, cancel: CancelToken | None) -> CheckResult:
    """Rebuild every record from its ops and compare with its row.

    Rows and ops are both read in uid order (their indexes) and walked side by side, so
    memory does not grow with the table; values are compared directly in their JSON form
    (canonical text only when they differ, e.g. a list against a tuple)."""
    problems: list[str] = []
    records = 0
    for kind in KIND_ORDER:
        specs = spec_map(kind)
        table = table_of(kind)
        names = list(specs)
        defaults = {n: spec.to_json(() if spec.type == "list" else False
                                    if spec.type == "bool" else None)
                    for n, spec in specs.items()}
        to_json = [(n, specs[n].to_json) for n in names]
        rows = s.execute(select(table.c.uid, *(table.c[n] for n in names))
                         .order_by(table.c.uid)).yield_per(5000)
        row_iter = iter(rows)
        row = next(row_iter, None)
        for i, (uid, views) in enumerate(_ops_by_record(s, kind)):
            if cancel and i % 1000 == 0:
                cancel.check()
            while row is not None and row[0] < uid:
                problems.append(f"{kind} {row[0]} is in its table but has no change-log entry")
                row = next(row_iter, None)
            if row is None or row[0] != uid:
                problems.append(f"{kind} {uid} is in the change log but not in its table")
                continue
            records += 1
            expected = _expected(views)
            for j, (name, to_js) in enumerate(to_json, start=1):
                want = expected.get(name, defaults[name])
                have = to_js(row[j])
                if have != want and _norm(have) != _norm(want):
                    problems.append(f"{kind} {uid} field {name}: table has {have!r}, change "
                                    f"log says {want!r}")
            row = next(row_iter, None)
        while row is not None:
            problems.append(f"{kind} {row[0]} is in its table but has no change-log entry")
            row = next(row_iter, None)
    return CheckResult("change log vs tables", not problems,
                       f"{records} records rebuilt from the change log and compared",
                       problems[:5])


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


def verify_database(db: Database, progress: ProgressCallback = no_progress,
                    cancel: CancelToken | None = None) -> VerifyReport:
    """Run every check (read-only) and return what each found."""
    from caseapp.db.checkpoints import read_witness
    from caseapp.paths import keys_dir

    witness = read_witness(db.path, keys_dir())

    def _signed_checkpoints(s: Session) -> CheckResult:
        return _checkpoints(s, witness)

    checks = [_integrity, _foreign_keys, _audit, _signed_checkpoints, _signatures, _cases,
              _team]
    results = []
    with db.read() as s:
        for i, check in enumerate(checks):
            progress(i, len(checks) + 1, check.__name__.strip("_"))
            results.append(_unless_unreadable(check.__name__, partial(check, s)))
        progress(len(checks), len(checks) + 1, "change log")
        results.append(_unless_unreadable("change log vs tables",
                                          partial(_log_vs_tables, s, cancel)))
    return VerifyReport(results)


def _unless_unreadable(name: str, check: Callable[[], CheckResult]) -> CheckResult:
    """A check that meets a damaged page fails with SQLite's word for it (not a crash)."""
    try:
        return check()
    except UnreadableDatabase as exc:
        return CheckResult(name.strip("_").replace("_", " "), False,
                           "could not be read to the end", [exc.message])


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
