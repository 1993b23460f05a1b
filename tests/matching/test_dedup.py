"""Possible duplicates, scored and explained; decisions travel in bundles."""

from __future__ import annotations

import json
from pathlib import Path

from caseapp.services.bundles import BundleService
from tests.cli.inproc import run
from tests.sync.helpers import open_ws, trust

LTD = "HARBOURLINE SWIFTLINK LOGISTICS LTD"
LIMITED = "Harbourline Swiftlink Logistics Limited"


def _pairs(doc: dict) -> set[frozenset[str]]:
    return {frozenset((c["a"]["name"], c["b"]["name"])) for c in doc["candidates"]}


def test_a_different_decision_travels_and_stops_the_proposal_on_the_other_side(
        tmp_path: Path) -> None:
    a, b = open_ws(tmp_path / "a.db", "alice"), open_ws(tmp_path / "b.db", "bob")
    trust(a, b)
    trust(b, a)
    try:
        a.cases.add({"ref": "CASE-A", "title": "A"})
        a.companies.add({"name": LTD, "country": "HK"}, case="CASE-A")
        a.companies.add({"name": LIMITED, "country": "HK", "phones": "+852 2345 6789"},
                        case="CASE-A")
        a.companies.add({"name": "Harbour Star Shipping Ltd", "country": "HK"}, case="CASE-A")
        BundleService(a).export_case("CASE-A", tmp_path / "1.bundle")
        BundleService(b).import_bundle(tmp_path / "1.bundle")
        on_b = b.dedup.candidates_json(("company",))
        assert _pairs(on_b) == {frozenset((LTD, LIMITED))}
        cand = on_b["candidates"][0]
        assert cand["score"] == 1.0 and cand["a"]["case"] == "CASE-A"
        assert any(f["feature"] == "name" and "trade name" in f["detail"]
                   for f in cand["explanation"])

        a.dedup.decide("company", LTD, LIMITED, "different")
        assert a.dedup.candidates_json(("company",))["candidates"] == []
        BundleService(a).export_case("CASE-A", tmp_path / "2.bundle")
        BundleService(b).import_bundle(tmp_path / "2.bundle")
        assert b.dedup.candidates_json(("company",))["candidates"] == []
        # Undone (unsure): proposed again.
        b.dedup.decide("company", LTD, LIMITED, "unsure")
        assert _pairs(b.dedup.candidates_json(("company",))) == {frozenset((LTD, LIMITED))}
    finally:
        a.close()
        b.close()


def test_dedup_and_decide_through_the_cli(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    for ref in ("CASE-A", "CASE-B"):
        run("case", "new", "--ref", ref, "--title", ref, db=db)
    (tmp_path / "a.csv").write_text("name,country\n湖北精奥生物科技有限公司,CN\n", "utf-8")
    (tmp_path / "b.csv").write_text("name,country\nHubei Jingao Biotechnology Co Ltd,CN\n"
                                    "Hubei Jinhua Biotech Co Ltd,CN\n", "utf-8")
    (tmp_path / "p.csv").write_text("full_name,nationality\n王伟,CN\n", "utf-8")
    (tmp_path / "q.csv").write_text("full_name,nationality\nWANG Wei,CN\n", "utf-8")
    run("import-csv", "companies", str(tmp_path / "a.csv"), "--case", "CASE-A", db=db)
    run("import-csv", "companies", str(tmp_path / "b.csv"), "--case", "CASE-B", db=db)
    run("import-csv", "persons", str(tmp_path / "p.csv"), "--case", "CASE-A", db=db)
    run("import-csv", "persons", str(tmp_path / "q.csv"), "--case", "CASE-B", db=db)
    doc = json.loads(run("dedup", "--json", db=db).stdout)
    assert _pairs(doc) == {frozenset(("湖北精奥生物科技有限公司", "Hubei Jingao Biotechnology Co Ltd")),
                           frozenset(("王伟", "WANG Wei"))}
    for c in doc["candidates"]:
        assert set(c) == {"a", "b", "score", "explanation"}
        assert set(c["a"]) == {"kind", "uid", "name", "case"} and 0 <= c["score"] <= 1
    only = json.loads(run("dedup", "--kind", "person", "--case", "CASE-B", "--json",
                          db=db).stdout)
    assert _pairs(only) == {frozenset(("王伟", "WANG Wei"))}

    run("decide", "company", "湖北精奥生物科技有限公司", "Hubei Jingao Biotechnology Co Ltd", "same",
        db=db)
    assert "No possible duplicates" not in run("dedup", db=db).stdout  # persons remain
    seen = json.loads(run("seen", "company", "湖北精奥生物科技有限公司", "--json", db=db).stdout)
    assert ("CASE-B", "decision") in {(e["case"], e["matched_on"]) for e in seen["seen_in"]}
    proc = run("decide", "company", "Nobody", "Hubei Jinhua Biotech Co Ltd", "same", db=db,
               check=1)
    assert "No company" in proc.stderr
