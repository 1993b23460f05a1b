"""Make a database with one case of 1,000,000 seizures, fast, for the window benchmark.

    python benchmarks/make_big_db.py --seizures 1000000 --out benchmarks/out/gui-big.db

The database is made by the real migrations; the case and the substance catalogue go through
the services. The seizures are bulk-inserted with SQLAlchemy Core into the same table (about a
minute for a million, against ~17 min through the change log with `generate.py`), so they have
no change-log ops or audit entries: `caseapp verify` reports them, every read in the window
works. Values are skewed like real data: a few substances, places and agencies dominate; place
names include Chinese script.
"""

from __future__ import annotations

import os as _os

# Benchmarks measure plain databases (new ones are encrypted by default); crypto_bench.py
# measures encrypted ones beside them.
_os.environ.setdefault("CASEAPP_PLAIN", "1")

import argparse
import datetime as dt
import random
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from caseapp.services.records import ListQuery  # noqa: E402
from caseapp.services.workspace import Workspace  # noqa: E402

PLACES = [("Port of Manzanillo", "MX"), ("Lázaro Cárdenas container terminal", "MX"),
          ("Otay Mesa Port of Entry", "US"), ("JFK International Mail Facility", "US"),
          ("Leipzig/Halle Airport", "DE"), ("Rotterdam Maasvlakte", "NL"),
          ("深圳盐田港", "CN"), ("上海浦东机场货运站", "CN"), ("Hong Kong Air Cargo Terminal", "HK"),
          ("Nogales DeConcini crossing", "US"), ("Culiacán, Sinaloa", "MX"),
          ("Los Angeles/Long Beach", "US")]
AGENCIES = ["CBP", "HSI", "DEA", "FGR", "SEMAR", "Zoll", "Douane", "Marina", "ANAM"]
SUBSTANCES = ["NPP", "4-AP", "ANPP", "1-boc-4-piperidone", "fentanyl", "4-piperidone",
              "norfentanyl", "propionyl chloride"]
FORMS = ["powder", "powder", "liquid", "tablets", "paste"]
BATCH = 20_000


def seizure_row(rng: random.Random, i: int, case_uid: str, substances: list[str],
                now: str) -> dict[str, Any]:
    place, country = PLACES[min(int(rng.paretovariate(1.2)) - 1, len(PLACES) - 1)]
    form = rng.choice(FORMS)
    unit = "tablets" if form == "tablets" else rng.choice(["g", "kg", "kg"])
    return {
        "uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "created_at": now,
        "updated_at": now, "created_by": "bench", "case_uid": case_uid,
        "exhibit_ref": f"EX-{i:07d}",
        "seized_on": dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(3650)),
        "place": place, "country": country, "agency": rng.choice(AGENCIES),
        "substance": substances[min(int(rng.paretovariate(1.1)) - 1, len(substances) - 1)],
        "form": form, "net_quantity": Decimal(rng.randrange(1, 500_000)) / 100, "unit": unit,
        "purity_percent": Decimal(rng.randrange(50, 1000)) / 10 if rng.random() < 0.7 else None,
        "lab_confirmed": rng.random() < 0.4,
    }


def make(out: Path, seizures: int, seed: int = 1) -> float:
    """Write the database; returns the seconds taken."""
    started = time.perf_counter()
    rng = random.Random(seed)
    if out.exists():
        raise SystemExit(f"{out} exists; remove it first")
    ws = Workspace.open(out)
    case = ws.cases.add({"ref": "BIG-0001", "title": f"{seizures:,} seizures (benchmark)",
                         "lead_investigator": "Bench Mark"})
    ws.cases.add({"ref": "BIG-0002", "title": "A small case beside the big one"})
    subs = [ws.substances.lookup(name).uid for name in SUBSTANCES]
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    table = ws.seizures.table
    for start in range(0, seizures, BATCH):
        rows = [seizure_row(rng, i, case.uid, subs, now)
                for i in range(start, min(start + BATCH, seizures))]
        with ws.db.begin() as s:
            s.execute(insert(table), rows)
        print(f"  {start + len(rows):,} seizures", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    assert ws.seizures.count(ListQuery(case_uid=case.uid)) == seizures
    ws.close()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seizures", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "gui-big.db")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    seconds = make(args.out, args.seizures, args.seed)
    print(f"{args.out}: {args.seizures:,} seizures in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
