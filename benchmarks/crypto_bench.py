"""Encrypted against plain: CSV import, a list page, search and a report (docs/security.md).

    python benchmarks/crypto_bench.py [--rows 5000] [--seizures 300] [--runs 3]

Builds the same data in a plain and in an encrypted database (SQLCipher 4, Argon2id key) and
times each operation `--runs` times on each; prints min and median seconds and the ratio of the
medians (target: encrypted <= 1.3x plain). Opening (the Argon2id derivation, about 0.4 s) is
timed on its own and left out of the other figures, as it is paid once per session.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSPHRASE = "benchmark passphrase, not secret"
TARGET = 1.3


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def build(path: Path, encrypted: bool, seizures: int) -> None:
    from benchmarks.report_bench import add_seizures
    from caseapp.services.demo import load_demo
    from caseapp.services.workspace import Workspace

    with Workspace.open(path, passphrase=PASSPHRASE if encrypted else None,
                        plain=not encrypted) as ws:
        load_demo(ws)
        add_seizures(ws, seizures)


def measure(path: Path, encrypted: bool, csv_path: Path, runs: int, work: Path
            ) -> dict[str, list[float]]:
    from caseapp.db import cipher
    from caseapp.services import identity
    from caseapp.services.importing import CsvImporter
    from caseapp.services.records import ListQuery
    from caseapp.services.workspace import Workspace

    def open_ws() -> Workspace:
        cipher.forget_all()
        identity.lock_keys()
        return Workspace.open(path, passphrase=PASSPHRASE if encrypted else None)

    figures: dict[str, list[float]] = {"open (key derivation)": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        open_ws().close()
        figures["open (key derivation)"].append(time.perf_counter() - t0)
    ws = open_ws()
    try:
        case_uid = ws.cases.find("CASE-2026-0007").uid
        n = iter(range(runs))

        def import_csv() -> None:
            i = next(n)
            ws.cases.add({"ref": f"IMPORT-{i}", "title": "Import benchmark"})
            CsvImporter(ws).import_file("seizures", csv_path, f"IMPORT-{i}")

        figures["CSV import"] = timed(import_csv, runs)
        query = ListQuery(case_uid=case_uid, limit=500, sort="seized_on")
        figures["list page (500 seizures)"] = timed(lambda: ws.seizures.list_page(query), runs)
        figures["search (3 queries)"] = timed(
            lambda: [ws.search.search(q) for q in ("Lanshuo", "Mail facility 3", "EX-B-001")],
            runs)
        m = iter(range(runs))
        figures["report (case summary PDF)"] = timed(
            lambda: ws.reports.render("CASE-2026-0007", work / f"r-{encrypted}-{next(m)}.pdf"),
            runs)
    finally:
        ws.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000, help="CSV rows per import")
    parser.add_argument("--seizures", type=int, default=300, help="seizures in the report case")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["CASEAPP_HOME"] = str(work / "home")
        os.environ.pop("CASEAPP_PASSPHRASE_FILE", None)
        from benchmarks.generate import seizure_rows
        from caseapp.services.importing import TEMPLATES

        csv_path = work / "seizures.csv"
        with csv_path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=TEMPLATES["seizures"], extrasaction="ignore")
            writer.writeheader()
            writer.writerows(seizure_rows(args.rows))
        results = {}
        for encrypted in (False, True):
            path = work / ("encrypted.db" if encrypted else "plain.db")
            build(path, encrypted, args.seizures)
            results[encrypted] = measure(path, encrypted, csv_path, args.runs, work)
    print(f"{'operation':28} {'plain min/median s':>20} {'encrypted min/median s':>24} "
          f"{'ratio':>6}")
    worst = 0.0
    for name in results[False]:
        p, e = results[False][name], results[True][name]
        ratio = statistics.median(e) / statistics.median(p)
        if not name.startswith("open"):
            worst = max(worst, ratio)
        print(f"{name:28} {min(p):9.3f} / {statistics.median(p):8.3f} "
              f"{min(e):12.3f} / {statistics.median(e):9.3f} {ratio:6.2f}")
    print(f"worst ratio (open excluded): {worst:.2f} (target <= {TARGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
