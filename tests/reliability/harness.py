"""The crash tests' kill loop: when to kill, what to check after each kill, the figures.

After every kill (`check_database`, complete but cheap): PRAGMA integrity_check and
foreign_key_check, every search index's own integrity check and its triggers, the whole audit
chain, and the row count of every table, which the scenario compares with the counts before and
after the work. The full check (`full_verify`: `Workspace.open`, then `caseapp verify`:
signatures, every record rebuilt from the change log and compared with its table) runs every
`FULL_VERIFY_EVERY` kills, after every tenth kill that landed inside a commit (the first
included), and after the last kill. Measured costs: docs/performance.md.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from caseapp.db import fts
from caseapp.db.audit import iter_chain_problems
from caseapp.db.engine import Database
from caseapp.services.verify import verify_database
from caseapp.services.workspace import Workspace
from tests import rawdb
from tests.reliability.forkserver import ForkServer, Kill, Run, run_fresh

SEED = int(os.environ.get("CASEAPP_CRASH_SEED", "20261129"))
FULL_VERIFY_EVERY = 50
CALIBRATION_RUNS = 3


class PartialWrite(AssertionError):
    """The database holds part of the work: the failure these tests exist to find."""


# --- when to kill ----------------------------------------------------------------------------
class KillPlan:
    """Kill times fitted to the work's measured shape, so kills land in every phase.

    Two kills in three fall uniformly over the whole work and its exit (to 5 % past its
    measured end: later kills find the worker gone); one in three waits for a commit to begin (a random one of the work's) and
    falls within 1.5 times that commit's measured length. Timings on shared cores drift, so
    the plan follows the work's speed: each commit-aimed kill sees when its commit began,
    against the calibration (a sample the kill time cannot bias)."""

    def __init__(self, runs: list[Run], salt: int) -> None:
        counts = {len(r.commit_windows()) for r in runs}
        assert len(counts) == 1, f"uncut runs made different numbers of commits: {counts}"
        self.commits = counts.pop()
        assert self.commits, "the work made no commit the worker could mark (child.py)"
        self.done = statistics.median(r.times("done")[0] for r in runs)
        self.starts = [statistics.median(r.commit_windows()[i][0] for r in runs)
                       for i in range(self.commits)]
        self.length = statistics.median(e - s for r in runs for s, e in r.commit_windows())
        self.speed: deque[float] = deque([1.0], maxlen=9)  # now / calibration
        self.rng = random.Random(SEED + salt)

    def next(self) -> Kill:
        slow = statistics.median(self.speed)
        if self.rng.random() < 2 / 3:
            return Kill(self.rng.uniform(0.0, self.done * 1.05 * slow))
        nth = self.rng.randrange(self.commits)
        return Kill(self.rng.uniform(0.0, max(self.length * 1.5 * slow, 0.005)), "commit", nth)

    def observe(self, run: Run, kill: Kill) -> None:
        began = run.times("commit")
        if kill.after == "commit" and len(began) > kill.nth:
            self.speed.append((began[kill.nth] + 0.02) / (self.starts[kill.nth] + 0.02))

    def describe(self) -> str:
        return (f"uncut forked run: {self.done:.3f} s from ready to done, {self.commits} "
                f"commit(s), the first at {self.starts[0]:.3f} s, "
                f"{self.length * 1000:.0f} ms a commit")


# --- checks ----------------------------------------------------------------------------------
@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    con = rawdb.connect(path)
    try:
        yield con
    finally:
        con.close()


def table_counts(path: Path) -> dict[str, int]:
    """Rows of every table, search indexes included (their shadow tables left out)."""
    with connect(path) as con:
        names = [r[1] for r in con.execute("PRAGMA table_list")
                 if r[0] == "main" and r[2] in ("table", "virtual")
                 and not r[1].startswith("sqlite_")]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def check_database(path: Path, context: str) -> dict[str, int]:
    """The check after every kill; returns the row counts. Raises AssertionError."""
    with connect(path) as con:
        integrity = [r[0] for r in con.execute("PRAGMA integrity_check")]
        assert integrity == ["ok"], f"{context}: integrity_check {integrity[:5]}"
        broken = con.execute("PRAGMA foreign_key_check").fetchall()
        assert not broken, f"{context}: broken foreign keys {broken[:5]}"
        missing = fts.missing_triggers(con)
        assert not missing, f"{context}: search index triggers missing: {missing}"
        for (name,) in con.execute("SELECT name FROM pragma_table_list WHERE type='virtual'"
                                   " AND schema='main'").fetchall():
            try:
                con.execute(f"INSERT INTO {name}({name}) VALUES('integrity-check')")
            except rawdb.DatabaseError as exc:
                raise AssertionError(f"{context}: search index {name}: {exc}") from None
        con.rollback()
    db = Database(path)
    try:
        with db.read() as s:
            problems = [f"entry {p.seq}: {p.reason}" for p in iter_chain_problems(s)][:3]
        assert not problems, f"{context}: audit chain {problems}"
    finally:
        db.dispose()
    return table_counts(path)


def full_verify(path: Path, context: str) -> None:
    """Open the database as the app does (`Workspace.open`: integrity check, schema, key,
    catalogue), then `caseapp verify`: integrity, foreign keys, audit chain, signatures,
    every record rebuilt from the change log and compared with its table."""
    with Workspace.open(path) as ws:
        report = verify_database(ws.db)
    assert report.ok, f"{context}: verify: {report.first_problem}"


class Scratch:
    """The database the work runs on: a copy of a prepared one, at a new path each time it
    is put back. This machine keeps a witness of each database's newest signed checkpoint,
    by path (db/checkpoints.py); an older file copied back over a path it has committed to
    is what a restored backup looks like, and `verify` rightly reports it."""

    def __init__(self, pristine: Path, stem: str) -> None:
        self.pristine, self.stem, self.n = pristine, stem, 0
        self.path = pristine.with_name(f"{stem}-0.db")

    def restart(self) -> Path:
        """A new copy of the prepared database (no connection may be open on the old one)."""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self.n += 1
        self.path = self.pristine.with_name(f"{self.stem}-{self.n}.db")
        rawdb.copy_database(self.pristine, self.path)
        return self.path


def compact(path: Path) -> Path:
    """Fold the WAL into the file so the file alone is the whole database (for copying)."""
    with connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


# --- figures ---------------------------------------------------------------------------------
PHASES = ("before", "during", "between", "after")


@dataclass
class Tally:
    """Figures of one scenario, printed at the end of the session (conftest.py)."""

    scenario: str
    kills: int = 0
    phases: Counter[str] = field(default_factory=Counter)
    exited: int = 0  # the worker had finished before the kill arrived
    partial: int = 0
    full_verifies: int = 0
    seconds: Counter[str] = field(default_factory=Counter)  # start, work, check, verify, ...
    total: float = 0.0
    notes: list[str] = field(default_factory=list)
    self_test: bool = False  # deliberately non-atomic work: a partial write must be found

    def count(self, run: Run, commits: int) -> str:
        """Count one kill: its phase, and where its time went (start-up, work, reaping)."""
        phase = run.phase(commits)
        self.kills += 1
        self.phases[phase] += 1
        self.exited += run.exit == 0
        assert run.killed_at is not None
        self.seconds["start"] += run.ready - run.sent
        self.seconds["work"] += run.killed_at - run.ready
        self.seconds["reap"] += run.reaped - run.killed_at
        return phase

    @contextmanager
    def timed(self, what: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[what] += time.perf_counter() - start

    def lines(self) -> list[str]:
        per = self.kills or 1
        phases = ", ".join(f"{p} {self.phases[p]}" for p in PHASES
                           if self.phases[p] or p != "between")
        costs = ", ".join(f"{k} {v / per * 1000:.0f}" for k, v in self.seconds.items())
        found = f"{self.partial} (the deliberate flaw: must be 1)" if self.self_test else (
            f"{self.partial}")
        return [f"{self.scenario}: {self.kills} kills in {self.total:.1f} s with set-up "
                f"({self.total / per * 1000:.0f} ms a kill); partial writes found: {found}",
                f"    landed {phases} the commit (after it the worker had already exited: "
                f"{self.exited}); full check {self.full_verifies}x",
                f"    ms a kill: {costs}", *(f"    {n}" for n in self.notes)]


# --- the loop --------------------------------------------------------------------------------
# (run, phase, context) -> whether to start the next kill from a new copy of the database.
Check = Callable[[Run, str, str], bool]
Args = Callable[[Path], list[str]]  # the work's arguments for a database path


def calibrate(server: ForkServer, tally: Tally, args: Args, fresh: Args,
              db: Scratch) -> list[Run]:
    """Run the work uncut, once in a fresh interpreter, then CALIBRATION_RUNS times forked
    (their timings fit the kill plan), each on a new copy; each must leave the same counts."""
    tally.notes.append(f"uncut run in a fresh interpreter: {run_fresh(fresh(db.restart())):.2f} s")
    expected = table_counts(db.path)
    runs = []
    for _ in range(CALIBRATION_RUNS):
        runs.append(server.run(args(db.restart()), None))
        assert table_counts(db.path) == expected, "a forked run and a fresh one differ"
    return runs


def kill_loop(server: ForkServer, tally: Tally, args: Args, db: Scratch, plan: KillPlan,
              kills: int, check: Check) -> None:
    """Start the work `kills` times, kill it per `plan`, check the database after each kill
    (`check`, then now and then the full check), and start again from a new copy of the
    prepared database when `check` asks for it (the work landed whole, or it has grown)."""
    db.restart()
    for i in range(1, kills + 1):
        kill = plan.next()
        run = server.run(args(db.path), kill)
        plan.observe(run, kill)
        phase = tally.count(run, plan.commits)
        context = f"{tally.scenario}: kill {i}, {kill}, landed {phase} (seed {SEED})"
        try:
            with tally.timed("check"):
                again = check(run, phase, context)
        except PartialWrite:
            tally.partial += 1
            raise
        if (phase == "during" and tally.phases["during"] % 10 == 1
                or i % FULL_VERIFY_EVERY == 0 or i == kills):
            with tally.timed("verify"):
                full_verify(db.path, context)
            tally.full_verifies += 1
        if again:
            with tally.timed("reset"):
                db.restart()


def expect_one_of(got: dict[str, int], states: dict[str, dict[str, int]], context: str) -> str:
    """The name of the state whose counts `got` equals exactly; PartialWrite if none."""
    for name, counts in states.items():
        if got == counts:
            return name
    diff = {t: (n, *(s.get(t) for s in states.values())) for t, n in got.items()
            if any(s.get(t) != n for s in states.values())}
    raise PartialWrite(f"{context}: partial write; rows now vs {' / '.join(states)}: {diff}")


@dataclass(frozen=True)
class Work:
    """One all-or-nothing piece of work (an import) on copies of a prepared database."""

    args: Args  # the worker's work (child.py)
    fresh: Args  # the same work as a fresh process
    db: Scratch
    adds: dict[str, int]  # rows the whole work adds, for the tables named


def kill_all_or_nothing(server: ForkServer, tally: Tally, work: Work, kills: int,
                        salt: int) -> None:
    """Kill the work `kills` times; after each kill its rows are all there or none are."""
    before = check_database(work.db.pristine, "before the work")
    runs = calibrate(server, tally, work.args, work.fresh, work.db)
    after = check_database(work.db.path, "after the uncut work")
    full_verify(work.db.path, "after the uncut work")
    assert {t: after[t] - before[t] for t in work.adds} == work.adds, (before, after)
    plan = KillPlan(runs, salt)
    tally.notes.append(plan.describe())
    states = {"none": before, "all": after}

    def check(run: Run, phase: str, context: str) -> bool:
        landed = expect_one_of(check_database(work.db.path, context), states, context)
        # The marks tell on which side of the commit the kill landed.
        wanted = {"before": "none", "after": "all"}.get(phase)
        if wanted and landed != wanted:
            raise PartialWrite(f"{context}: partial write: the database holds {landed} of "
                               "the work")
        return landed == "all"

    kill_loop(server, tally, work.args, work.db, plan, kills, check)
