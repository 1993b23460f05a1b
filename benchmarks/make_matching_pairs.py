"""Write benchmarks/matching_pairs.csv: the labelled name pairs `matching_quality.py` scores.

Positives:
* OFAC a.k.a. names (resources/sanctions extract) that are other forms of the entry's name
  (they share a word of 4+ letters: "LOS POCHOS DTO" / "LOS POCHOS DRUG TRAFFICKING
  ORGANIZATION"); nicknames and acronyms ("El Mayo", "CDG") are counted and left out, since no
  name comparison can find them (docs/matching.md);
* every OFAC entity name against a rewritten form (legal form spelled another way, another
  letter case, punctuation dropped) and every OFAC individual "LAST, First" against
  "First Last" (some in lower case, some without their second surname);
* Chinese company and person names against their pinyin and traditional forms (HAND_POSITIVE).
Hard negatives: OFAC entities of one industry word or place with different trade names, OFAC
individuals sharing a surname (relatives), and made-up Chinese pairs of one city and industry
with another trade name (HAND_NEGATIVE).

Run: python benchmarks/make_matching_pairs.py (deterministic; the CSV is committed).
"""

from __future__ import annotations

import csv
import itertools
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from caseapp.domain.names import company_parts  # noqa: E402
from caseapp.domain.sanctions import parse_ofac  # noqa: E402

OUT = ROOT / "benchmarks" / "matching_pairs.csv"
EXTRACT = ROOT / "resources" / "sanctions" / "ofac_sdn_illicit_drugs_eo14059_2024-05-03.csv"

HAND_POSITIVE = [
    ("company", "湖北精奥生物科技有限公司", "Hubei Jingao Biotechnology Co Ltd"),
    ("company", "湖北精奥生物科技有限公司", "湖北精奧生物科技有限公司"),
    ("company", "湖北精奧生物科技有限公司", "HUBEI JINGAO BIO-TECH CO., LTD."),
    ("company", "武汉蓝硕元恒化工科技有限公司", "Wuhan Lanshuo Yuanheng Chemical Technology Co., Ltd."),
    ("company", "宜昌卓珩贸易有限公司", "Yichang Zhuoheng Trading Co., Ltd."),
    ("company", "深圳凯若新达新材料有限公司", "Shenzhen Kairuo Xinda New Material Co., Ltd."),
    ("company", "河北阿图恩贸易有限公司", "Hebei Atuen Trading Company Limited"),
    ("company", "上海瑞晶医药科技有限公司", "Shanghai Ruijing Pharmaceutical Technology Co Ltd"),
    ("company", "上海瑞晶醫藥科技有限公司", "Shanghai Ruijing Pharma Tech Co., Ltd."),
    ("company", "南京福润德化工有限公司", "Nanjing Furunde Chemical Co., Ltd."),
    ("company", "郑州信达生物技术有限公司", "Zhengzhou Xinda Biotech Co Ltd"),
    ("company", "广州华创化工有限公司", "GUANGZHOU HUACHUANG CHEMICALS COMPANY LIMITED"),
    ("company", "济南万兴达国际贸易有限公司", "Jinan Wanxingda International Trade Co., Ltd."),
    ("company", "杭州龙翔进出口有限公司", "Hangzhou Longxiang Import and Export Co., Ltd."),
    ("company", "成都天宇生物工程有限公司", "Chengdu Tianyu Bio-Technology Co., Ltd."),
    ("company", "香港宏泰物流有限公司", "Hong Kong Hongtai Logistics Limited"),
    ("company", "天津恒瑞化学有限公司", "Tianjin Hengrui Chemistry Co., Ltd."),
    ("company", "青岛海晨新材料科技有限公司", "Qingdao Haichen New Materials Technology Co Ltd"),
    ("person", "王伟", "Wang Wei"),
    ("person", "王偉", "王伟"),
    ("person", "王偉", "WANG, Wei"),
    ("person", "张小明", "Zhang Xiaoming"),
    ("person", "張小明", "ZHANG Xiaoming"),
    ("person", "李娜", "Li Na"),
    ("person", "陈建华", "Chen Jianhua"),
    ("person", "陳建華", "CHEN, Jianhua"),
    ("person", "刘德福", "Liu Defu"),
    ("person", "阮梦瑶", "Ruan Mengyao"),
    ("person", "姚华涛", "YAO, Huatao"),
    ("person", "吴雅琴", "WU, Yaqin"),
]
HAND_NEGATIVE = [
    ("company", "Wuhan Jinhe Biotech Co., Ltd.", "Wuhan Jinhua Biotechnology Co., Ltd."),
    ("company", "湖北精奥生物科技有限公司", "Hubei Jinhao Biotechnology Co Ltd"),
    ("company", "湖北精奥生物科技有限公司", "湖北金奥生物科技有限公司"),
    ("company", "Wuhan Lanshuo Chemical Co Ltd", "Wuhan Landa Chemical Co Ltd"),
    ("company", "Shanghai Ruijing Pharmaceutical Co Ltd", "Shanghai Ruikang Pharmaceutical Co Ltd"),
    ("company", "Nanjing Furunde Chemical Co Ltd", "Nanjing Fuxiang Chemical Co Ltd"),
    ("company", "Hebei Atun Trading Co Ltd", "Hebei Yatai Trading Co Ltd"),
    ("company", "Zhengzhou Xinda Biotech Co Ltd", "Zhengzhou Xinhua Biotech Co Ltd"),
    ("company", "Guangzhou Huachuang Chemical Co Ltd", "Guangzhou Huaxin Chemical Co Ltd"),
    ("company", "Hangzhou Longxiang Import Export Co", "Hangzhou Longsheng Import Export Co"),
    ("company", "Chengdu Tianyu Biotech Co Ltd", "Chengdu Tianfu Biotech Co Ltd"),
    ("company", "Qingdao Haichen New Material Co Ltd", "Qingdao Haiwan New Material Co Ltd"),
    ("company", "Hong Kong Hongtai Logistics Ltd", "Hong Kong Hongxing Logistics Ltd"),
    ("company", "Tianjin Hengrui Chemical Co Ltd", "Tianjin Hengli Chemical Co Ltd"),
    ("company", "Shenzhen Kairuo Xinda New Material Co Ltd", "Shenzhen Kairui New Material Co Ltd"),
    ("company", "Yichang Zhuoheng Trading Co Ltd", "Yichang Zhongheng Trading Co Ltd"),
    ("company", "Jinan Wanxingda International Trade Co", "Jinan Wanda International Trade Co"),
    ("person", "王伟", "Wang Wen"),
    ("person", "王伟", "Huang Wei"),
    ("person", "张小明", "Zhang Xiaoping"),
    ("person", "陈建华", "Chen Jianguo"),
    ("person", "李娜", "Li Hua"),
]
_FORMS = [(r"\bCO\., LTD\.?", "Company Limited"), (r"\bCO\., LIMITED\b", "Co Ltd"),
          (r"\bS\.A\. DE C\.V\.", "SA DE CV"), (r"\bLIMITED\b", "Ltd."),
          (r"\bSOCIEDAD ANONIMA DE CAPITAL VARIABLE\b", "S.A. de C.V."),
          (r"\bLTD\.?", "Limited"), (r"\bLLC\b", "L.L.C."), (r"\bINC\.?", "Incorporated")]


def variant(name: str, i: int) -> str:
    """Another way to write an entity name: legal form, case and punctuation."""
    out = name
    for pattern, repl in _FORMS:
        new = re.sub(pattern, repl, out)
        if new != out:
            out = new
            break
    out = out.title() if i % 2 else out.upper()
    return out.replace(",", "") if i % 3 == 0 else out


def person_variant(name: str, i: int) -> str:
    last, _, first = name.partition(",")
    if not first:
        return name.title()
    surnames = last.split()
    if i % 3 == 0 and len(surnames) > 1:
        surnames = surnames[:1]         # the second surname left out
    out = f"{first.strip()} {' '.join(surnames)}"
    return out.lower() if i % 4 == 0 else out.title()


def main() -> None:
    entries = parse_ofac({"sdn": EXTRACT.read_text(encoding="utf-8")})
    rows: list[tuple[str, str, str, int, str]] = []
    skipped = 0
    for i, e in enumerate(entries):
        if e.kind not in ("company", "person"):
            continue
        words = {w for w in re.findall(r"\w{4,}", e.name.lower())}
        for alias in e.names[1:]:
            if words & set(re.findall(r"\w{4,}", alias.lower())):
                rows.append((e.kind, e.name, alias, 1, "ofac-aka"))
            else:
                skipped += 1
        if e.kind == "company":
            rows.append(("company", e.name, variant(e.name, i), 1, "ofac-form"))
        else:
            rows.append(("person", e.name, person_variant(e.name, i), 1, "ofac-form"))
    rows += [(k, a, b, 1, "chinese") for k, a, b in HAND_POSITIVE]
    companies = [e for e in entries if e.kind == "company"]
    by_group: dict[str, list[str]] = {}
    for e in companies:
        parts = company_parts(e.name)
        for g in (*parts.industry, *parts.places):
            by_group.setdefault(g, []).append(e.name)
    negatives = set()
    for names in by_group.values():
        pairs = ((a, b) for a, b in itertools.combinations(sorted(set(names)), 2)
                 # two entries with one trade name are no "different trade name" negative
                 if company_parts(a).trade != company_parts(b).trade)
        for a, b in itertools.islice(pairs, 12):
            negatives.add(("company", a, b))
    persons = [e for e in entries if e.kind == "person"]
    by_surname: dict[str, list[str]] = {}
    for e in persons:
        by_surname.setdefault(e.name.partition(",")[0], []).append(e.name)
    for names in by_surname.values():
        for a, b in itertools.combinations(sorted(names), 2):
            negatives.add(("person", a, b))
    rows += [(k, a, b, 0, "ofac-hard-negative") for k, a, b in sorted(negatives)]
    rows += [(k, a, b, 0, "hand-hard-negative") for k, a, b in HAND_NEGATIVE]
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["kind", "a", "b", "same", "source"])
        w.writerows(rows)
    print(f"{len(rows)} pairs written to {OUT.name}; {skipped} OFAC nicknames/acronyms left out")


if __name__ == "__main__":
    main()
