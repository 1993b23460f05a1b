"""Benchmarks: every figure of issue 17's target table, caseapp beside a fair raw baseline.

    python benchmarks/make_big_db.py --seizures 1000000 --out benchmarks/out/big.db   # once
    python benchmarks/run.py                          # every figure; writes benchmarks/RESULTS.md
    python benchmarks/run.py --only list,ids --runs 3 # some figures (written to benchmarks/out/)

Each figure is measured `--runs` times (at least 3), caseapp and its baseline side by side in
the same run, and printed as min and median; the ratio is median over median. A target is
checked on the medians (`benchmarks/common.py` `verdict`, which write_bench.py uses too):
`≤ 1.5×` on the ratio, `< 0.5 s` on caseapp's own figure, `≥ 0.5×` for rates (pages/s). The
write-side figures (CSV import, bundle import, verify, generation) come from
`benchmarks/write_bench.py` when it is there: every `bench_*` function of it is called with
the keyword arguments it names among `work, big, db, rows, runs, quick, records, seizures`
and returns `common.Figure` rows.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import inspect
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Sets CASEAPP_PLAIN=1 (benchmarks measure plain databases; crypto_bench.py measures encrypted
# ones beside them) before anything imports caseapp.
from benchmarks.common import Figure, run_process, table  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"

QUERIES = ["Manzanillo", "vitamin C", "武汉金瑞", "金瑞", "Harbourline Logistics",
           "EX-00042-000017", "dog food", "S.A. de C.V. 4", "García López", "sales12@"]
BIG_CASE = "BIG-0001"


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def interleaved(ours: Callable[[], Any], raw: Callable[[], Any], runs: int,
                scale: float = 1.0) -> tuple[list[float], list[float]]:
    """Both sides once each per round, so a busy moment of the machine hits both."""
    a: list[float] = []
    b: list[float] = []
    ours()
    raw()  # warm: statement caches, the file's pages
    for _ in range(runs):
        a += [t * scale for t in timed(ours, 1)]
        b += [t * scale for t in timed(raw, 1)]
    return a, b


def caseapp_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "caseapp", *args]


def start_env() -> dict[str, str]:
    """The environment of a measured process start: caseapp's modules read from compiled
    bytecode, as an installed caseapp (pip, the installer) reads them. Under
    PYTHONDONTWRITEBYTECODE (a development shell's setting) every start would compile each
    caseapp module again, which the raw baselines (no caseapp module) never pay. The cache
    lives in benchmarks/out/pycache; each start is run once untimed first to fill it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    return env


# --- the big database: list page, ordered ids, search -----------------------------------------
def bench_list(big: Path, runs: int) -> list[Figure]:
    from caseapp.services.paging import PagingService
    from caseapp.services.records import ListQuery
    from caseapp.services.workspace import Workspace
    from caseapp.views.models.columns import COLUMNS

    fields = tuple(dict.fromkeys(f for c in COLUMNS["seizure"] for f in c.fields))
    with Workspace.open(big) as ws:
        paging = PagingService(ws)
        case_uid = ws.cases.find(BIG_CASE).uid
        q = ListQuery(case_uid=case_uid, sort="seized_on", descending=True, limit=100,
                      with_total=False)
        total = paging.probe("seizure", q, 10**7)
        query, _ = paging.display_query("seizure", q, 0, 100, total, fields=fields)
        same_sql = str(query.compile(compile_kwargs={"literal_binds": True}))
        con = sqlite3.connect(big)
        star = ("SELECT * FROM seizures WHERE deleted_at IS NULL AND case_uid = ? "
                "ORDER BY seized_on DESC, id DESC LIMIT 100")
        n = max(runs, 20)  # a page is a millisecond: more samples cost nothing
        page, raw_same = interleaved(
            lambda: paging.display_page("seizure", q, 0, 100, total, fields=fields),
            lambda: con.execute(same_sql).fetchall(), n, 1000)
        records, raw_star = interleaved(lambda: ws.seizures.list_page(q),
                                        lambda: con.execute(star, (case_uid,)).fetchall(),
                                        n, 1000)
        con.close()
    return [
        Figure(f"seizure list, first page of 100 by date ({total:,} seizures)", page, raw_same,
               "ms", "≤ 1.5×", "the table view's path (`display_page`: the columns shown, SQL "
               "compiled once, values converted when drawn); raw: the same SELECT via sqlite3"),
        Figure("  the same page as frozen records (`list_page`)", records, raw_star, "ms", "",
               "raw: `SELECT *` through sqlite3 (the issue's first baseline)"),
    ]


def bench_ids(big: Path, runs: int) -> list[Figure]:
    from caseapp.services.paging import PagingService
    from caseapp.services.records import ListQuery
    from caseapp.services.workspace import Workspace

    with Workspace.open(big) as ws:
        paging = PagingService(ws)
        case_uid = ws.cases.find(BIG_CASE).uid
        q = ListQuery(case_uid=case_uid)
        con = sqlite3.connect(big)
        sql = ("SELECT id FROM seizures WHERE deleted_at IS NULL AND case_uid = ? "
               "ORDER BY seized_on, id")
        count = len(paging.ordered_ids("seizure", q))
        ours, raw = interleaved(lambda: paging.ordered_ids("seizure", q),
                                lambda: con.execute(sql, (case_uid,)).fetchall(), runs)
        con.close()
    return [Figure(f"ordered ids of a {count:,}-seizure case", ours, raw, "s", "< 0.5 s",
                   "`PagingService.ordered_ids` (partial index of live rows, revision 0011); raw: the "
                   "same SELECT, `fetchall()` of tuples")]


def bench_search(big: Path, runs: int) -> tuple[list[Figure], list[str]]:
    from caseapp.services.search import statements
    from caseapp.services.workspace import Workspace

    ours: list[float] = []
    raws: list[float] = []
    lines = []
    con = sqlite3.connect(big)
    with Workspace.open(big) as ws:
        for q in QUERIES:
            hits = ws.search.search(q)
            sts = statements(q)
            mine, raw = interleaved(
                lambda q=q: ws.search.search(q),
                lambda sts=sts: [con.execute(st.sql, st.params).fetchall() for st in sts],
                runs, 1000)
            ours.append(statistics.median(mine))
            raws.append(statistics.median(raw))
            kinds = sorted({h.kind for h in hits})
            lines.append(f"| `{q}` | {ours[-1]:.1f} ms | {raws[-1]:.1f} ms | {len(hits)} "
                         f"| {', '.join(kinds)} |")
    con.close()
    figs = [Figure(f"search p95 of {len(QUERIES)} queries (medians of {runs} runs each)",
                   [p95(ours)], [p95(raws)], "ms", "≤ 2× and < 50 ms",
                   f"`{big.name}`; raw: the same FTS5 statements through sqlite3 (caseapp also "
                   "reads each hit's record for its title)")]
    return figs, lines


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- starts: command line and window --------------------------------------------------------
def bench_cli_start(big: Path, runs: int) -> list[Figure]:
    env = start_env()

    def run(args: list[str]) -> float:
        return run_process(args, env=env)[0]

    raw_cmd = [sys.executable, "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1])"
               ".execute('SELECT ref, title FROM cases').fetchall())", str(big)]
    cases, raw = interleaved(lambda: None, lambda: None, 0)
    version, bare = [], []
    run(caseapp_cmd("--db", str(big), "cases"))  # untimed: fills the bytecode cache
    for _ in range(runs):
        cases.append(run(caseapp_cmd("--db", str(big), "cases")))
        raw.append(run(raw_cmd))
        version.append(run(caseapp_cmd("--version")))
        bare.append(run([sys.executable, "-c", "pass"]))
    return [Figure("`caseapp --db big.db cases`, cold process", cases, raw, "s", "< 0.3 s",
                   "raw: python + sqlite3 SELECT of the cases"),
            Figure("  `caseapp --version`, cold process", version, bare, "s", "",
                   "raw: `python -c pass`")]


def window_start(variant: str, db: Path) -> tuple[float, float, float]:
    """Seconds from process start to the painted window and to the filled window, and peak
    RSS in MiB."""
    started = time.time()
    _, out, _ = run_process([sys.executable, str(ROOT / "benchmarks" / "window_start.py"),
                             variant, str(db)], timeout=300, what=f"window_start {variant} {db}",
                             env=start_env())
    painted, filled, rss = out.split()
    return float(painted) - started, float(filled) - started, float(rss)


def bench_window(dbs: dict[str, Path], runs: int) -> list[Figure]:
    figures = []
    for label, db in dbs.items():
        ours: list[float] = []
        raw: list[float] = []
        ours_filled: list[float] = []
        raw_filled: list[float] = []
        rss: list[float] = []
        raw_rss: list[float] = []
        window_start("app", db)  # untimed: fills the bytecode cache
        for _ in range(runs):
            took, filled, peak = window_start("app", db)
            ours.append(took)
            ours_filled.append(filled)
            rss.append(peak)
            took, filled, peak = window_start("bare", db)
            raw.append(took)
            raw_filled.append(filled)
            raw_rss.append(peak)
        # The figure is the whole window: its case list read, a case selected and its
        # tabs filled. The frame painted before the database opens is shown beside it.
        figures.append(Figure(f"process start to the whole window painted and filled, {label}",
                              ours_filled, raw_filled, "s", "≤ 2×",
                              "the first paint that finds the window built, its case list "
                              "read and its first case selected (the Overview computes on a "
                              "worker; the other tabs fill once the workspace is open, right "
                              "after); raw: QMainWindow + QTableView of 200 rows via sqlite3, "
                              "filled before it is shown; both from bytecode as installed; "
                              f"peak RSS {max(rss):.0f} MiB vs {max(raw_rss):.0f} MiB"))
        figures.append(Figure(f"  the first paint (the frame, \"Opening …\"), {label}", ours, raw,
                              "s", "", "title, saved size and position; the database opens "
                              "right after; raw: as above"))
    return figures


def demo_db(work: Path) -> Path:
    from caseapp.services.demo import load_demo
    from caseapp.services.workspace import Workspace

    path = work / "demo.db"
    if not path.exists():
        with Workspace.open(path) as ws:
            load_demo(ws)
    return path


# --- report ------------------------------------------------------------------------------------
def bench_report(work: Path, runs: int, seizures: int) -> list[Figure]:
    from benchmarks.report_bench import REF, add_seizures, bare_table
    from caseapp.domain.records import SeizureRecord
    from caseapp.reports.fonts import register_fonts
    from caseapp.services.demo import load_demo
    from caseapp.services.records import ListQuery
    from caseapp.services.reporting import ReportService
    from caseapp.services.workspace import Workspace

    db = work / f"report-{seizures}.db"
    fresh = not db.exists()
    ws = Workspace.open(db)
    if fresh:
        load_demo(ws)
        add_seizures(ws, seizures)
    register_fonts()  # outside the timing, for both sides
    service = ReportService(ws)
    case = ws.cases.find(REF)
    records = [s for s in ws.seizures.list_all(ListQuery(case_uid=case.uid))
               if isinstance(s, SeizureRecord)]
    rows = [["Exhibit", "Date", "Place", "Substance", "Net", "Purity", "Lab ref"]] + [
        [s.exhibit_ref, s.seized_on.isoformat(), s.place or "", s.substance[:13],
         f"{s.net_quantity} {s.unit}", str(s.purity_percent or ""), s.lab_ref or ""]
        for s in records]

    def bare() -> int:
        return bare_table(rows, work / "bare.pdf")

    ours: list[float] = []
    raw: list[float] = []
    pages = bare_pages = 0
    for _ in range(runs):
        start = time.perf_counter()
        pages = service.render(REF, work / "report.pdf").pages
        ours.append(pages / (time.perf_counter() - start))
        start = time.perf_counter()
        bare_pages = bare()
        raw.append(bare_pages / (time.perf_counter() - start))
    ws.close()
    return [Figure(f"report, case of {len(records):,} seizures (pages/s)", ours, raw, "pages/s",
                   "≥ 0.5×", f"case summary ({pages} pages: figures, charts, network, every "
                   f"table, appendices); raw: the seizure rows alone as a LongTable in the "
                   f"report's font and table style ({bare_pages} pages)")]


# --- installer ---------------------------------------------------------------------------------
def bench_installer(dist: Path) -> list[Figure]:
    folder = dist / "caseapp"
    if not folder.is_dir():
        return [Figure("installer, one folder (`scripts/build_installer`)", [], None, "MB",
                       "≤ 250 MB", f"not built: no {folder}")]
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and
               not p.is_symlink()) / 1e6
    exe = folder / "caseapp"
    checks = []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "CASEAPP_HOME": home, "CASEAPP_USER": "bench",
               "QT_QPA_PLATFORM": "offscreen"}
        env.pop("PYTHONPATH", None)
        for args in (["--version"], ["--db", f"{home}/d.db", "demo"],
                     ["--db", f"{home}/d.db", "report", "CASE-2026-0007", "--out",
                      f"{home}/r.pdf"]):
            done = subprocess.run([str(exe), *args], capture_output=True, env=env, timeout=600)
            checks.append(f"`{args[-1] if args[0] == '--version' else args[2]}` "
                          f"{'ok' if done.returncode == 0 else 'FAILED'}")
    return [Figure("installer, one folder (`scripts/build_installer`)", [size], None, "MB",
                   "≤ 250 MB", "; ".join(checks))]


# --- the write side (issue-17a) ------------------------------------------------------------
def write_side(only: set[str] | None, context: dict[str, Any]) -> list[Figure]:
    try:
        from benchmarks import write_bench
    except ImportError:
        return [Figure("write side (CSV import, bundle import, verify, generation)", [], None,
                       "", "", "benchmarks/write_bench.py not present")]
    figures: list[Figure] = []
    for name, fn in sorted(vars(write_bench).items()):
        if not (name.startswith("bench_") and callable(fn)):
            continue
        if only is not None and name.removeprefix("bench_") not in only:
            continue
        wanted = inspect.signature(fn).parameters
        rows = fn(**{k: v for k, v in context.items() if k in wanted})
        figures += [Figure(*row) for row in rows]
    return figures


def write_bench_names() -> set[str]:
    with contextlib.suppress(ImportError):
        from benchmarks import write_bench

        return {n.removeprefix("bench_") for n in vars(write_bench) if n.startswith("bench_")}
    return set()


def machine() -> str:
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    mem = next((int(line.split()[1]) // 1024**2 for line in
                Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0) if Path("/proc/meminfo").exists() else 0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, {os.cpu_count()} cores, {mem} GiB RAM; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}; SQLite "
            f"{sqlite3.sqlite_version}; load average {load:.1f} at the start")


READ_SIDE = ("list", "ids", "search", "cli", "window", "report", "installer")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=Path, default=OUT / "big.db",
                        help="the 1 M-seizure database (benchmarks/make_big_db.py)")
    parser.add_argument("--search-db", type=Path, help="the database searched (default: "
                        "--big); the queries name companies, shipments and exhibits of a "
                        "`benchmarks/generate.py` database, which make_big_db.py does not make")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (at least 3)")
    parser.add_argument("--rows", type=int, default=100_000, help="CSV import size (write side)")
    parser.add_argument("--report-seizures", type=int, default=1000)
    parser.add_argument("--bundle-records", type=int, default=10_000,
                        help="records in the bundle imported (write side)")
    parser.add_argument("--generate-seizures", type=int, default=20_000,
                        help="seizures generated per run, scaled to 1 M (write side)")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--only", help="comma-separated figures: " + ", ".join(READ_SIDE)
                        + " and the write side's (" + (", ".join(sorted(write_bench_names()))
                                                       or "none present") + ")")
    parser.add_argument("--quick", action="store_true", help="smaller sizes where a figure "
                        "allows it (passed to the write side)")
    parser.add_argument("--results", type=Path, help="where the Markdown goes (default: "
                        "benchmarks/RESULTS.md for a full run, benchmarks/out/ otherwise)")
    args = parser.parse_args(argv)
    runs = max(3, args.runs)
    only = set(args.only.split(",")) if args.only else None
    needs_big = only is None or bool(only & {"list", "ids", "search", "cli", "window"})
    if needs_big and not args.big.exists():
        raise SystemExit(f"{args.big} missing: run benchmarks/make_big_db.py --out {args.big}")
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=OUT))
    os.environ["CASEAPP_HOME"] = str(work / "home")
    os.environ.setdefault("CASEAPP_USER", "bench")
    started = dt.datetime.now(dt.UTC)
    header = machine()

    def want(name: str) -> bool:
        return only is None or name in only

    figures: list[Figure] = []
    search_lines: list[str] = []
    figures += write_side(only, {"work": work, "big": args.big, "db": args.big,
                                 "rows": args.rows, "runs": runs, "quick": args.quick,
                                 "records": args.bundle_records,
                                 "seizures": args.generate_seizures})
    if want("list"):
        figures += bench_list(args.big, runs)
    if want("ids"):
        figures += bench_ids(args.big, runs)
    if want("window"):
        figures += bench_window({"demo DB": demo_db(work), "1 M DB": args.big}, runs)
    if want("cli"):
        figures += bench_cli_start(args.big, runs)
    if want("report"):
        figures += bench_report(work, runs, args.report_seizures)
    if want("search"):
        found, search_lines = bench_search(args.search_db or args.big, runs)
        figures += found
    if want("installer"):
        figures += bench_installer(args.dist)
    finished = dt.datetime.now(dt.UTC)
    command = " ".join(["python benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])])
    text = [
        "# Benchmark results", "",
        f"Written by `{command}` ({started:%d %b %Y, %H:%M}–{finished:%H:%M} UTC). Each figure "
        f"ran {runs} times (pages and searches more), caseapp and its baseline alternating in "
        "the same run; min / median are shown, the ratio and the targets use the medians. The "
        "machine is shared: absolute figures are noisy, ratios are the figures to compare.", "",
        f"Machine: {header}", "",
        f"The 1 M-seizure database: `{args.big.name}` ({args.big.stat().st_size / 1e9:.2f} GB)"
        if args.big.exists() else "", "",
        table(figures), "",
    ]
    if search_lines:
        text += ["| query | caseapp (median) | raw FTS5 (median) | hits | kinds |",
                 "|---|---|---|---|---|", *search_lines, ""]
    report = "\n".join(text)
    print(report)
    target = args.results or (RESULTS if only is None else OUT / "RESULTS-partial.md")
    target.write_text(report, encoding="utf-8")
    print(f"(written to {target})", file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
