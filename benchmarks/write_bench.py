"""Write-side benchmarks (issue 17): each caseapp figure beside a fair raw baseline, 3+ runs.

    python benchmarks/write_bench.py --rows 100000 [--runs 3] [--only csv,bundle,generate,verify]
        [--bundle-records 10000] [--big benchmarks/out/big.db]

`--rows`: CSV rows to import and seizures to generate; `--big`: the database `verify` runs on
(made by `python benchmarks/generate.py --seizures 1000000 --cases 1000`; skipped if missing).

Each `bench_*` function returns `benchmarks.common.Figure` rows (raw samples empty when there
is no raw side), so `benchmarks/run.py` can call them; run alone, this prints the same table as
run.py: min and median of each side, the ratio of the medians, the target and met/missed on
the medians (`common.verdict`).

Baselines do the same database work as caseapp, on the same schema:
- CSV import: a fresh database made by the same migrations (same indexes, foreign keys,
  search-index triggers), `sqlite3` in WAL with synchronous=FULL (caseapp's durability), one
  transaction; the CSV is read and converted inside the timer; the search index is filled the
  bulk way caseapp fills it (insert trigger dropped, one INSERT ... SELECT, trigger back).
  caseapp's figure is the whole `caseapp import-csv` process (start-up included) and its peak
  RSS is read (VmHWM) from that same, first, import of the file into an empty case.
- Bundle import: what the import stores, inserted raw into a fresh full-schema database in
  one transaction: the records' rows (indexes, foreign keys on, search index filled in bulk),
  and their changeset and ops (the change log the import stores with its indexes: caseapp
  must keep every op it applies). The raw side reads the rows from the source database
  before the timer; caseapp's figure includes reading the file and every check (signatures,
  op ids, scope, conflicts), which the raw side has no counterpart for.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.common import Figure, run_measured  # noqa: E402  (sets CASEAPP_PLAIN)
from benchmarks.common import table as results_table  # noqa: E402

OUT = ROOT / "benchmarks" / "out"


def _fresh_db(path: Path, case_ref: str | None = "BENCH") -> None:
    """An empty database made by the migrations (and one case)."""
    from caseapp.services.workspace import Workspace

    with Workspace.open(path) as ws:
        if case_ref:
            ws.cases.add({"ref": case_ref, "title": "Write benchmark"})


def _raw_con(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA foreign_keys=ON")
    return con


def _bulk_fts(con: sqlite3.Connection, kind: str, insert: Callable[[], None]) -> None:
    """Run `insert` with the kind's search index filled the bulk way (as caseapp does)."""
    from caseapp.db.fts import SPEC_BY_KIND, _values, fts_table, trigger_names, trigger_sql

    spec = SPEC_BY_KIND[kind]
    last = con.execute(f"SELECT coalesce(max(id), 0) FROM {spec.table}").fetchone()[0]
    con.execute(f"DROP TRIGGER {trigger_names(spec)[0]}")
    insert()
    con.execute(f"INSERT INTO {fts_table(spec)} (rowid, title, body, detail, uid, case_uid) "
                f"SELECT {_values(spec, spec.table)} FROM {spec.table} "
                f"WHERE {spec.table}.id > {int(last)} AND {spec.table}.deleted_at IS NULL")
    con.execute(trigger_sql(spec)[0])


# --- CSV import ---------------------------------------------------------------------------------
SEIZURE_COLUMNS = ("uid", "created_at", "updated_at", "created_by", "case_uid", "exhibit_ref",
                   "seized_on", "place", "country", "agency", "substance", "form",
                   "net_quantity", "unit", "purity_percent", "lab_confirmed", "concealment",
                   "notes")


def write_seizure_csv(path: Path, rows: int) -> Path:
    from benchmarks.generate import seizure_rows
    from caseapp.services.importing import TEMPLATES

    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATES["seizures"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(seizure_rows(rows))
    return path


def raw_csv_import(db: Path, csv_path: Path) -> float:
    """Read the CSV and insert its seizures raw (see the module doc); returns seconds."""
    from caseapp.services.workspace import Workspace

    with Workspace.open(db) as ws, ws.db.read() as s:  # substance names -> uids, untimed
        from benchmarks.generate import SUBSTANCES

        subs = {name: ws.substances.resolve_in(s, name) for name in SUBSTANCES}
    con = _raw_con(db)
    case_uid = con.execute("SELECT uid FROM cases WHERE ref='BENCH'").fetchone()[0]
    sql = (f"INSERT INTO seizures ({', '.join(SEIZURE_COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(SEIZURE_COLUMNS))})")
    start = time.perf_counter()

    def rows() -> Any:
        now = "2026-11-30T00:00:00.000Z"
        with csv_path.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                yield (str(uuid.uuid4()), now, now, "bench", case_uid, r["exhibit_ref"],
                       r["seized_on"], r["place"], r["country"], r["agency"],
                       subs[r["substance"]], r["form"], float(r["net_quantity"]), r["unit"],
                       float(r["purity_percent"]) if r["purity_percent"] else None, 0,
                       r["concealment"], r["notes"] or None)

    con.execute("BEGIN")
    _bulk_fts(con, "seizure", lambda: con.executemany(sql, rows()))
    con.execute("COMMIT")
    took = time.perf_counter() - start
    con.close()
    return took


def bench_csv_import(rows: int, runs: int = 3, work: Path | None = None) -> list[Figure]:
    work = work or Path(tempfile.mkdtemp(prefix="write-bench-", dir=OUT))
    csv_path = write_seizure_csv(work / "seizures.csv", rows)
    ours: list[float] = []
    raws: list[float] = []
    peaks: list[float] = []
    for run in range(runs):
        db = work / f"csv-caseapp-{run}.db"
        _fresh_db(db)
        took, peak, _ = run_measured("caseapp", "--db", str(db), "import-csv", "seizures",
                                     str(csv_path), "--case", "BENCH")
        ours.append(took)
        peaks.append(peak)
        raw_db = work / f"csv-raw-{run}.db"
        _fresh_db(raw_db)
        raws.append(raw_csv_import(raw_db, csv_path))
        for path in (db, raw_db):
            _remove_db(path)
    csv_path.unlink()
    return [
        Figure(f"CSV import, {rows:,} seizures (`caseapp import-csv`, first import)", ours,
               raws, "s", "≤ 3×", "caseapp: the whole process; raw: sqlite3 reading the CSV "
               "into the same schema, search index filled in bulk, WAL + synchronous=FULL"),
        Figure(f"  peak RSS of that import ({rows:,} rows)", peaks, [], "MiB",
               "≤ 300 MiB at 1 M rows, flat", "VmHWM of the import process"),
    ]


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# --- bundle import ------------------------------------------------------------------------------
def _bundle_pair(work: Path, n: int) -> tuple[Path, Path]:
    """A source database with a case of `n` seizures (through the unit of work) and its bundle;
    returns (source db, bundle)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from benchmarks.bundle_bench import make_case
    from caseapp.services.bundles import BundleService
    from caseapp.services.workspace import Workspace
    from caseapp.sync.signing import Signer

    src_path, bundle = work / "bundle-src.db", work / "bench.casebundle"
    signer = Signer(Ed25519PrivateKey.generate(), "alice")
    with Workspace.open(src_path, signer=signer) as src:
        make_case(src, n)
        BundleService(src).export_case("BENCH-1", bundle)
    (work / "alice.pub").write_text(signer.public_hex)
    return src_path, bundle


def _trusting_db(path: Path, work: Path) -> Any:
    """A fresh receiving workspace that trusts the bundle's author."""
    from caseapp.db.models import TrustedKey
    from caseapp.services.workspace import Workspace
    from caseapp.sync.signing import key_id_of

    public = (work / "alice.pub").read_text()
    ws = Workspace.open(path)
    with ws.db.begin() as s:
        s.execute(TrustedKey.__table__.insert().values(
            key_id=key_id_of(bytes.fromhex(public)), public_key=public, name="alice",
            added_at="2026-01-01T00:00:00Z"))
    return ws


OP_COLUMNS = ("op_id", "changeset_id", "kind", "uid", "case_uid", "fields", "prev", "hlc",
              "site_id", "author_key")
CHANGESET_COLUMNS = ("id", "author_key", "author_name", "public_key", "site_id", "hlc",
                     "signature", "received_at")


def raw_bundle_insert(src: Path, dst: Path) -> float:
    """What the import of the bundle stores, inserted raw into a fresh full-schema database in
    one transaction: its records (the case and its seizures; same indexes, foreign keys on,
    search index filled in bulk), their changeset (numbered after the receiver's last, as
    the import numbers it) and their ops (with the ops table's indexes)."""
    con = sqlite3.connect(src)
    tables = {}
    for table in ("cases", "seizures"):
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
        tables[table] = (cols, con.execute(f"SELECT {', '.join(cols)} FROM {table} "
                                           "ORDER BY id").fetchall())
    new_ops = "kind IN ('case', 'seizure')"  # the catalogue's ops are the receiver's already
    ops = con.execute(f"SELECT {', '.join(OP_COLUMNS)} FROM ops WHERE {new_ops} "
                      "ORDER BY seq").fetchall()
    changesets = con.execute(
        f"SELECT {', '.join(CHANGESET_COLUMNS)} FROM changesets WHERE id IN "
        f"(SELECT changeset_id FROM ops WHERE {new_ops}) ORDER BY seq").fetchall()
    con.close()
    out = _raw_con(dst)
    start = time.perf_counter()
    out.execute("BEGIN")
    last = out.execute("SELECT coalesce(max(seq), 0) FROM changesets").fetchone()[0]
    out.executemany(f"INSERT INTO changesets (seq, {', '.join(CHANGESET_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * (len(CHANGESET_COLUMNS) + 1))})",
                    [(last + i, *cs) for i, cs in enumerate(changesets, start=1)])
    for table, kind in (("cases", "case"), ("seizures", "seizure")):
        cols, rows = tables[table]
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        _bulk_fts(out, kind, lambda sql=sql, rows=rows: out.executemany(sql, rows))
    out.executemany(f"INSERT INTO ops ({', '.join(OP_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(OP_COLUMNS))})", ops)
    out.execute("COMMIT")
    took = time.perf_counter() - start
    out.close()
    return took


def bench_bundle_import(records: int = 10_000, runs: int = 3,
                        work: Path | None = None) -> list[Figure]:
    from caseapp.services.bundles import BundleService

    work = work or Path(tempfile.mkdtemp(prefix="write-bench-", dir=OUT))
    src, bundle = _bundle_pair(work, records)
    ours: list[float] = []
    raws: list[float] = []
    for run in range(runs):
        dst = work / f"bundle-dst-{run}.db"
        ws = _trusting_db(dst, work)
        start = time.perf_counter()
        summary = BundleService(ws).import_bundle(bundle)
        ours.append(time.perf_counter() - start)
        ws.close()
        assert summary.new_records == records + 1, summary
        raw_db = work / f"bundle-raw-{run}.db"
        _fresh_db(raw_db, None)
        raws.append(raw_bundle_insert(src, raw_db))
        for path in (dst, raw_db):
            _remove_db(path)
    _remove_db(src)
    return [Figure(f"bundle import, {records:,} seizures + case into an empty database", ours,
                   raws, "s", "≤ 3×", "raw: the same rows, changeset and ops into the full "
                   "schema (indexes, foreign keys, search index in bulk), one transaction")]


# --- generating a database ---------------------------------------------------------------------
def bench_generate(seizures: int, runs: int = 3, work: Path | None = None) -> list[Figure]:
    """`generate.py` (every record through the services and the change log)."""
    from benchmarks.generate import generate

    work = work or Path(tempfile.mkdtemp(prefix="write-bench-", dir=OUT))
    ours: list[float] = []
    for run in range(runs):
        out = work / f"gen-{run}.db"
        start = time.perf_counter()
        generate(out, seizures, max(1, seizures // 1000), seed=run + 1, progress=False)
        ours.append(time.perf_counter() - start)
        _remove_db(out)
    scale = 1_000_000 / seizures / 60
    return [Figure(f"generate.py, {seizures:,} seizures with their change log, scaled to 1 M",
                   [t * scale for t in ours], [], "min", "≤ 10 min",
                   f"{seizures / min(ours):,.0f} seizures/s (a run of {seizures:,}, linearly "
                   "scaled; the 1 M run itself is in the closing note)")]


# --- verify -------------------------------------------------------------------------------------
def bench_verify(db: Path, runs: int = 3) -> list[Figure]:
    """`caseapp verify` on `db` (the 1 M-seizure database of generate.py): time and peak RSS
    of the whole process, each run."""
    seconds: list[float] = []
    peaks: list[float] = []
    for _ in range(runs):
        took, peak, out = run_measured("caseapp", "--db", str(db), "verify")
        seconds.append(took)
        peaks.append(peak)
    records = next((line.split(":", 1)[1].strip() for line in out.splitlines()
                    if "change log vs tables" in line), "")
    return [Figure(f"`caseapp verify`, {db.name}", seconds, [], "s", "≤ 60 s", records),
            Figure("  peak RSS of verify", peaks, [], "MiB", "flat",
                   "VmHWM of the verify process")]


# --- running alone ------------------------------------------------------------------------------
BENCHES = ("csv", "bundle", "generate", "verify")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bundle-records", type=int, default=10_000)
    parser.add_argument("--only", default=",".join(BENCHES))
    parser.add_argument("--big", type=Path, default=OUT / "big.db")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="write-bench-", dir=OUT))
    os.environ["CASEAPP_HOME"] = str(work / "home")
    os.environ.setdefault("CASEAPP_USER", "bench")
    rows: list[Figure] = []
    only = set(args.only.split(","))
    if "csv" in only:
        rows += bench_csv_import(args.rows, args.runs, work)
    if "bundle" in only:
        rows += bench_bundle_import(args.bundle_records, args.runs, work)
    if "generate" in only:
        rows += bench_generate(args.rows, args.runs, work)
    if "verify" in only and args.big.exists():
        rows += bench_verify(args.big, args.runs)
    print(results_table(rows))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
