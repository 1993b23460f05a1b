"""Precision and recall of the name score on benchmarks/matching_pairs.csv, per kind.

A pair counts as matched when `compare` (the score `dedup` and `screen` use, names only, no
identifiers, no country) reaches the threshold. Prints P/R per kind and per source, and the
misclassified pairs with `--errors`.

Run: python benchmarks/matching_quality.py [--threshold 0.8] [--errors]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from caseapp.domain.matching import THRESHOLD, Entity, compare  # noqa: E402

PAIRS = ROOT / "benchmarks" / "matching_pairs.csv"
TARGETS = {"company": (0.95, 0.90), "person": (0.90, 0.85)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors = []
    with PAIRS.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            kind, same = row["kind"], row["same"] == "1"
            score = compare(Entity(kind, (row["a"],)), Entity(kind, (row["b"],))).score
            hit = score >= args.threshold
            c = counts[kind]
            c["tp" if hit and same else "fp" if hit else "fn" if same else "tn"] += 1
            by_source[f"{kind}/{row['source']}"][0] += hit == same
            by_source[f"{kind}/{row['source']}"][1] += 1
            if hit != same:
                errors.append((kind, row["source"], score, row["a"], row["b"]))
    print(f"threshold {args.threshold}")
    for kind, c in sorted(counts.items()):
        precision = c["tp"] / max(1, c["tp"] + c["fp"])
        recall = c["tp"] / max(1, c["tp"] + c["fn"])
        p_target, r_target = TARGETS[kind]
        print(f"{kind:8} P {precision:.3f} (target {p_target})  R {recall:.3f} (target "
              f"{r_target})  pairs {sum(c.values())}: tp {c['tp']} fp {c['fp']} "
              f"fn {c['fn']} tn {c['tn']}")
    for source, (right, total) in sorted(by_source.items()):
        print(f"  {source:28} {right}/{total} right")
    if args.errors:
        for kind, source, score, a, b in sorted(errors):
            print(f"  {kind} {source} {score:.2f}: {a!r} / {b!r}")


if __name__ == "__main__":
    main()
