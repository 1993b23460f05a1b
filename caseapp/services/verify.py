"""`caseapp verify`: database integrity, foreign keys, audit chain, signatures, log vs tables.

Each check reports what it looked at; the first problem names the bad entry or record.
"""

from __future__ import annotations

import itertools
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
from caseapp.sync.canonical import canonical_hash, canonical_json
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
    rows = [r[0] for r in s.execute(text("PRAGMA integrity_check")).all()]
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


def _signatures(s: Session) -> CheckResult:
    """Each op's id is the hash of its content; each changeset's signature covers its ops."""
    problems: list[str] = []
    by_changeset: dict[str, list[str]] = {}
    cols = [getattr(Op, c) for c in OP_CONTENT]
    for row in s.execute(select(Op.op_id, Op.changeset_id, *cols)).yield_per(5000):
        content = dict(zip(OP_CONTENT, row[2:], strict=True))
        if canonical_hash(content) != row[0]:
            problems.append(f"op {row[0][:16]}… ({content['kind']} {content['uid']}) does not "
                            "match its id (edited?)")
        by_changeset.setdefault(row[1], []).append(row[0])
    count = 0
    signed_lists = dict(s.execute(select(ChangesetOpList.changeset_id,
                                           ChangesetOpList.op_ids)).all())
    for cs in s.execute(select(Changeset)).scalars():
        count += 1
        op_ids = sorted(by_changeset.get(cs.id, []))
        if cs.id in signed_lists:  # only part of it is held (bundles): check the signed list
            if not set(op_ids) <= set(signed_lists[cs.id]):
                problems.append(f"changeset {cs.id[:16]}… holds ops its signature does not cover")
            op_ids = sorted(signed_lists[cs.id])
        if not verify_signature(cs.public_key, cs.signature, canonical_json(op_ids)):
            problems.append(f"changeset {cs.id[:16]}… (by {cs.author_name}) has a bad signature")
    return CheckResult("signatures", not problems, f"{count} signed changesets and their op ids checked",
                       problems[:5])


def _ops_by_record(s: Session, kind: str) -> Iterator[tuple[str, list[OpView]]]:
    rows = s.execute(select(Op.uid, Op.op_id, Op.fields, Op.prev, Op.hlc, Op.site_id)
                     .where(Op.kind == kind).order_by(Op.uid)).yield_per(5000)
    for uid, group in itertools.groupby(rows, key=lambda r: r[0]):
        yield uid, [OpView(r[1], r[2], r[3], r[4], r[5]) for r in group]


def _log_vs_tables(s: Session, cancel: CancelToken | None) -> CheckResult:
    problems: list[str] = []
    records = 0
    for kind in KIND_ORDER:
        specs = spec_map(kind)
        table = table_of(kind)
        rows = {r["uid"]: r for r in s.execute(select(table)).mappings()}
        seen = set()
        for uid, views in _ops_by_record(s, kind):
            if cancel:
                cancel.check()
            seen.add(uid)
            row = rows.get(uid)
            if row is None:
                problems.append(f"{kind} {uid} is in the change log but not in its table")
                continue
            records += 1
            merged = merge_record(views)
            for name, spec in specs.items():
                state = merged.get(name)
                expected = state.value if state else spec.to_json(
                    () if spec.type == "list" else False if spec.type == "bool" else None)
                if _norm(expected) != _norm(spec.to_json(row[name])):
                    problems.append(f"{kind} {uid} field {name}: table has "
                                    f"{spec.to_json(row[name])!r}, change log says {expected!r}")
        for uid in rows.keys() - seen:
            problems.append(f"{kind} {uid} is in its table but has no change-log entry")
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
