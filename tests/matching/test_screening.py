"""Sanctions lists as published, and screening against them, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from pypdf import PdfReader

from tests.cli.inproc import run

SDN_ROWS = [
    '36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ',
    '90001,"NORTHWIND PRECURSOR TRADING CO., LTD.",-0- ,"ILLICIT-DRUGS-EO14059",-0- ,-0- ,-0- ,'
    '-0- ,-0- ,-0- ,-0- ,"Website www.northwind-chem.example; Email Address '
    'sales@northwind-chem.example; Phone Number 8613912345678; a.k.a. \'NW CHEM\'."',
    '90002,"LOPEZ RAMOS, Ana Maria",individual,"SDNTK",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"DOB 01 Jan 1980; nationality Mexico."',
    "\x1a",
]
ADD_ROWS = ['90001,101,"Room 5",-0- ,"China",-0- ', '90002,102,-0- ,"Culiacan","Mexico",-0- ']
ALT_ROWS = ['90001,201,"aka","BEIFENG QIANTI MAOYI YOUXIAN GONGSI",-0- ']
UN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-11-01T00:00:00">
 <INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>IVAN</FIRST_NAME>
  <SECOND_NAME>PETROV</SECOND_NAME><UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
  <REFERENCE_NUMBER>KPi.001</REFERENCE_NUMBER><NATIONALITY><VALUE>Russian Federation</VALUE>
  </NATIONALITY><INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Vanya Petrov</ALIAS_NAME>
  </INDIVIDUAL_ALIAS></INDIVIDUAL></INDIVIDUALS>
 <ENTITIES><ENTITY><DATAID>2</DATAID><FIRST_NAME>KORYO BIOTECHNOLOGY TRADING CORPORATION</FIRST_NAME>
  <UN_LIST_TYPE>DPRK</UN_LIST_TYPE><REFERENCE_NUMBER>KPe.002</REFERENCE_NUMBER>
  <ENTITY_ALIAS><ALIAS_NAME>Koryo Bio-Tech</ALIAS_NAME></ENTITY_ALIAS>
  <ENTITY_ADDRESS><COUNTRY>Democratic People's Republic of Korea</COUNTRY></ENTITY_ADDRESS>
 </ENTITY></ENTITIES>
</CONSOLIDATED_LIST>
"""


def _write(path: Path, rows: list[str]) -> Path:
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    return path


def test_lists_as_published_and_screening_with_explanations(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    run("case", "new", "--ref", "CASE-A", "--title", "A", db=db)
    # The preloaded extract is there from the start.
    lists = json.loads(run("lists", "--json", db=db).stdout)
    assert lists == [{"name": "OFAC SDN (illicit drugs, EO 14059)", "published": "2024-05-03",
                      "entries": 293}]
    files = [_write(tmp_path / "sdn.csv", SDN_ROWS), _write(tmp_path / "add.csv", ADD_ROWS),
             _write(tmp_path / "alt.csv", ALT_ROWS)]
    out = run("lists", "import", *map(str, files), "--name", "OFAC SDN test", db=db).stdout
    assert "Loaded OFAC SDN test" in out and "3 entries" in out
    (tmp_path / "un.xml").write_text(UN_XML, encoding="utf-8")
    run("lists", "import", str(tmp_path / "un.xml"), db=db)
    lists = {x["name"]: x for x in json.loads(run("lists", "--json", db=db).stdout)}
    assert lists["UN Security Council consolidated list"]["published"] == "2026-11-01"
    assert lists["UN Security Council consolidated list"]["entries"] == 2

    (tmp_path / "c.csv").write_text(
        "name,country,phones\n"
        "Northwind Precursor Trading Company Limited,CN,\n"        # legal-form variant
        "北风前体贸易有限公司,CN,\n"                  # Han form of the pinyin alias in alt.csv
        "Some Other Forwarder Ltd,CN,+86 139 1234 5678\n"          # phone from the remarks
        "Hubei Vast Chemical Co Ltd,CN,\n"                         # on the preloaded extract
        "Koryo Biotech Trading Corp,KP,\n", encoding="utf-8")
    run("import-csv", "companies", str(tmp_path / "c.csv"), "--case", "CASE-A", db=db)
    (tmp_path / "p.csv").write_text("full_name,nationality\nAna Maria Lopez Ramos,MX\n",
                                    encoding="utf-8")
    run("import-csv", "persons", str(tmp_path / "p.csv"), "--case", "CASE-A", db=db)

    doc = json.loads(run("screen", "--case", "CASE-A", "--json", db=db).stdout)
    assert {x["name"] for x in doc["lists"]} == set(lists)
    hits = {(h["record"]["name"], h["entry"]["name"]): h for h in doc["hits"]}
    northwind = hits[("Northwind Precursor Trading Company Limited",
                      "NORTHWIND PRECURSOR TRADING CO., LTD.")]
    assert northwind["score"] >= 0.95 and northwind["entry"]["list"] == "OFAC SDN test"
    assert northwind["record"] == {"kind": "company", "uid": northwind["record"]["uid"],
                                   "name": "Northwind Precursor Trading Company Limited",
                                   "case": "CASE-A"}
    assert set(northwind["entry"]) == {"list", "id", "name", "program"}
    assert any(f["feature"] == "name" and "the same" in f["detail"]
               for f in northwind["explanation"])
    assert ("Some Other Forwarder Ltd", "NORTHWIND PRECURSOR TRADING CO., LTD.") in hits
    assert {"feature": "phone", "score": 0.9, "detail": "same phone +8613912345678"} in hits[
        ("Some Other Forwarder Ltd", "NORTHWIND PRECURSOR TRADING CO., LTD.")]["explanation"]
    assert ("Hubei Vast Chemical Co Ltd", "HUBEI VAST CHEMICAL CO., LIMITED") in hits
    assert ("Koryo Biotech Trading Corp", "KORYO BIOTECHNOLOGY TRADING CORPORATION") in hits
    assert ("Ana Maria Lopez Ramos", "LOPEZ RAMOS, Ana Maria") in hits
    assert hits[("北风前体贸易有限公司", "NORTHWIND PRECURSOR TRADING CO., LTD.")]["score"] == 1.0
    assert all(0 <= h["score"] <= 1 and h["decision"] is None for h in doc["hits"])

    # A hit is a lead: `sanctioned` changes only by the analyst's decision, audited.
    shown = json.loads(run("case", "show", "CASE-A", "--json", db=db).stdout)
    assert not any(c["sanctioned"] for c in shown["companies"])
    run("decide", "company", "Hubei Vast Chemical Co Ltd",
        "OFAC SDN (illicit drugs, EO 14059):45393", "same", db=db)
    shown = json.loads(run("case", "show", "CASE-A", "--json", db=db).stdout)
    vast = next(c for c in shown["companies"] if c["name"].startswith("Hubei Vast"))
    assert vast["sanctioned"] and "45393" in vast["sanctions_note"]
    doc = json.loads(run("screen", "--json", db=db).stdout)
    assert {h["decision"] for h in doc["hits"]
            if h["record"]["name"].startswith("Hubei Vast")} == {"same"}
    run("decide", "company", "Hubei Vast Chemical Co Ltd",
        "OFAC SDN (illicit drugs, EO 14059):45393", "different", db=db)
    shown = json.loads(run("case", "show", "CASE-A", "--json", db=db).stdout)
    assert not any(c["sanctioned"] for c in shown["companies"])

    pdf = tmp_path / "a.pdf"
    run("report", "CASE-A", "-o", str(pdf), db=db)
    printed = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages)
    assert "Sanctions screening" in printed
    assert "UN Security Council consolidated list (published 2026-11-01, 2 entries)" in printed
    assert "KORYO BIOTECHNOLOGY TRADING CORPORATION" in printed and "different" in printed


def test_a_file_that_is_no_list_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    run("init", db=db)
    bad = tmp_path / "x.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    proc = run("lists", "import", str(bad), db=db, check=1)
    assert "neither OFAC" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("lists", "import", str(_write(tmp_path / "add.csv", ADD_ROWS)), db=db, check=1)
    assert "needs its sdn.csv" in proc.stderr
    assert len(json.loads(run("lists", "--json", db=db).stdout)) == 1
