"""The demo data set: two linked fictional cases, loaded all or nothing, twice = once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from caseapp.domain.figures import compute_figures
from caseapp.domain.records import CompanyRecord, ShipmentRecord
from caseapp.errors import ConflictError
from caseapp.services.cases import CaseDetail
from caseapp.services.demo import SHARED_PHONE, load_demo
from caseapp.services.overview import OverviewService
from caseapp.services.records import ListQuery
from caseapp.services.reporting import ReportService
from caseapp.services.workspace import Workspace

REF_1 = "CASE-2026-0007"
REF_2 = "CASE-2026-0011"
LATEST_DATE = dt.date(2026, 11, 1)  # demo dates are fixed and well before 2026-11-28


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    monkeypatch.setenv("CASEAPP_HOME", str(tmp_path))
    workspace = Workspace.open(tmp_path / "demo.db")
    yield workspace
    workspace.close()


@pytest.fixture
def loaded(ws: Workspace) -> Workspace:
    result = load_demo(ws)
    assert result.created
    assert result.case_refs == (REF_1, REF_2)
    return ws


def company(detail: CaseDetail, name: str) -> CompanyRecord:
    found = [c for c in detail.companies if c.name == name]
    assert len(found) == 1, f"{name} not in {detail.case.ref}"
    assert isinstance(found[0], CompanyRecord)
    return found[0]


def row_counts(ws: Workspace) -> dict[str, int]:
    everything = ListQuery(include_deleted=True, limit=1)
    return {kind: ws.service(kind).list_page(everything).total
            for kind in ("case", "substance", "company", "person", "shipment", "seizure",
                         "link", "note")}


def test_loads_two_cases_with_their_records(loaded: Workspace) -> None:
    one, two = loaded.cases.show(REF_1), loaded.cases.show(REF_2)
    counts = [(len(d.seizures), len(d.shipments), len(d.companies), len(d.persons),
               len(d.links), len(d.notes)) for d in (one, two)]
    assert counts == [(5, 5, 5, 3, 32, 2), (2, 2, 5, 1, 11, 1)]
    assert one.case.status == "open"
    assert one.case.handling == "LAW ENFORCEMENT SENSITIVE"
    assert one.case.lead_investigator and one.case.agency and one.case.summary
    assert loaded.cases.party_count(one.case.uid) == 8  # 5 companies + 3 persons


def test_case_one_seizes_each_precursor_and_fentanyl(loaded: Workspace) -> None:
    detail = loaded.cases.show(REF_1)
    seized = {detail.substances[s.substance].cas for s in detail.seizures}
    assert seized == {"39742-60-4", "23056-29-3", "79099-07-3", "437-38-7"}
    assert all(s.lab_confirmed and s.lab_ref and s.purity_percent for s in detail.seizures)
    assert {s.country for s in detail.seizures} == {"US", "DE", "MX"}


def test_figures_count_fentanyl_doses_and_yield(loaded: Workspace) -> None:
    figures = loaded.cases.show(REF_1).figures
    # 480 g at 11.5 % = 55.2 g pure = 27,600 doses of 2 mg
    assert figures.fentanyl_pure_kg == Decimal("0.0552")
    assert figures.fentanyl_lethal_doses == 27600
    assert figures.fentanyl_yield_kg > 0
    assert loaded.cases.show(REF_2).figures.fentanyl_yield_kg > 0


def test_one_computation_of_the_figures_for_overview_case_show_and_report(
        loaded: Workspace) -> None:
    """The SQL aggregate per seizure group gives what the records give one by one; the
    Overview, `case show` and the report read that one computation."""
    one = loaded.cases.show(REF_1)
    fentanyl = next(s for s in one.seizures if one.substances[s.substance].cas == "437-38-7")
    base = {"seized_on": "2026-01-02", "substance": fentanyl.substance, "unit": "g"}
    loaded.seizures.add({**base, "exhibit_ref": "EX-SAME-GROUP", "net_quantity": "0.1",
                         "purity_percent": str(fentanyl.purity_percent),
                         "unit": fentanyl.unit}, case=REF_1)
    loaded.seizures.add({**base, "exhibit_ref": "EX-TABLETS", "net_quantity": "120",
                         "unit": "tablets"}, case=REF_1)
    gone = loaded.seizures.add({**base, "exhibit_ref": "EX-GONE", "net_quantity": "9"},
                               case=REF_1)
    loaded.seizures.delete(gone.uid)
    for ref in (REF_1, REF_2):
        detail = loaded.cases.show(ref, include_deleted=True)
        by_record = compute_figures(detail.seizures, detail.substances, detail.basis)
        assert detail.figures == by_record
        assert ReportService(loaded).gather(ref).figures == by_record
        overview = OverviewService(loaded).overview(detail.case.uid).figures
        assert overview == loaded.cases.figures(detail.case.uid, sources=False)
        assert [(f.substance, f.seizures, f.net_kg, f.pure_kg, f.purity_known, f.yield_kg)
                for f in overview.substances] == [
            (f.substance, f.seizures, f.net_kg, f.pure_kg, f.purity_known, f.yield_kg)
            for f in by_record.substances]
        assert (overview.fentanyl_pure_kg, overview.fentanyl_lethal_doses,
                overview.fentanyl_yield_kg) == (by_record.fentanyl_pure_kg,
                                                by_record.fentanyl_lethal_doses,
                                                by_record.fentanyl_yield_kg)
    fig = loaded.cases.figures(one.case.uid)
    fent = next(f for f in fig.substances if f.cas == "437-38-7")
    assert "EX-SAME-GROUP" in fent.exhibits and "EX-GONE" not in fent.exhibits
    assert fent.mass_unknown == 1 and "EX-TABLETS" in fent.exhibits


def test_suppliers_of_both_cases_share_a_phone_number(loaded: Workspace) -> None:
    one, two = loaded.cases.show(REF_1), loaded.cases.show(REF_2)
    lsyh = company(one, "Wuhan Lanshuo Yuanheng Chemical Technology Co., Ltd.")
    kairuo = company(two, "Shenzhen Kairuo Xinda New Material Co., Ltd.")
    assert SHARED_PHONE in lsyh.phones and SHARED_PHONE in kairuo.phones
    shares = [lk for lk in two.links if lk.relation == "shares_contact"]
    assert [(lk.subject, lk.object) for lk in shares] == [(kairuo.uid, lsyh.uid)]
    assert SHARED_PHONE in (shares[0].evidence or "")
    assert lsyh.uid in {c.uid for c in two.companies}  # the link made it a party


def test_the_same_company_ships_in_both_cases(loaded: Workspace) -> None:
    one, two = loaded.cases.show(REF_1), loaded.cases.show(REF_2)

    def shippers(detail: CaseDetail) -> set[str]:
        return {s.shipper for s in detail.shipments
                if isinstance(s, ShipmentRecord) and s.shipper}

    shared = shippers(one) & shippers(two)
    forwarder = company(one, "Harbourline Swiftlink Logistics Limited")
    assert shared == {forwarder.uid}
    assert forwarder.uid in {c.uid for c in two.companies}
    assert "freight_forwarder" in forwarder.roles and forwarder.country == "HK"


def test_original_script_names_round_trip(loaded: Workspace) -> None:
    lsyh = loaded.companies.find("武汉蓝硕元恒化工科技有限公司")
    assert isinstance(lsyh, CompanyRecord)
    assert lsyh.name == "Wuhan Lanshuo Yuanheng Chemical Technology Co., Ltd."
    assert lsyh.name_original == "武汉蓝硕元恒化工科技有限公司"
    assert lsyh.registration_no == "91420100MA4F7KXW3Q"
    assert "LSYH Chem" in lsyh.aliases
    forwarder = loaded.companies.find("Harbourline Swiftlink Logistics Limited")
    assert isinstance(forwarder, CompanyRecord)
    assert forwarder.name_original == "港匯迅聯物流有限公司"


def test_links_are_graded_with_evidence(loaded: Workspace) -> None:
    links = [lk for ref in (REF_1, REF_2) for lk in loaded.cases.show(ref).links]
    assert all(lk.source_reliability and lk.info_credibility and lk.evidence for lk in links)
    relations = {lk.relation for lk in links}
    assert {"offers", "supplied", "shipped", "carried", "brokered", "declared_as",
            "contained", "seized_from", "shares_contact", "officer_of",
            "employee_of"} <= relations


def test_demo_dates_are_fixed_and_in_the_past(loaded: Workspace) -> None:
    dates: list[dt.date] = []
    for ref in (REF_1, REF_2):
        detail = loaded.cases.show(ref)
        dates += [d for d in (detail.case.opened_on,) if d]
        dates += [s.seized_on for s in detail.seizures]
        dates += [d for s in detail.shipments if isinstance(s, ShipmentRecord)
                  for d in (s.shipped_on, s.arrived_on) if d]
        dates += [d for lk in detail.links for d in (lk.first_seen, lk.last_seen) if d]
    assert dates and all(dt.date(2025, 1, 1) <= d <= LATEST_DATE for d in dates)


def test_loading_twice_is_loading_once(ws: Workspace) -> None:
    before = row_counts(ws)
    assert load_demo(ws).created
    once = row_counts(ws)
    again = load_demo(ws)
    assert not again.created and again.case_refs == (REF_1, REF_2)
    assert row_counts(ws) == once
    added = {kind: once[kind] - before[kind] for kind in once}
    assert added == {"case": 2, "substance": 1, "company": 7, "person": 4, "shipment": 7,
                     "seizure": 7, "link": 43, "note": 3}


def test_all_or_nothing_when_case_two_ref_is_taken(ws: Workspace) -> None:
    ws.cases.add({"ref": REF_2, "title": "Someone else's case"})
    before = row_counts(ws)
    with pytest.raises(ConflictError):
        load_demo(ws)
    assert row_counts(ws) == before

