"""export-stix: valid by stix2-validator (0 errors) on the demo cases and on hostile text,
deterministic ids, the Admiralty grading kept, byte-identical re-export, an audit entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from stix2validator import ValidationOptions, validate_instance

from caseapp.services.stix_export import (
    CASEAPP_IDENTITY,
    EXTENSION,
    SEIZURE,
    SHIPMENT,
    StixExportService,
    stix_id,
)
from tests.cli.inproc import run
from tests.interchange.helpers import CJK, FORMULAS, HOSTILE_REF, MARKUP, RTL, hostile_case

DEMOS = ("CASE-2026-0007", "CASE-2026-0011")
# What the validator may still say: ids are UUIDv5 (deterministic, as the issue asks) where
# it suggests v4 (103), and caseapp's relationship types are not in STIX's list (202).
ALLOWED_WARNINGS = {"103", "202"}


def validate(bundle: dict[str, Any]) -> list[str]:
    """Errors of the bundle (must be none); asserts only the expected warnings remain."""
    result = validate_instance(bundle, ValidationOptions(version="2.1"))
    for warning in result.warnings or ():
        code = str(warning).split("{", 1)[1].split("}", 1)[0]
        assert code in ALLOWED_WARNINGS, str(warning)
    errors = [str(e) for e in result.errors or ()]
    assert result.is_valid == (not errors)
    return errors


def export(ws: Any, ref: str, out: Path) -> dict[str, Any]:
    StixExportService(ws).export(ref, out)
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("ref", DEMOS)
def test_demo_cases_validate(demo_ws: Any, tmp_path: Path, ref: str) -> None:
    bundle = export(demo_ws, ref, tmp_path / "b.json")
    assert validate(bundle) == []
    detail = demo_ws.cases.show(ref)
    types = [o["type"] for o in bundle["objects"]]
    assert types.count(SEIZURE) == len(detail.seizures)
    assert types.count(SHIPMENT) == len(detail.shipments)
    assert types.count("note") == len(detail.notes) and types.count("grouping") == 1
    assert types.count("extension-definition") == 1
    rels = [o for o in bundle["objects"] if o["type"] == "relationship"
            and o["relationship_type"] != "located-at"]
    assert len(rels) == len(detail.links)
    # Every reference a record makes arrives as a _ref to an object of the bundle.
    ids = {o["id"] for o in bundle["objects"]}
    for shipment in detail.shipments:
        obj = next(o for o in bundle["objects"] if o["id"] == stix_id(SHIPMENT, shipment.uid))
        for name in ("shipper", "consignee", "carrier"):
            assert (f"{name}_ref" in obj) == bool(getattr(shipment, name))
            assert obj.get(f"{name}_ref", CASEAPP_IDENTITY) in ids
    for seizure in detail.seizures:
        obj = next(o for o in bundle["objects"] if o["id"] == stix_id(SEIZURE, seizure.uid))
        assert obj["substance_ref"] in ids
    # The handling marking travels on every object of the case.
    marking = next(o for o in bundle["objects"] if o["type"] == "marking-definition")
    assert marking["definition"] == {"statement": detail.case.handling}
    case_objects = [o for o in bundle["objects"] if o["type"] not in (
        "marking-definition", "extension-definition") and o["id"] != CASEAPP_IDENTITY]
    assert all(o["object_marking_refs"] == [marking["id"]] for o in case_objects)


def test_hostile_text_validates_and_survives(ws: Any, tmp_path: Path) -> None:
    uids = hostile_case(ws)
    bundle = export(ws, HOSTILE_REF, tmp_path / "h.json")
    assert validate(bundle) == []
    by_id = {o["id"]: o for o in bundle["objects"]}
    company = by_id[stix_id("identity", uids["a"])]
    assert company["name"] == FORMULAS[0] and company["identity_class"] == "organization"
    ext = company["extensions"][EXTENSION]
    assert ext["name_original"] == CJK and ext["aliases"] == [RTL, MARKUP]
    assert ext["sanctioned"] is True and ext["registration_no"] == "91310000MA1K4XXXX"
    seizure = by_id[stix_id(SEIZURE, uids["seizure"])]
    assert seizure["place"] == RTL and seizure["concealment"] == FORMULAS[0]
    assert seizure["shipment_ref"] == stix_id(SHIPMENT, uids["shipment"])
    assert seizure["net_quantity"] == "12" and seizure["unit"] == "kg"
    place = by_id[seizure["location_ref"]]
    assert place["name"] == RTL and place["latitude"] == -23.5 and place["country"] == "MX"
    shipment = by_id[stix_id(SHIPMENT, uids["shipment"])]
    assert shipment["shipper_ref"] == stix_id("identity", uids["a"])
    assert shipment["transit_countries"] == ["HK", "DE"]
    # The Admiralty grading: kept as letters in the extension and as STIX confidence.
    officer = by_id[stix_id("relationship", uids["link0"])]
    assert officer["relationship_type"] == "officer-of" and officer["confidence"] == 70
    assert officer["extensions"][EXTENSION]["source_reliability"] == "B"
    assert officer["extensions"][EXTENSION]["info_credibility"] == "2"
    assert officer["start_time"] == "2025-01-01T00:00:00Z"
    assert officer["stop_time"] == "2026-01-02T00:00:00Z"
    owns = by_id[stix_id("relationship", uids["link1"])]
    assert "confidence" not in owns and owns["extensions"][EXTENSION]["info_credibility"] == "6"
    same_day = by_id[stix_id("relationship", uids["link2"])]
    assert same_day["stop_time"] > same_day["start_time"]  # STIX: stop after start
    notes = [o for o in bundle["objects"] if o["type"] == "note"]
    assert {tuple(n["object_refs"]) for n in notes} == {
        (stix_id("grouping", ws.cases.find(HOSTILE_REF).uid),),
        (stix_id("identity", uids["a"]),)}


def test_reexport_is_byte_identical_and_an_edit_keeps_the_ids(demo_ws: Any,
                                                              tmp_path: Path) -> None:
    ref = DEMOS[0]
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    StixExportService(demo_ws).export(ref, first)
    StixExportService(demo_ws).export(ref, second)
    assert first.read_bytes() == second.read_bytes()
    seizure = demo_ws.seizures.find("EX-0007-01", case=ref)
    demo_ws.seizures.edit(seizure.uid, {"notes": "re-weighed"})
    after = export(demo_ws, ref, tmp_path / "3.json")
    before = json.loads(first.read_text(encoding="utf-8"))
    assert [o["id"] for o in after["objects"]] == [o["id"] for o in before["objects"]]
    edited = next(o for o in after["objects"] if o["id"] == stix_id(SEIZURE, seizure.uid))
    assert edited["notes"] == "re-weighed" and edited["modified"] >= edited["created"]


def test_deleted_records_are_not_exported(demo_ws: Any, tmp_path: Path) -> None:
    ref = DEMOS[0]
    seizure = demo_ws.seizures.find("EX-0007-01", case=ref)
    demo_ws.seizures.delete(seizure.uid)
    bundle = export(demo_ws, ref, tmp_path / "b.json")
    assert stix_id(SEIZURE, seizure.uid) not in {o["id"] for o in bundle["objects"]}
    assert validate(bundle) == []


def test_cli_export_stix_and_its_audit_entry(demo_ws: Any, db_path: Path,
                                             tmp_path: Path) -> None:
    out = tmp_path / "case.json"
    proc = run("export-stix", DEMOS[1], "-o", str(out), "--json", db=db_path)
    result = json.loads(proc.stdout)
    assert result["format"] == "stix" and result["records"] == len(
        json.loads(out.read_text(encoding="utf-8"))["objects"])
    from caseapp.services.history import HistoryService

    entry = HistoryService(demo_ws).page(demo_ws.cases.find(DEMOS[1]).uid, limit=1)[0]
    assert entry.action == "export" and "case.json" in entry.summary
    assert f"{result['records']} STIX objects" in entry.summary
    bad = run("export-stix", "NOPE", "-o", str(out), db=db_path, check=1)
    assert "No case 'NOPE'" in bad.stderr


def test_the_validator_catches_a_broken_bundle(ws: Any, tmp_path: Path) -> None:
    """The check above can fail: a relationship that stops when it starts, or an identity
    without a name, is an error."""
    uids = hostile_case(ws)
    bundle = export(ws, HOSTILE_REF, tmp_path / "h.json")
    rel = next(o for o in bundle["objects"] if o["id"] == stix_id("relationship", uids["link0"]))
    rel["stop_time"] = rel["start_time"]
    assert validate(bundle)
    rel["stop_time"] = "2026-01-02T00:00:00Z"
    company = next(o for o in bundle["objects"] if o["id"] == stix_id("identity", uids["a"]))
    del company["name"]
    assert validate(bundle)
