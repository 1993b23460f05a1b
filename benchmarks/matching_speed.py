"""Speed of screening and of the seen-before look-up (issue 14 targets).

1. Screening: N companies (default 10,000) against a synthetic list the size of the full SDN
   list (default 18,000 entries with aliases, ~half companies), loaded through the real
   `lists import` path (OFAC legacy CSV files written to a temp folder), then
   `ScreeningService.screen()` timed end to end (load entries, block, score). Target < 10 s.
2. Seen before: M identifiers (default 1,000,000) in `match_keys`, then the look-up of one
   record's `seen_in` timed (median of 200). Target < 5 ms.

Run: python benchmarks/matching_speed.py [--companies 10000] [--entries 18000]
     [--keys 1000000]
"""

from __future__ import annotations

import os as _os

# Benchmarks measure plain databases (new ones are encrypted by default); crypto_bench.py
# measures encrypted ones beside them.
_os.environ.setdefault("CASEAPP_PLAIN", "1")

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYLLABLES = ("an ao bai bei bin bo chang chen cheng chun da de ding dong fang fei feng fu gang "
             "gao guang hai han hao he heng hong hua huang hui jia jian jiang jin jing jun kai "
             "kang lan lei li lian liang lin long lu mei ming nan ning peng qi qian qiang qing "
             "rui run sen shan sheng shi shun tai tian tong wan wei wen xiang xin xing xu ya yang "
             "yi yong yu yuan yue zhen zheng zhi zhong zhou").split()
PLACES = "Wuhan Hubei Shanghai Hebei Shenzhen Guangzhou Nanjing Jinan Hangzhou Tianjin".split()
INDUSTRY = ("Chemical", "Biotechnology", "Trading", "Pharmaceutical", "Logistics",
            "New Material Technology", "Import and Export")
FORMS = ("Co., Ltd.", "Company Limited", "Co Ltd", "Limited", "S.A. de C.V.", "LLC")


def company_name(rng: random.Random) -> str:
    trade = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3)))).title()
    return f"{rng.choice(PLACES)} {trade} {rng.choice(INDUSTRY)} {rng.choice(FORMS)}"


def person_name(rng: random.Random) -> str:
    return (f"{rng.choice(SYLLABLES).upper()} {rng.choice(SYLLABLES).upper()}, "
            f"{rng.choice(SYLLABLES).title()}{rng.choice(SYLLABLES)}")


def write_list(folder: Path, entries: int, rng: random.Random) -> list[Path]:
    sdn, alt = [], []
    for i in range(1, entries + 1):
        person = i % 2 == 0
        name = person_name(rng) if person else company_name(rng).upper()
        sdn.append(f'{i},"{name}",{"individual" if person else "-0-"},"SDNTK",-0-,-0-,-0-,'
                   f'-0-,-0-,-0-,-0-,"Phone Number 86139{i:08d}; a.k.a. \'{name[:12]}\'."')
        alt.append(f'{i},{i},"aka","{(person_name if person else company_name)(rng)}",-0-')
    paths = [folder / "sdn.csv", folder / "alt.csv"]
    paths[0].write_text("\n".join(sdn) + "\n", encoding="utf-8")
    paths[1].write_text("\n".join(alt) + "\n", encoding="utf-8")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=18_000)
    parser.add_argument("--keys", type=int, default=1_000_000)
    args = parser.parse_args()
    from sqlalchemy import insert

    from caseapp.db.models import MatchKey, core_table
    from caseapp.services.seen import seen_in
    from caseapp.services.workspace import Workspace

    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ws = Workspace.open(folder / "bench.db")
        ws.screening.ensure_preloaded()
        t = time.perf_counter()
        loaded = ws.screening.import_lists(write_list(folder, args.entries, rng), "SDN synthetic")
        print(f"lists import: {loaded.entries} entries in {time.perf_counter() - t:.1f} s")
        ws.cases.add({"ref": "B-1", "title": "bench"})
        t = time.perf_counter()
        with ws.unit() as uow:
            case_uid = ws.cases.case_uid_in(uow.session, "B-1")
            for _ in range(args.companies):
                ws.companies.add_in(uow, {"name": company_name(rng), "country": "CN"},
                                    case_uid=case_uid)
        print(f"{args.companies} companies added in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        doc = ws.screening.screen("B-1")
        took = time.perf_counter() - t
        print(f"screen: {args.companies} companies x {sum(x['entries'] for x in doc['lists'])} "
              f"entries: {took:.2f} s, {len(doc['hits'])} hits (target < 10 s)")

        # Seen before with many identifiers indexed.
        with ws.db.begin() as s:
            existing = s.query(MatchKey).count()
            rows = [{"kind": "company", "uid": f"bench-{i // 4:08d}", "feature": "phone",
                     "value": f"+86139{i:08d}"} for i in range(args.keys - existing)]
            for i in range(0, len(rows), 50_000):
                s.execute(insert(core_table(MatchKey)), rows[i:i + 50_000])
            total = s.query(MatchKey).count()
        # Two records in two cases sharing one phone: the look-up has a real hit to find.
        ws.cases.add({"ref": "B-2", "title": "other"})
        probe = ws.companies.add({"name": "Probe Trading Co", "country": "CN",
                                  "phones": "+86 139 0000 0001"}, case="B-1")
        ws.persons.add({"full_name": "Probe Person", "phones": "0086 139 0000 0001"},
                       case="B-2")
        with ws.db.begin() as s:
            times = []
            for _ in range(200):
                t = time.perf_counter()
                found = seen_in(s, "company", [probe.uid], case_uid)[probe.uid]
                times.append(time.perf_counter() - t)
        print(f"  the probe is seen in: {[(e['case'], e['matched_on']) for e in found]}")
        print(f"seen-before look-up with {total:,} identifiers indexed: median "
              f"{statistics.median(times) * 1000:.2f} ms, max {max(times) * 1000:.2f} ms "
              "(target < 5 ms)")
        ws.close()


if __name__ == "__main__":
    main()
