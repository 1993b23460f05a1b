"""Benchmarks: each caseapp figure beside its raw-SQLite baseline, measured in the same run.

    python benchmarks/generate.py --seizures 1000000 --cases 1000   # once: benchmarks/out/big.db
    python benchmarks/run.py > benchmarks/RESULTS.md

Prints a Markdown report (machine, table, notes). Not part of the test suite. Figures:
CSV import of N seizures vs `executemany` of the same rows; the first page of the seizure list
vs an indexed SELECT; search (10 queries) vs the same FTS5 statements run raw; the audit-chain
walk vs hashing the same bytes; `caseapp verify` per check; cold starts and peak memory.
"""

from __future__ import annotations

import os as _os

# Benchmarks measure plain databases (new ones are encrypted by default); crypto_bench.py
# measures encrypted ones beside them.
_os.environ.setdefault("CASEAPP_PLAIN", "1")

import argparse
import csv
import hashlib
import itertools
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"

QUERIES = ["Manzanillo", "vitamin C", "武汉金瑞", "金瑞", "Harbourline Logistics",
           "EX-00042-000017", "dog food", "S.A. de C.V. 4", "García López", "sales12@"]


class Figure(NamedTuple):
    name: str
    caseapp: float
    raw: float | None
    unit: str
    target: str
    note: str = ""

    def row(self) -> str:
        raw = f"{self.raw:.4g} {self.unit}" if self.raw is not None else "—"
        ratio = f"{self.caseapp / self.raw:.2f}×" if self.raw else "—"
        return (f"| {self.name} | {self.caseapp:.4g} {self.unit} | {raw} | {ratio} | "
                f"{self.target} | {self.note} |")


def timed(fn: Callable[[], Any], repeat: int = 1) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def run_cmd(args: list[str]) -> tuple[float, float]:
    """Run a command; returns (seconds, peak RSS in MiB of that command alone).

    The peak is the child's VmHWM read at its exit: getrusage's ru_maxrss survives exec on
    Linux, so a child of a big parent would report the parent's peak.
    """
    hwm = textwrap.dedent("""
        import atexit, runpy, sys
        def _hwm():
            line = [x for x in open('/proc/self/status') if x.startswith('VmHWM')][0]
            sys.stderr.write(chr(10) + line)
        atexit.register(_hwm)
        mode, target, *rest = sys.argv[1:]
        if mode == '-m':
            sys.argv = [target, *rest]
            runpy.run_module(target, run_name='__main__', alter_sys=True)
        else:
            sys.argv = ['-c', *rest]
            exec(compile(target, '<string>', 'exec'), {'__name__': '__main__'})
        """)
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr}")
    measured = subprocess.run([args[0], "-c", hwm, *args[1:]], capture_output=True, text=True)
    kib = [int(x.split()[1]) for x in measured.stderr.splitlines() if x.startswith("VmHWM")]
    return took, (kib[-1] / 1024 if kib else float("nan"))


def caseapp_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "caseapp", *args]


# --- CSV import --------------------------------------------------------------------------------
def bench_import(work: Path, rows: int) -> tuple[list[Figure], Path]:
    from benchmarks.generate import seizure_rows
    from caseapp.services.importing import TEMPLATES
    from caseapp.services.workspace import Workspace

    csv_path = work / "seizures.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATES["seizures"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(seizure_rows(rows))
    dbs = {}
    for name in ("caseapp", "raw", "raw-nofts"):
        dbs[name] = work / f"import-{name}.db"
        with Workspace.open(dbs[name]) as ws:
            ws.cases.add({"ref": "BENCH", "title": "Import benchmark"})
    took, rss = run_cmd(caseapp_cmd("--db", str(dbs["caseapp"]), "import-csv", "seizures",
                                     str(csv_path), "--case", "BENCH"))
    table_rows = raw_rows(dbs["raw"], csv_path)
    raw = raw_insert(dbs["raw"], table_rows)
    con = sqlite3.connect(dbs["raw-nofts"])
    from caseapp.db.fts import SPEC_BY_KIND, trigger_names

    con.execute(f"DROP TRIGGER {trigger_names(SPEC_BY_KIND['seizure'])[0]}")
    con.close()
    raw_nofts = raw_insert(dbs["raw-nofts"], table_rows)
    return [
        Figure(f"CSV import, {rows:,} seizures (`caseapp import-csv`)", took, raw, "s", "≤ 3×",
               f"peak RSS {rss:.0f} MiB; includes start-up, parsing, validation, ops, "
               f"signature, audit, FTS"),
        Figure("  raw baseline without the FTS trigger", took, raw_nofts, "s", "",
               "what the search index costs the raw insert: "
               f"{raw / raw_nofts:.2f}×"),
    ], dbs["caseapp"]


def raw_rows(db: Path, csv_path: Path) -> list[tuple[Any, ...]]:
    """The table rows the import writes, prepared outside the timer (substances resolved)."""
    con = sqlite3.connect(db)
    case_uid = con.execute("SELECT uid FROM cases WHERE ref='BENCH'").fetchone()[0]
    from caseapp.services.workspace import Workspace

    with Workspace.open(db) as ws, ws.db.read() as s:
        subs: dict[str, str] = {}
        out = []
        with csv_path.open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                sub = subs.get(r["substance"]) or subs.setdefault(
                    r["substance"], ws.substances.resolve_in(s, r["substance"]))
                out.append((str(uuid.uuid4()), "2026-11-29T00:00:00Z", "2026-11-29T00:00:00Z",
                            "bench", case_uid, r["exhibit_ref"], r["seized_on"], r["place"],
                            r["country"], r["agency"], sub, r["form"], float(r["net_quantity"]),
                            r["unit"], float(r["purity_percent"]) if r["purity_percent"]
                            else None, 0, r["concealment"], r["notes"] or None))
    con.close()
    return out


def raw_insert(db: Path, rows: list[tuple[Any, ...]]) -> float:
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    start = time.perf_counter()
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO seizures (uid, created_at, updated_at, created_by, case_uid, exhibit_ref, "
        "seized_on, place, country, agency, substance, form, net_quantity, unit, "
        "purity_percent, lab_confirmed, concealment, notes) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.execute("COMMIT")
    took = time.perf_counter() - start
    con.close()
    return took


# --- verify -------------------------------------------------------------------------------------
def bench_chain(db: Path) -> list[Figure]:
    """The audit-chain walk vs SHA-256 over the same canonical bytes."""
    from caseapp.db.audit import HASHED, iter_chain_problems
    from caseapp.db.engine import Database
    from caseapp.db.models import AuditEntry
    from caseapp.sync.canonical import canonical_json

    database = Database(db)
    with database.read() as s:
        count = s.query(AuditEntry).count()
        walk = min(timed(lambda: list(iter_chain_problems(s)), 3))
        cols = [getattr(AuditEntry, k) for k in HASHED]
        blobs = [canonical_json(dict(zip(HASHED, r, strict=True)))
                 for r in s.execute(s.query(*cols).statement)]
    database.dispose()
    raw = min(timed(lambda: [hashlib.sha256(b).hexdigest() for b in blobs], 3))
    return [Figure(f"audit-chain walk, {count:,} entries", walk, raw, "s", "< 2 s",
                   "baseline: SHA-256 of the same canonical bytes, already in memory")]


def bench_verify(db: Path, label: str) -> list[Figure]:
    """Full `verify`, timed per check through its progress callback."""
    from caseapp.db.engine import Database
    from caseapp.services.verify import verify_database

    marks: list[tuple[str, float]] = []
    database = Database(db)
    start = time.perf_counter()
    report = verify_database(database, progress=lambda d, t, label: marks.append(
        (label, time.perf_counter())))
    end = time.perf_counter()
    database.dispose()
    bounds = [*marks, ("end", end)]
    parts = ", ".join(f"{name} {b - a:.1f} s" for (name, a), (_, b) in itertools.pairwise(bounds))
    return [Figure(f"`caseapp verify` (all checks), {label}", end - start, None, "s", "",
                   f"{'ok' if report.ok else 'PROBLEMS'}; {parts}")]


# --- list and search on the big database ---------------------------------------------------------
def bench_list(big: Path) -> list[Figure]:
    from caseapp.services.records import ListQuery
    from caseapp.services.workspace import Workspace

    with Workspace.open(big) as ws:
        q = ListQuery(sort="seized_on", descending=True, limit=100, with_total=False)
        ws.seizures.list_page(q)
        page = statistics.median(timed(lambda: ws.seizures.list_page(q), 20))
        total = ws.seizures.count(q)
        count = statistics.median(timed(lambda: ws.seizures.count(q), 5))
        counted = ListQuery(sort="seized_on", descending=True, limit=100)
        both = statistics.median(timed(lambda: ws.seizures.list_page(counted), 5))
    con = sqlite3.connect(big)
    sql = ("SELECT * FROM seizures WHERE deleted_at IS NULL "
           "ORDER BY seized_on DESC, id DESC LIMIT 100")
    con.execute(sql).fetchall()
    raw = statistics.median(timed(lambda: con.execute(sql).fetchall(), 20))
    raw_count = statistics.median(timed(lambda: con.execute(
        "SELECT count(*) FROM seizures WHERE deleted_at IS NULL").fetchone(), 5))
    con.close()
    return [Figure(f"seizure list, first page of 100 by date ({total:,} seizures)",
                   page * 1000, raw * 1000, "ms", "≤ 1.5×",
                   "list_page(with_total=False): rows as frozen records"),
            Figure("  the total count (`count()`, once per filter)", count * 1000,
                   raw_count * 1000, "ms", "", "a scan of the live rows"),
            Figure("  page and count together (`list_page` default)", both * 1000,
                   (raw + raw_count) * 1000, "ms", "", "")]


def bench_search(big: Path) -> tuple[list[Figure], list[str]]:
    from caseapp.services.search import statements
    from caseapp.services.workspace import Workspace

    ours: list[float] = []
    raws: list[float] = []
    lines = []
    con = sqlite3.connect(big)
    with Workspace.open(big) as ws:
        for q in QUERIES:
            hits = ws.search.search(q)
            mine = statistics.median(timed(lambda q=q: ws.search.search(q), 5))
            sts = statements(q)
            raw = statistics.median(timed(lambda sts=sts: [con.execute(st.sql, st.params)
                                                           .fetchall() for st in sts], 5))
            ours.append(mine)
            raws.append(raw)
            kinds = sorted({h.kind for h in hits})
            lines.append(f"| `{q}` | {mine * 1000:.1f} ms | {raw * 1000:.1f} ms | {len(hits)} "
                         f"| {', '.join(kinds)} |")
    con.close()
    figs = [Figure("search, median of 10 queries", statistics.median(ours) * 1000,
                   statistics.median(raws) * 1000, "ms", "", "raw: the same FTS5 statements"),
            Figure("search, p95 of 10 queries", p95(ours) * 1000, p95(raws) * 1000, "ms",
                   "≤ 2× and < 50 ms", "")]
    return figs, lines


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- cold start ---------------------------------------------------------------------------------
def bench_start(big: Path) -> list[Figure]:
    def median_run(args: list[str]) -> tuple[float, float]:
        runs = [run_cmd(args) for _ in range(5)]
        return statistics.median(r[0] for r in runs), max(r[1] for r in runs)

    version, v_rss = median_run(caseapp_cmd("--version"))
    bare, bare_rss = median_run([sys.executable, "-c", "pass"])
    cases, c_rss = median_run(caseapp_cmd("--db", str(big), "cases"))
    raw_cases, r_rss = median_run([sys.executable, "-c", "import sqlite3,sys; print(sqlite3."
                                   "connect(sys.argv[1]).execute('SELECT ref, title FROM cases')"
                                   ".fetchall())", str(big)])
    return [Figure("cold start `caseapp --version`", version * 1000, bare * 1000, "ms", "",
                   f"raw: `python -c pass`; peak RSS {v_rss:.0f} MiB vs {bare_rss:.0f} MiB"),
            Figure("cold start `caseapp --db big.db cases`", cases * 1000, raw_cases * 1000,
                   "ms", "", f"raw: python + sqlite3 SELECT; peak RSS {c_rss:.0f} MiB vs "
                             f"{r_rss:.0f} MiB")]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024**2 for line in
                Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return (f"{cpu}, {os.cpu_count()} cores, {mem} GiB RAM; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}; SQLite "
            f"{sqlite3.sqlite_version}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="caseapp benchmarks (Markdown on stdout)")
    parser.add_argument("--big", type=Path, default=OUT / "big.db")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-big-verify", action="store_true")
    args = parser.parse_args(argv)
    if not args.big.exists():
        raise SystemExit(f"{args.big} missing: run benchmarks/generate.py first")
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=OUT))
    os.environ["CASEAPP_HOME"] = str(work / "home")
    os.environ.setdefault("CASEAPP_USER", "bench")
    figures, imported = bench_import(work, args.rows)
    figures += bench_chain(imported)
    figures += bench_verify(imported, f"{args.rows:,}-seizure import db")
    figures += bench_list(args.big)
    search_figs, search_lines = bench_search(args.big)
    figures += search_figs
    figures += bench_start(args.big)
    if not args.skip_big_verify:
        figures += bench_verify(args.big, "1 M-seizure db")
    print(f"Machine: {machine()}\n")
    print("| figure | caseapp | raw baseline | ratio | target | notes |")
    print("|---|---|---|---|---|---|")
    for fig in figures:
        print(fig.row())
    print("\n| query | caseapp (median of 5) | raw FTS5 | hits | kinds |")
    print("|---|---|---|---|---|")
    print("\n".join(search_lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
