"""Services: add, edit, delete, restore, list, show; validation; change log and audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from caseapp.errors import ConflictError, NotFoundError, ValidationError
from caseapp.services.records import ListQuery
from caseapp.services.verify import verify_database
from tests import rawdb


@pytest.fixture
def case(ws: Any) -> Any:
    ws.cases.add({"ref": "CASE-1", "title": "Parcels of NPP", "lead_investigator": "J. Ortiz"})
    ws.companies.add({"name": "Hubei Ruiyang Chemical", "name_original": "湖北瑞阳化工",
                      "country": "cn", "roles": "supplier;manufacturer",
                      "phones": "+86 27 5555 0101"}, case="CASE-1")
    ws.shipments.add({"ref": "SH-1", "mode": "postal", "shipper": "Hubei Ruiyang Chemical",
                      "origin_country": "CN", "transit_countries": "HK;NL",
                      "destination_country": "US", "declared_description": "dog food"},
                     case="CASE-1")
    return ws


def seizure(**over: str) -> dict[str, str]:
    values = {"exhibit_ref": "EX-1", "seized_on": "2026-03-02", "substance": "NPP",
              "net_quantity": "2.5", "unit": "kg", "purity_percent": "80", "shipment": "SH-1",
              "country": "US", "place": "JFK International Mail Facility"}
    values.update(over)
    return values


def test_add_seizure_resolves_references_and_derives_mass(case: Any) -> None:
    rec = case.seizures.add(seizure(), case="CASE-1")
    npp = case.substances.lookup("1-phenethyl-4-piperidone")
    assert rec.substance == npp.uid
    assert rec.shipment == case.shipments.find("SH-1", case="CASE-1").uid
    assert rec.net_quantity == Decimal("2.5") and rec.purity_percent == Decimal("80")
    detail = case.cases.show("CASE-1")
    fig = detail.figures.substances[0]
    assert (fig.net_kg, fig.pure_kg, fig.purity_known) == (Decimal("2.5"), Decimal("2"), 1)
    assert detail.figures.fentanyl_yield_kg == Decimal("2.5") * Decimal("0.8") * \
        Decimal("1.655") * Decimal("0.5")


def test_company_named_by_a_shipment_joins_the_case(case: Any) -> None:
    companies = case.companies.list_all(ListQuery(case_uid=case.cases.find("CASE-1").uid))
    assert [c.name for c in companies] == ["Hubei Ruiyang Chemical"]
    assert companies[0].name_original == "湖北瑞阳化工"
    assert companies[0].country == "CN"


@pytest.mark.parametrize("over, field, words", [
    ({"seized_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "seized_on",
     "in the future"),
    ({"net_quantity": "-3"}, "net_quantity", "cannot be negative"),
    ({"net_quantity": "900", "unit": "L", "purity_percent": ""}, None, None),
    ({"net_quantity": "400000", "unit": "kg"}, "net_quantity", "plausible"),
    ({"purity_percent": "130"}, "purity_percent", "between 0 and 100"),
    ({"substance": "ANNP"}, "substance", "Did you mean"),
    ({"country": "XX"}, "country", "not a country code"),
    ({"unit": "bushel"}, "unit", "not one of"),
    ({"seized_on": "31/02/2026"}, "seized_on", "YYYY-MM-DD"),
])
def test_seizure_validation_messages(case: Any, over: dict[str, str], field: str | None,
                                     words: str | None) -> None:
    if field is None:
        assert case.seizures.add(seizure(**over), case="CASE-1").unit == "L"
        return
    with pytest.raises(ValidationError) as info:
        case.seizures.add(seizure(**over), case="CASE-1")
    assert words in info.value.field_errors[field]
    assert case.seizures.list_page(ListQuery()).total == 0


def test_invalid_cas_is_refused_when_adding_a_substance(ws: Any) -> None:
    with pytest.raises(ValidationError, match="check digit"):
        ws.substances.add({"name": "New designer precursor", "kind": "precursor",
                           "cas": "21409-26-8"})
    added = ws.substances.add({"name": "New designer precursor", "kind": "precursor",
                               "cas": "50 00 0"})
    assert added.cas == "50-00-0"


def test_relation_must_fit_the_kinds_it_links(case: Any) -> None:
    with pytest.raises(ValidationError, match="links company or person to substance"):
        case.links.add({"subject_kind": "shipment", "subject": "SH-1", "relation": "offers",
                        "object_kind": "substance", "object": "NPP"}, case="CASE-1")
    link = case.links.add({"subject_kind": "company", "subject": "Hubei Ruiyang Chemical",
                           "relation": "offers", "object_kind": "substance", "object": "NPP",
                           "source_reliability": "B", "info_credibility": "2"}, case="CASE-1")
    assert link.object == case.substances.lookup("NPP").uid


def test_duplicate_exhibit_in_a_case_is_a_conflict(case: Any) -> None:
    case.seizures.add(seizure(), case="CASE-1")
    with pytest.raises(ConflictError, match="already used"):
        case.seizures.add(seizure(), case="CASE-1")


def test_edit_delete_restore_round_trip_and_audit(case: Any) -> None:
    case.seizures.add(seizure(), case="CASE-1")
    edited = case.seizures.edit("EX-1", {"purity_percent": "75.5"}, case="CASE-1")
    assert edited.purity_percent == Decimal("75.5")
    assert case.seizures.delete("EX-1", case="CASE-1").deleted
    assert case.seizures.list_page(ListQuery()).total == 0
    assert case.seizures.list_page(ListQuery(include_deleted=True)).total == 1
    assert not case.seizures.restore("EX-1", case="CASE-1").deleted
    with pytest.raises(ConflictError):
        case.seizures.restore("EX-1", case="CASE-1")
    with case.db.read() as s:
        from sqlalchemy import select

        from caseapp.db.models import AuditEntry
        actions = [r for r in s.execute(select(AuditEntry.action, AuditEntry.changes)
                                        .where(AuditEntry.kind == "seizure")).all()]
    assert [a for a, _ in actions] == ["create", "update", "delete", "restore"]
    assert actions[1][1] == {"purity_percent": ["80", "75.5"]}


def test_unknown_field_and_unknown_record_are_clear_errors(case: Any) -> None:
    with pytest.raises(ValidationError, match="no field 'colour'"):
        case.cases.edit("CASE-1", {"colour": "red"})
    with pytest.raises(NotFoundError, match="No case 'CASE-9'"):
        case.cases.edit("CASE-9", {"title": "x"})


def test_list_page_sorts_and_filters_in_sql(case: Any) -> None:
    for i, (day, place) in enumerate([("2026-01-05", "Port of Manzanillo"),
                                      ("2026-02-01", "JFK mail facility"),
                                      ("2025-12-24", "Port of Manzanillo")]):
        case.seizures.add(seizure(exhibit_ref=f"EX-{i}", seized_on=day, place=place),
                          case="CASE-1")
    page = case.seizures.list_page(ListQuery(sort="seized_on", descending=True, limit=2))
    assert page.total == 3
    assert [r.exhibit_ref for r in page.records] == ["EX-1", "EX-0"]
    port = case.seizures.list_page(ListQuery(text="manzanillo", sort="seized_on"))
    assert [r.exhibit_ref for r in port.records] == ["EX-2", "EX-0"]
    with pytest.raises(ValidationError):
        case.seizures.list_page(ListQuery(sort="1; DROP TABLE seizures"))


def test_tables_rebuild_from_the_change_log(case: Any) -> None:
    case.seizures.add(seizure(), case="CASE-1")
    case.seizures.edit("EX-1", {"place": "Port of Long Beach", "purity_percent": ""},
                       case="CASE-1")
    case.seizures.delete("EX-1", case="CASE-1")
    case.seizures.restore("EX-1", case="CASE-1")
    case.companies.edit("Hubei Ruiyang Chemical", {"aliases": "Ruiyang;RY Chem"})
    report = verify_database(case.db)
    assert report.ok, report.first_problem
    assert "records rebuilt" in report.checks[-1].summary


def test_a_row_changed_behind_the_log_is_found(case: Any, db_path: Path) -> None:
    case.seizures.add(seizure(), case="CASE-1")
    con = rawdb.connect(db_path)
    con.execute("UPDATE seizures SET purity_percent = 99")
    con.commit()
    report = verify_database(case.db)
    assert not report.ok
    assert "purity_percent" in (report.first_problem or "")


def test_a_hand_edited_audit_entry_breaks_the_chain(case: Any, db_path: Path) -> None:
    con = rawdb.connect(db_path)
    con.execute("DROP TRIGGER audit_entries_no_update")
    con.execute("UPDATE audit_entries SET actor='mallory' WHERE seq=3")
    con.commit()
    report = verify_database(case.db)
    assert not report.ok
    assert report.first_problem is not None and "audit entry 3" in report.first_problem


def test_a_failed_unit_of_work_writes_nothing(case: Any) -> None:
    from sqlalchemy import func, select

    from caseapp.db.models import AuditEntry, Op
    def counts() -> tuple[int, int]:
        with case.db.read() as s:
            return (s.execute(select(func.count()).select_from(Op)).scalar_one(),
                    s.execute(select(func.count()).select_from(AuditEntry)).scalar_one())
    before = counts()
    with pytest.raises(ValidationError), case.unit() as uow:
        case.seizures.add_in(uow, seizure(), case_uid=case.cases.find("CASE-1").uid)
        case.seizures.add_in(uow, seizure(exhibit_ref="EX-2", net_quantity="-1"),
                             case_uid=case.cases.find("CASE-1").uid)
    assert counts() == before
    assert case.seizures.list_page(ListQuery()).total == 0
