"""Crash tests: a worker imports (CSV, bundle), edits or migrates and is SIGKILLed mid-way.

After every kill the database passes a complete cheap check (harness.check_database) and the
work is wholly there or wholly absent: every table's row count is exactly the count before or
after the work (CSV and bundle imports), a whole number of units (edit bursts; both records of
a unit carry the same edit), or the old or the new schema with every row kept (migration).
The full check (`Workspace.open`, then `verify`) runs every 50 kills, after every tenth kill
inside a commit, and at the end.

The short profile kills each scenario 10 times; `pytest tests/reliability --long` 1,000 times,
`--kills N` N times. Delays come from a seeded generator (the seed is in every failure
message; CASEAPP_CRASH_SEED overrides it), fitted to the measured time of the uncut work and
its commits (harness.KillPlan). Workers are forked from a server that has already imported
caseapp (child.py); each scenario also runs its work once uncut in a fresh interpreter.

The self-tests run the same loops on deliberately non-atomic work (a CSV imported in two
units, an edit burst whose two records are edited in separate units) and must catch it.
"""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

import pytest

from caseapp.db.migrate import current_revision, head_revision
from caseapp.services.bundles import BundleService
from caseapp.services.importing import TEMPLATES
from caseapp.services.workspace import Workspace
from tests.fixtures.make_fixture import build_demo_db, row_counts
from tests.reliability.forkserver import CHILD, ForkServer, Run
from tests.reliability.harness import (
    KillPlan,
    PartialWrite,
    Scratch,
    Tally,
    Work,
    calibrate,
    check_database,
    compact,
    connect,
    full_verify,
    kill_all_or_nothing,
    kill_loop,
    table_counts,
)
from tests.sync.helpers import open_ws, trust
from tests.sync.test_bundle_crash import big_case

ROWS = 600  # CSV rows: about 0.2 s of import, all in one transaction
# Bundle seizures: verification, then one transaction applies them (about 0.25 s, so a kill
# costs about what a CSV kill does; the CLI's start-up is no longer inside the kill window).
BUNDLE_SEIZURES = 500
SELF_TEST_KILLS = 40  # the flaw is caught within a few kills; P(missed in 40) < 1e-6
BURST = 20  # units in an edit burst (each its own commit)


def seizure_csv(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATES["seizures"])
        writer.writeheader()
        for i in range(n):
            writer.writerow({"exhibit_ref": f"K-{i:05d}", "seized_on": "2026-03-0" + str(1 + i % 9),
                             "place": "Port of Manzanillo", "country": "MX", "agency": "SEMAR",
                             "substance": ("NPP", "4-AP", "fentanyl")[i % 3], "form": "powder",
                             "net_quantity": f"{1 + i % 40}.5", "unit": "kg",
                             "purity_percent": "", "shipment_ref": "", "concealment": "drums",
                             "notes": ""})
    return path


def assert_spread(tally: Tally, kills: int) -> None:
    """Kills landed both before the commit and at or after it: the test proved something."""
    landed = tally.phases
    assert kills < 5 or (landed["before"] and landed["during"] + landed["after"]), landed


# --- CSV import ------------------------------------------------------------------------------
def csv_work(tmp_path: Path, mode: str) -> Work:
    pristine = tmp_path / "pristine.db"
    with Workspace.open(pristine) as ws:
        ws.cases.add({"ref": "R-1", "title": "Round"})
    csv_path = seizure_csv(tmp_path / "seizures.csv", ROWS)

    def args(db: Path) -> list[str]:
        return [mode, str(db), str(csv_path), "R-1"]

    return Work(args, lambda db: [sys.executable, str(CHILD), *args(db)],
                Scratch(compact(pristine), "import"),
                {"seizures": ROWS, "search_fts_seizures": ROWS})


def test_killed_csv_import_is_all_or_nothing(tmp_path: Path, server: ForkServer, tally: Tally,
                                             kills: int) -> None:
    kill_all_or_nothing(server, tally, csv_work(tmp_path, "import"), kills, salt=1)
    assert_spread(tally, kills)


def test_self_test_a_csv_import_in_two_units_is_caught(tmp_path: Path, server: ForkServer,
                                                       tally: Tally) -> None:
    tally.self_test = True
    with pytest.raises(PartialWrite, match="partial write"):
        kill_all_or_nothing(server, tally, csv_work(tmp_path, "import-halves"),
                            SELF_TEST_KILLS, salt=11)


# --- bundle import (the `caseapp import` command) --------------------------------------------
def test_killed_bundle_import_is_all_or_nothing(tmp_path: Path, server: ForkServer,
                                                tally: Tally, kills: int) -> None:
    src = open_ws(tmp_path / "src.db", "alice")
    big_case(src, BUNDLE_SEIZURES)
    bundle = tmp_path / "big.casebundle"
    ops = BundleService(src).export_case("BIG-1", bundle).ops
    pristine = tmp_path / "pristine.db"
    with Workspace.open(pristine) as target:  # the CLI's own key (CASEAPP_HOME)
        trust(target, src)
    src.close()
    adds = {"seizures": BUNDLE_SEIZURES, "ops": ops - 1}  # the catalogue substance is here
    work = Work(lambda db: ["bundle", str(db), str(bundle)],
                lambda db: [sys.executable, "-m", "caseapp", "--db", str(db), "import",
                            str(bundle)],
                Scratch(compact(pristine), "work"), adds)
    kill_all_or_nothing(server, tally, work, kills, salt=4)
    assert_spread(tally, kills)


# --- edit bursts -----------------------------------------------------------------------------
def edit_state(path: Path) -> tuple[list[str | None], list[int]]:
    """(notes of EX-A and EX-B, audit entries of each)."""
    with connect(path) as con:
        rows = con.execute("SELECT uid, notes FROM seizures WHERE exhibit_ref IN "
                           "('EX-A', 'EX-B') ORDER BY exhibit_ref").fetchall()
        audits = [con.execute("SELECT count(*) FROM audit_entries WHERE record_uid = ?",
                              (uid,)).fetchone()[0] for uid, _ in rows]
    return [notes for _, notes in rows], audits


def kill_edit_burst(server: ForkServer, tally: Tally, tmp_path: Path, kills: int, mode: str,
                    salt: int) -> None:
    pristine = tmp_path / "pristine.db"
    with Workspace.open(pristine) as ws:
        ws.cases.add({"ref": "E-1", "title": "Edit burst"})
        for ref in ("EX-A", "EX-B"):
            ws.seizures.add({"exhibit_ref": ref, "seized_on": "2026-01-02", "substance": "NPP",
                             "net_quantity": "1", "unit": "kg"}, case="E-1")
    db = Scratch(compact(pristine), "edits")

    def args(path: Path) -> list[str]:
        return [mode, str(path), "E-1", str(BURST)]

    base, (base_notes, _) = check_database(pristine, "before the burst"), edit_state(pristine)
    runs = calibrate(server, tally, args, lambda p: [sys.executable, str(CHILD), *args(p)], db)
    full_verify(db.path, "after the uncut burst")
    plan = KillPlan(runs, salt)
    tally.notes.append(plan.describe())
    after, commits = table_counts(db.path), plan.commits
    per_commit = {t: (after[t] - base[t]) // commits for t in base}
    assert all(after[t] - base[t] == per_commit[t] * commits for t in base), (base, after)
    state = {"counts": base, "notes": base_notes}

    def check(run: Run, phase: str, context: str) -> bool:
        got = check_database(db.path, context)
        landed = (got["ops"] - state["counts"]["ops"]) // per_commit["ops"]
        notes, audits = edit_state(db.path)
        marks = (len(run.times("committed")), len(run.times("commit")))
        expected = [f"{run.pid}: {(landed - 1) // (commits // BURST)}"] * 2 if landed else (
            state["notes"])
        delta = {t: got[t] - state["counts"][t] for t in got if got[t] != state["counts"][t]}
        whole = {t: landed * n for t, n in per_commit.items() if landed * n}
        if (delta != whole or not marks[0] <= landed <= marks[1] or notes != expected
                or audits[0] != audits[1]):
            raise PartialWrite(f"{context}: partial write; rows added {delta}, {landed} "
                               f"whole units would be {whole} (commit marks: {marks}); "
                               f"notes {notes} (expected {expected}), audit entries {audits}")
        # Start again when the burst ended, or the database has grown by three bursts.
        again = phase == "after" or got["ops"] > base["ops"] + 3 * (after["ops"] - base["ops"])
        if again:
            state.update(counts=base, notes=base_notes)
        else:
            state.update(counts=got, notes=notes)
        return again

    kill_loop(server, tally, args, db, plan, kills, check)


def test_killed_edit_burst_keeps_each_unit_whole(tmp_path: Path, server: ForkServer,
                                                 tally: Tally, kills: int) -> None:
    kill_edit_burst(server, tally, tmp_path, kills, "edits", salt=2)
    assert tally.kills == kills and tally.partial == 0
    assert kills < 5 or len(+tally.phases) >= 2, tally.phases  # kills spread over the burst


def test_self_test_a_unit_split_in_two_is_caught(tmp_path: Path, server: ForkServer,
                                                 tally: Tally) -> None:
    tally.self_test = True
    with pytest.raises(PartialWrite, match="partial write"):
        kill_edit_burst(server, tally, tmp_path, SELF_TEST_KILLS, "edits-split", salt=12)


# --- migration -------------------------------------------------------------------------------
def previous_revision() -> str:
    """The revision before the head: the upgrade the next release will run."""
    from alembic.script import ScriptDirectory

    from caseapp.db.migrate import alembic_config

    down = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision()).down_revision
    assert isinstance(down, str)
    return down


def test_killed_migration_leaves_the_old_or_the_new_schema(tmp_path: Path, server: ForkServer,
                                                           tally: Tally, kills: int) -> None:
    previous, head = previous_revision(), head_revision()
    source = build_demo_db(tmp_path / "source.db", previous)
    before = row_counts(source)
    db = Scratch(source, "work")

    def args(path: Path) -> list[str]:
        return ["migrate", str(path)]

    runs = calibrate(server, tally, args, lambda p: [sys.executable, str(CHILD), *args(p)], db)
    Workspace.open(db.path).close()  # as the check does after each kill
    upgraded = check_database(db.path, "after the uncut upgrade")
    full_verify(db.path, "after the uncut upgrade")
    assert {t: upgraded[t] for t in before} == before, "the upgrade lost rows"
    plan = KillPlan(runs, salt=3)
    tally.notes.append(plan.describe())

    def check(run: Run, phase: str, context: str) -> bool:
        with connect(db.path) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", context
        revision = current_revision(db.path)
        if revision not in {"before": [previous], "after": [head]}.get(phase, [previous, head]):
            raise PartialWrite(f"{context}: partial write: revision {revision}")
        with Workspace.open(db.path) as ws:  # finishes the upgrade if it was cut
            hits = ws.search.search("Lanshuo")
        assert any(h.kind == "company" for h in hits), context
        got = check_database(db.path, context)
        if got != upgraded:  # the old rows kept, and nothing else
            diff = {t: (n, upgraded.get(t)) for t, n in got.items() if n != upgraded.get(t)}
            raise PartialWrite(f"{context}: partial write: rows now vs upgraded {diff}")
        shutil.rmtree(tmp_path / "backups", ignore_errors=True)  # one per upgrade
        return True  # every kill starts from the old schema

    kill_loop(server, tally, args, db, plan, kills, check)
    assert_spread(tally, kills)
