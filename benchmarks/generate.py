"""Write a realistic synthetic caseapp database through the real services (benchmarks only).

    python benchmarks/generate.py --seizures 1000000 --cases 1000 --out benchmarks/out/big.db

Every record goes through `RecordService.add_in` inside one unit of work per case: parsed,
validated, written with its change-log op, signed changeset and audit entry, and indexed for
search by the triggers, exactly as an investigator's edits are. Proportions per seizure:
~0.2 shipments, ~0.1 links; a shared pool of companies (Chinese suppliers with their
original-script names, brokers, Hong Kong/European forwarders, Mexican front companies) and
persons (Chinese and Spanish names); notes in English, Spanish and Chinese. Distributions are
skewed (Zipf-like): a few suppliers, places and substances account for most of the records, and
a few cases are much bigger than the rest.

The same seed gives the same records and values (uids and timestamps are new on every run).
`seizure_rows()` makes CSV rows for the import benchmark with the same vocabulary.
"""

from __future__ import annotations

import os as _os

# Benchmarks measure plain databases (new ones are encrypted by default); crypto_bench.py
# measures encrypted ones beside them.
_os.environ.setdefault("CASEAPP_PLAIN", "1")

import argparse
import datetime as dt
import itertools
import random
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from caseapp.services.workspace import Workspace  # noqa: E402

CITIES = [("Wuhan", "武汉"), ("Shenzhen", "深圳"), ("Guangzhou", "广州"), ("Shanghai", "上海"),
          ("Hangzhou", "杭州"), ("Jinan", "济南"), ("Yichang", "宜昌"), ("Zhengzhou", "郑州"),
          ("Tianjin", "天津"), ("Chengdu", "成都"), ("Hefei", "合肥"), ("Xiamen", "厦门")]
SYLLABLES = [("Jin", "金"), ("Rui", "瑞"), ("Xin", "鑫"), ("Da", "达"), ("Heng", "恒"),
             ("Yuan", "元"), ("Kai", "凯"), ("Hua", "华"), ("Long", "龙"), ("Tai", "泰"),
             ("Bo", "博"), ("Sheng", "盛"), ("Feng", "丰"), ("Hong", "宏"), ("Yu", "宇"),
             ("Lan", "蓝"), ("Shuo", "硕"), ("Zhuo", "卓"), ("Ke", "科"), ("Ming", "明")]
TRADES = [("Chemical Technology", "化工科技"), ("Biotechnology", "生物科技"),
          ("Trading", "贸易"), ("New Material", "新材料"), ("Pharmaceutical Technology",
                                                            "医药科技"),
          ("Import and Export", "进出口")]
MX_FIRST = ["Distribuidora", "Importadora", "Comercializadora", "Química", "Grupo",
            "Abastecedora", "Suministros"]
MX_REST = ["del Pacífico", "Sol del Norte", "Arrecife", "Los Altos", "Bahía Azul", "San Judas",
           "Río Culiacán", "La Perla", "Valle de Sinaloa", "Tierra Caliente"]
FORWARDERS = ["Harbourline", "Swiftlink", "Pacific Crest", "Golden Junk", "Kowloon Bay",
              "Rheinfracht", "Maasvliet", "Eastwind", "Silverline", "Orient Gate"]
FW_SUFFIX = ["Logistics Ltd", "Freight (HK) Ltd", "Spedition GmbH", "Logistiek B.V.",
             "Express Co., Ltd."]
SURNAMES = [("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"),
            ("Yang", "杨"), ("Zhao", "赵"), ("Huang", "黄"), ("Zhou", "周"), ("Wu", "吴")]
GIVEN = [("Wei", "伟"), ("Fang", "芳"), ("Min", "敏"), ("Jing", "静"), ("Lei", "磊"),
         ("Qiang", "强"), ("Yan", "燕"), ("Jun", "军"), ("Hui", "慧"), ("Tao", "涛")]
ES_FIRST = ["José", "María", "Juan", "Guadalupe", "Luis", "Rosa", "Jesús", "Ana", "Miguel",
            "Fernanda"]
ES_LAST = ["García", "Hernández", "López", "Martínez", "González", "Pérez", "Sánchez",
           "Ramírez", "Cruz", "Flores", "Gómez", "Ortiz"]
PLACES = [("Port of Manzanillo, container terminal", "MX", "SEMAR"),
          ("Port of Lázaro Cárdenas", "MX", "SEMAR"),
          ("Chicago international mail facility", "US", "CBP"),
          ("Leipzig/Halle Airport express hub", "DE", "Zoll"),
          ("Otay Mesa port of entry", "US", "CBP"), ("Nogales port of entry", "US", "CBP"),
          ("Mexico City International Airport, courier terminal", "MX", "FGR"),
          ("Port of Rotterdam, Maasvlakte", "NL", "Douane"),
          ("Cincinnati express consignment hub", "US", "CBP"),
          ("JFK international mail facility", "US", "CBP"), ("Port of Vancouver", "CA", "CBSA"),
          ("Guadalajara airport cargo", "MX", "FGR"), ("Tijuana, Garita El Chaparral", "MX",
                                                       "Aduanas"),
          ("Hong Kong Kwai Chung terminal", "HK", "C&ED"), ("Culiacán, warehouse raid", "MX",
                                                              "FGR"),
          ("Laredo World Trade Bridge", "US", "CBP"), ("Antwerp, Deurganck dock", "BE", "Douane")]
SUBSTANCES = ["NPP", "4-AP", "ANPP", "1-boc-4-piperidone", "4-piperidone", "fentanyl",
              "21409-26-7", "Propionyl chloride", "Acetic anhydride", "Pseudoephedrine",
              "Methylamine", "Piperidine"]
DECLARED = ["vitamin C", "dog food", "phone cases", "industrial solvent", "cosmetic raw material",
            "食品添加剂", "pigment powder", "LED lights", "ceramic tiles", "aditivo alimentario",
            "plastic toys", "auto parts"]
CONCEALMENTS = ["vacuum-sealed bags inside dog-food sacks", "drums labelled as industrial "
                "solvent", "false bottom of a machinery crate", "mislabelled as vitamin C",
                "hidden in phone-case cartons", "tablets pressed to look like oxycodone",
                "bricks wrapped in carbon paper", "bags sewn into clothing"]
NOTES = ["Lab report pending; request impurity profiling.", "Controlled delivery declined by "
         "the prosecutor.", "El consignatario no tiene bodega en el domicilio registrado.",
         "发货人网站承诺“清关包过”。", "Matches the waybill pattern of the Harbourline route.",
         "Muestra enviada al laboratorio de la FGR.", "Phone number shared with a supplier "
         "storefront.", "收款使用 USDT (TRC-20) 钱包。"]


def zipf(rng: random.Random, items: Sequence[Any], s: float = 1.1) -> Any:
    """A skewed choice: the first items are picked far more often than the last."""
    weights = _weights(len(items), s)
    return rng.choices(items, cum_weights=weights)[0]


_WEIGHTS: dict[tuple[int, float], list[float]] = {}


def _weights(n: int, s: float) -> list[float]:
    key = (n, s)
    if key not in _WEIGHTS:
        _WEIGHTS[key] = list(itertools.accumulate(1 / (k + 1) ** s for k in range(n)))
    return _WEIGHTS[key]


def company_fields(rng: random.Random, i: int) -> dict[str, str]:
    """One company: Chinese supplier (with its original-script name), forwarder or Mexican."""
    kind = i % 10
    if kind < 6:
        (city, city_cn), (a, a_cn), (b, b_cn), (trade, trade_cn) = (
            rng.choice(CITIES), rng.choice(SYLLABLES), rng.choice(SYLLABLES), rng.choice(TRADES))
        return {"name": f"{city} {a}{b.lower()} {trade} Co., Ltd. No.{i}",
                "name_original": f"{city_cn}{a_cn}{b_cn}{trade_cn}有限公司第{i}号",
                "aliases": f"{a}{b} Chem;{a.upper()}{b.upper()} Store", "country": "CN",
                "city": city, "roles": rng.choice(["supplier", "manufacturer", "broker"]),
                "phones": f"+86 1{rng.randint(30, 89)} {rng.randint(1000, 9999)} "
                          f"{rng.randint(1000, 9999)}",
                "emails": f"sales{i}@{a.lower()}{b.lower()}-chem.example"}
    if kind < 8:
        return {"name": f"{rng.choice(FORWARDERS)} {rng.choice(FW_SUFFIX)} {i}",
                "country": rng.choice(["HK", "DE", "NL", "HK"]), "roles": "freight_forwarder",
                "phones": f"+852 {rng.randint(2000, 9999)} {rng.randint(1000, 9999)}"}
    return {"name": f"{rng.choice(MX_FIRST)} {rng.choice(MX_REST)} S.A. de C.V. {i}",
            "country": "MX", "city": rng.choice(["Culiacán", "Guadalajara", "Tijuana"]),
            "roles": "consignee;front_company", "notes": "Sin actividad en el domicilio fiscal."}


def person_fields(rng: random.Random, i: int) -> dict[str, str]:
    if i % 2:
        (s, s_cn), (g, g_cn) = rng.choice(SURNAMES), rng.choice(GIVEN)
        return {"full_name": f"{s_cn}{g_cn}（{i}）", "aliases": f"{s} {g} {i};{g} {s}",
                "nationality": "CN"}
    return {"full_name": f"{rng.choice(ES_FIRST)} {rng.choice(ES_LAST)} "
                         f"{rng.choice(ES_LAST)} {i}", "nationality": "MX"}


def seized_on(rng: random.Random) -> str:
    start = dt.date(2016, 1, 1).toordinal()
    # later years hold more seizures (the caseload grows)
    return dt.date.fromordinal(start + int(3800 * rng.random() ** 0.7)).isoformat()


def seizure_fields(rng: random.Random, ref: str) -> dict[str, str]:
    place, country, agency = zipf(rng, PLACES)
    form = zipf(rng, ["powder", "tablets", "liquid", "paste"])
    unit = {"powder": "kg", "tablets": "tablets", "liquid": "L", "paste": "kg"}[form]
    fields = {"exhibit_ref": ref, "seized_on": seized_on(rng), "place": place,
              "country": country, "agency": agency, "substance": zipf(rng, SUBSTANCES),
              "form": form, "net_quantity": f"{rng.lognormvariate(1.0, 1.5):.3f}",
              "unit": unit, "concealment": rng.choice(CONCEALMENTS)}
    if rng.random() < 0.4:
        fields["purity_percent"] = f"{rng.uniform(5, 99):.1f}"
    if rng.random() < 0.1:
        fields["notes"] = rng.choice(NOTES)
    return fields


def seizure_rows(n: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """CSV rows (seizures template) for the import benchmark."""
    rng = random.Random(seed)
    for i in range(n):
        yield seizure_fields(rng, f"IMP-{i:07d}")


def case_sizes(rng: random.Random, seizures: int, cases: int) -> list[int]:
    """Seizures per case: a Pareto spread summing to `seizures`."""
    raw = [rng.paretovariate(1.5) for _ in range(cases)]
    total = sum(raw)
    sizes = [int(seizures * r / total) for r in raw]
    sizes[0] += seizures - sum(sizes)
    return sizes


class Generator:
    def __init__(self, ws: Workspace, seed: int, seizures: int, cases: int) -> None:
        self.ws, self.rng = ws, random.Random(seed)
        self.seizures, self.cases = seizures, cases
        self.companies: list[str] = []
        self.persons: list[str] = []

    def run(self, progress: bool = True) -> dict[str, int]:
        self._pool(max(20, self.seizures // 200), max(10, self.seizures // 400))
        counts = {"seizures": 0, "shipments": 0, "links": 0, "notes": 0}
        start = time.perf_counter()
        for c, size in enumerate(case_sizes(self.rng, self.seizures, self.cases)):
            for key, n in self._case(c, size).items():
                counts[key] += n
            if progress and c % 20 == 0:
                rate = counts["seizures"] / max(time.perf_counter() - start, 1e-9)
                print(f"  case {c + 1}/{self.cases}: {counts['seizures']} seizures "
                      f"({rate:.0f}/s)", file=sys.stderr)
        return {"companies": len(self.companies), "persons": len(self.persons), **counts}

    def _pool(self, companies: int, persons: int) -> None:
        """Shared companies and persons, written in units of 2,000."""
        for start in range(0, companies, 2000):
            with self.ws.unit() as uow:
                self.companies += [self.ws.companies.add_in(uow, company_fields(self.rng, i))
                                   for i in range(start, min(companies, start + 2000))]
        for start in range(0, persons, 2000):
            with self.ws.unit() as uow:
                self.persons += [self.ws.persons.add_in(uow, person_fields(self.rng, i))
                                 for i in range(start, min(persons, start + 2000))]

    def _case(self, c: int, size: int) -> dict[str, int]:
        rng = self.rng
        ref = f"CASE-{2016 + c % 11}-{c:05d}"
        with self.ws.unit() as uow:
            case_uid = self.ws.cases.add_in(uow, {
                "ref": ref, "title": f"Precursor route {c}: {zipf(rng, SUBSTANCES)} via "
                                     f"{zipf(rng, PLACES)[0]}",
                "status": rng.choice(["open", "open", "suspended"]), "opened_on": "2016-01-04",
                "lead_investigator": f"SA {rng.choice(ES_FIRST)} {rng.choice(ES_LAST)}",
                "agency": "Joint Precursor Interdiction Task Force"})
            shipments = [self._shipment(uow, case_uid, c, i) for i in range(max(1, size // 5))]
            for i in range(size):
                fields = seizure_fields(rng, f"EX-{c:05d}-{i:06d}")
                if rng.random() < 0.3:
                    fields["shipment"] = rng.choice(shipments)
                self.ws.seizures.add_in(uow, fields, case_uid=case_uid, key_checked=True)
            links = max(1, size // 10)
            for _ in range(links):
                self.ws.links.add_in(uow, {
                    "subject_kind": "company", "subject": zipf(rng, self.companies, 1.2),
                    "relation": "shipped", "object_kind": "shipment",
                    "object": rng.choice(shipments), "evidence": rng.choice(NOTES),
                    "source_reliability": rng.choice("ABC"),
                    "info_credibility": rng.choice("123")}, case_uid=case_uid)
            for _ in range(3):
                self.ws.notes.add_in(uow, {"body": rng.choice(NOTES)}, case_uid=case_uid)
        return {"seizures": size, "shipments": len(shipments), "links": links, "notes": 3}

    def _shipment(self, uow: Any, case_uid: str, c: int, i: int) -> str:
        rng = self.rng
        return self.ws.shipments.add_in(uow, {
            "ref": f"SH-{c:05d}-{i:05d}",
            "tracking_no": f"{rng.randint(100, 999)}-{rng.randint(10**7, 10**8 - 1)}",
            "mode": zipf(rng, ["express_courier", "postal", "air_cargo", "sea_freight"]),
            "shipper": zipf(rng, self.companies, 1.2),
            "consignee": rng.choice(self.companies), "origin_country": "CN",
            "transit_countries": rng.choice(["DE;NL", "HK", "", "KR"]),
            "destination_country": rng.choice(["MX", "US", "CA"]),
            "declared_description": zipf(rng, DECLARED), "shipped_on": seized_on(rng),
            "status": zipf(rng, ["intercepted", "delivered", "in_transit", "unknown"]),
        }, case_uid=case_uid, key_checked=True)


def generate(out: Path, seizures: int, cases: int, seed: int = 1,
             progress: bool = True) -> dict[str, int]:
    """Create `out` (replacing it) and fill it; returns what was written."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{out}{suffix}").unlink(missing_ok=True)
    with Workspace.open(out) as ws:
        return Generator(ws, seed, seizures, cases).run(progress)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seizures", type=int, default=10000)
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "big.db")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    counts = generate(args.out, args.seizures, args.cases, args.seed)
    took = time.perf_counter() - start
    size = args.out.stat().st_size / 2**20
    print(f"wrote {args.out} ({size:.0f} MiB) in {took:.1f} s: "
          + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
