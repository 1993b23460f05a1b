"""export-ftm / import-ftm: every entity builds with the followthemoney model and keeps every
value (FtM drops invalid ones silently: pitfalls.md 11), deterministic byte-identical output,
and an import through the CSV import's path, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from followthemoney import model

from caseapp.errors import ValidationError
from caseapp.services.ftm_export import FtmExportService, ftm_id
from caseapp.services.ftm_import import FtmImporter
from caseapp.services.records import ListQuery
from caseapp.services.workspace import Workspace
from tests.cli.inproc import run
from tests.interchange.helpers import CJK, FORMULAS, HOSTILE_REF, MARKUP, RTL, hostile_case

DEMOS = ("CASE-2026-0007", "CASE-2026-0011")


def export(ws: Any, ref: str, out: Path) -> list[dict[str, Any]]:
    FtmExportService(ws).export(ref, out)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def check_with_ftm(entities: list[dict[str, Any]]) -> None:
    """Each entity builds with the FtM model, keeps every value (compared before and after
    FtM cleans them), and every entity it names is in the file."""
    ids = {e["id"] for e in entities}
    for entity in entities:
        proxy = model.get_proxy(entity, cleaned=False)  # cleans like any FtM consumer
        after = proxy.to_dict()["properties"]
        for prop, values in entity["properties"].items():
            assert len(after.get(prop, [])) == len(values), (entity["schema"], prop, values,
                                                            after.get(prop))
            if proxy.schema.properties[prop].type.name == "entity":
                assert set(values) <= ids, (entity["schema"], prop)


@pytest.mark.parametrize("ref", DEMOS)
def test_demo_cases_build_and_keep_every_value(demo_ws: Any, tmp_path: Path, ref: str) -> None:
    entities = export(demo_ws, ref, tmp_path / "c.ftm.json")
    check_with_ftm(entities)
    detail = demo_ws.cases.show(ref)
    schemata = [e["schema"] for e in entities]
    assert schemata.count("EconomicActivity") == len(detail.shipments)
    assert schemata.count("Event") == len(detail.seizures)
    assert schemata.count("Person") == len(detail.persons)
    # The demo's fictional phone numbers are not valid numbers: FtM would drop them, so they
    # are kept as a description line instead.
    text = "\n".join(d for e in entities for d in e["properties"].get("description", []))
    assert "phones: +852 5550 4182" in text


def test_hostile_text_keeps_every_value(ws: Any, tmp_path: Path) -> None:
    uids = hostile_case(ws)
    entities = export(ws, HOSTILE_REF, tmp_path / "h.ftm.json")
    check_with_ftm(entities)
    by_id = {e["id"]: e for e in entities}
    company = by_id[ftm_id("company", uids["a"])]["properties"]
    assert company["name"] == [FORMULAS[0], CJK] and company["alias"] == [RTL, MARKUP]
    assert company["topics"] == ["sanction"] and company["country"] == ["cn"]
    address = by_id[company["addressEntity"][0]]["properties"]
    assert address["street"] == [FORMULAS[1]] and address["city"] == ["上海"]
    sanction = by_id[ftm_id("sanction", uids["a"])]["properties"]
    assert sanction == {"entity": [ftm_id("company", uids["a"])], "reason": ["-2+3"]}
    shipment = by_id[ftm_id("shipment", uids["shipment"])]["properties"]
    assert shipment["sender"] == [ftm_id("company", uids["a"])]
    assert shipment["vedCode"] == ["2933.39"] and shipment["recordId"] == ["SH-=1+1"]
    assert "transit_countries: HK, DE" in shipment["description"][0]
    seizure = by_id[ftm_id("seizure", uids["seizure"])]["properties"]
    assert seizure["location"] == [RTL] and "net_quantity: 12" in seizure["description"][0]
    officer = by_id[ftm_id("link", uids["link0"])]
    assert officer["schema"] == "Directorship"
    assert "source reliability B, information credibility 2" in officer["properties"][
        "summary"][0]
    assert by_id[ftm_id("link", uids["link1"])]["schema"] == "Ownership"
    assert by_id[ftm_id("link", uids["link2"])]["properties"]["role"] == ["shares_address"]
    # company -> substance: no FtM schema; a line on the company.
    assert "link: offers N-Phenethyl-4-piperidone (substance)" in company["description"][0]


def test_reexport_is_byte_identical(demo_ws: Any, tmp_path: Path) -> None:
    FtmExportService(demo_ws).export(DEMOS[0], tmp_path / "1.json")
    FtmExportService(demo_ws).export(DEMOS[0], tmp_path / "2.json")
    assert (tmp_path / "1.json").read_bytes() == (tmp_path / "2.json").read_bytes()


def test_import_round_trip(ws: Any, tmp_path: Path) -> None:
    hostile_case(ws)
    out = tmp_path / "h.ftm.json"
    export(ws, HOSTILE_REF, out)
    fresh = Workspace.open(tmp_path / "fresh.db")
    try:
        fresh.cases.add({"ref": "NEW-1", "title": "From FtM"})
        result = FtmImporter(fresh).import_file(out, "NEW-1")
        assert (result.companies_created, result.persons_created) == (2, 1)
        for service in ("companies", "persons"):
            want = sorted(str(r.values()) for r in getattr(ws, service).list_all())
            assert sorted(str(r.values()) for r in getattr(fresh, service).list_all()) == want
        again = FtmImporter(fresh).import_file(out, "NEW-1")
        assert again.duplicates == 3 and again.companies_created == 0
    finally:
        fresh.close()


def write_lines(path: Path, entities: list[Any]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return path


def test_import_is_all_or_nothing(demo_ws: Any, tmp_path: Path) -> None:
    ref = DEMOS[1]
    before = len(demo_ws.companies.list_all())
    good = {"id": "c1", "schema": "Company",
            "properties": {"name": ["New Trading Ltd"], "country": ["hk"]}}
    no_name = {"id": "p1", "schema": "Person", "properties": {"nationality": ["cn"]}}
    bad_date = {"id": "p2", "schema": "Person",
                "properties": {"name": ["Wang Fang"], "birthDate": ["1990-02-30"]}}
    path = write_lines(tmp_path / "bad.ftm.json", [good, no_name, bad_date])
    with pytest.raises(ValidationError) as err:
        FtmImporter(demo_ws).import_file(path, ref)
    assert "nothing was imported" in err.value.message
    assert any(d.startswith("line 2, column full_name") for d in err.value.details)
    assert any(d.startswith("line 3, column date_of_birth") for d in err.value.details)
    assert len(demo_ws.companies.list_all()) == before
    path.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="line 2: not JSON"):
        FtmImporter(demo_ws).import_file(path, ref)
    # A company already stored under that name (docs/matching.md, "known entities") is that
    # record: it joins the case as stored, never overwritten by the file's other values.
    known = demo_ws.companies.list_all()[0]
    clash = {"id": "c2", "schema": "Company",
             "properties": {"name": [known.name.upper()], "registrationNumber": ["OTHER-1"]}}
    FtmImporter(demo_ws).import_file(write_lines(tmp_path / "c.json", [clash]), ref)
    assert demo_ws.companies.get(known.uid).registration_no == known.registration_no
    assert len(demo_ws.companies.list_all()) == before


def test_cli_export_and_import_ftm(demo_ws: Any, db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "case.ftm.json"
    proc = run("export-ftm", DEMOS[0], "-o", str(out), db=db_path)
    assert "FtM entities" in proc.stdout and out.exists()
    demo_ws.cases.add({"ref": "NEW-2", "title": "Partner data"})
    proc = run("import-ftm", str(out), "--case", "NEW-2", "--json", db=db_path)
    result = json.loads(proc.stdout)
    assert result["companies_created"] == 0 and result["duplicates"] == 8
    from caseapp.services.history import HistoryService

    entry = HistoryService(demo_ws).page(demo_ws.cases.find("NEW-2").uid, limit=1)[0]
    assert entry.action == "import" and "import-ftm case.ftm.json" in entry.summary
    in_case = ListQuery(case_uid=demo_ws.cases.find("NEW-2").uid)
    assert len(demo_ws.companies.list_all(in_case)) == 5  # now parties of the new case
    bad = run("import-ftm", str(tmp_path / "missing.json"), "--case", "NEW-2", db=db_path,
              check=1)
    assert "Cannot read" in bad.stderr and "Traceback" not in bad.stderr


def test_every_value_caseapp_types_is_one_ftm_keeps() -> None:
    """What export-ftm puts in a typed property, FtM keeps: every country caseapp accepts,
    and every e-mail and website its stricter tests let through (the rest go to lines)."""
    import pycountry
    from followthemoney.types import registry
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from caseapp.services import ftm_export

    assert [c.alpha_2 for c in pycountry.countries
            if registry.country.clean(c.alpha_2.lower()) is None] == []

    @settings(max_examples=50, deadline=None)
    @given(st.from_regex(ftm_export._EMAIL, fullmatch=True),
           st.from_regex(ftm_export._URL, fullmatch=True))
    def kept(email: str, url: str) -> None:
        assert registry.email.clean(email) is not None, email
        assert registry.url.clean(url) is not None, url

    kept()


def test_values_ftm_would_refuse_become_lines(ws: Any, tmp_path: Path) -> None:
    ws.cases.add({"ref": "ODD-1", "title": "Odd contacts"})
    odd = ws.companies.add({"name": "Odd Ltd", "emails": ["sales@localhost", "ok@odd.example"],
                            "phones": ["12345", "+86 21 5555 0101"],
                            "website": "http://odd.example:8080/shop"}, case="ODD-1")
    entities = export(ws, "ODD-1", tmp_path / "o.ftm.json")
    check_with_ftm(entities)
    props = next(e for e in entities if e["id"] == ftm_id("company", odd.uid))["properties"]
    assert props["email"] == ["ok@odd.example"] and props["phone"] == ["+86 21 5555 0101"]
    lines = props["description"][0].splitlines()
    assert {"emails: sales@localhost; ok@odd.example", "phones: 12345; +86 21 5555 0101",
            "website: http://odd.example:8080/shop"} <= set(lines)
    fresh = Workspace.open(tmp_path / "fresh.db")
    try:
        fresh.cases.add({"ref": "ODD-1", "title": "Odd contacts"})
        FtmImporter(fresh).import_file(tmp_path / "o.ftm.json", "ODD-1")
        back = fresh.companies.find("Odd Ltd")
        assert (back.emails, back.phones, back.website) == (odd.emails, odd.phones,
                                                            odd.website)
        again = FtmImporter(fresh).import_file(tmp_path / "o.ftm.json", "ODD-1")
        assert again.duplicates == 1  # the same values, in the same order
    finally:
        fresh.close()
