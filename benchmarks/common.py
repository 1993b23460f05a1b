"""What the benchmark scripts share: a figure, its verdict on the medians, the Markdown table,
and a timed child process with its peak RSS.

Importing this sets `CASEAPP_PLAIN=1` (unless set): benchmarks measure plain databases (new
ones are encrypted by default); crypto_bench.py measures encrypted ones beside them.
"""

from __future__ import annotations

import os as _os

_os.environ.setdefault("CASEAPP_PLAIN", "1")

import re
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterable, Sequence
from typing import NamedTuple


class Figure(NamedTuple):
    """One row of the results: caseapp's samples beside the baseline's (None or empty when
    there is no baseline), the unit of both, the target (e.g. `≤ 3×`, `< 0.5 s`)."""

    name: str
    caseapp: Sequence[float]
    raw: Sequence[float] | None
    unit: str
    target: str
    note: str = ""


def _fmt(samples: Sequence[float] | None, unit: str) -> str:
    if not samples:
        return "—"
    low, mid = min(samples), statistics.median(samples)
    return f"{low:.4g} / {mid:.4g} {unit}"


def _median(samples: Sequence[float] | None) -> float | None:
    return statistics.median(samples) if samples else None


SCALE = {"s": 1.0, "ms": 1e-3, "min": 60.0, "MB": 1.0, "MiB": 1.0, "pages/s": 1.0}
CONDITION = re.compile(r"([≤<≥>])\s*([\d.]+)\s*(×|x|ms|min|s|MiB|MB|pages/s)?")


def verdict(fig: Figure) -> str:
    """`met`, `missed` or `` (no target): every condition of the target on the medians."""
    conditions = CONDITION.findall(fig.target)
    if not conditions:
        return ""
    ours, raw = _median(fig.caseapp), _median(fig.raw)
    if ours is None:
        return "not measured"
    for op, number, unit in conditions:
        limit = float(number)
        if unit in ("×", "x", ""):
            if not raw:
                return "no baseline"
            value = ours / raw
        else:
            value = ours * SCALE.get(fig.unit, 1.0) / SCALE.get(unit, 1.0)
        ok = {"≤": value <= limit, "<": value < limit, "≥": value >= limit,
              ">": value > limit}[op]
        if not ok:
            return "**missed**"
    return "met"


def table(figures: Iterable[Figure]) -> str:
    """The Markdown table: min / median of each side, the ratio of the medians, the verdict."""
    lines = ["| figure | caseapp (min / median) | raw baseline (min / median) | ratio | target "
             "| result | notes |", "|---|---|---|---|---|---|---|"]
    for fig in figures:
        ours, raw = _median(fig.caseapp), _median(fig.raw)
        ratio = f"{ours / raw:.2f}×" if ours is not None and raw else "—"
        lines.append(f"| {fig.name} | {_fmt(fig.caseapp, fig.unit)} | {_fmt(fig.raw, fig.unit)} "
                     f"| {ratio} | {fig.target} | {verdict(fig)} | {fig.note} |")
    return "\n".join(lines)


# Runs a module with the peak RSS of that very process (VmHWM) written to stderr at exit.
_HWM = textwrap.dedent("""
    import atexit, runpy, sys
    def _hwm():
        line = [x for x in open('/proc/self/status') if x.startswith('VmHWM')][0]
        sys.stderr.write(chr(10) + line)
    atexit.register(_hwm)
    target, *rest = sys.argv[1:]
    sys.argv = [target, *rest]
    runpy.run_module(target, run_name='__main__', alter_sys=True)
    """)


def run_process(args: Sequence[str], *, timeout: float | None = None,
                what: str | None = None,
                env: dict[str, str] | None = None) -> tuple[float, str, str]:
    """Run `args` once; (wall seconds, stdout, stderr). A failure stops the benchmark with
    the end of the child's stderr."""
    start = time.perf_counter()
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                          env=env)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{what or ' '.join(args)} failed: {proc.stderr[-2000:]}")
    return took, proc.stdout, proc.stderr


def run_measured(module: str, *args: str) -> tuple[float, float, str]:
    """Run `python -m module args` once; (seconds, peak RSS MiB of that process, stdout)."""
    took, out, err = run_process([sys.executable, "-c", _HWM, module, *args],
                                 what=f"{module} {' '.join(args)}")
    kib = [int(x.split()[1]) for x in err.splitlines() if x.startswith("VmHWM")]
    return took, (kib[-1] / 1024 if kib else float("nan")), out
